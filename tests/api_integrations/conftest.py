"""What both API integrations are tested with: a person who signed in on the web once, tokens of
the fake Microsoft for her and for a client application, and a caller without a session."""

import pytest
from django.test import Client

from django_microsoft_sso.models import MicrosoftSSOUser

# The scope the test APIs expose and the app role they grant (names as in Entra's examples).
SCOPE = "access_as_user"
APP_ROLE = "Reports.Read.All"
# A daemon application allowed to call with app-only tokens, and one that is not.
DAEMON_APP_ID = "9a1c1f3e-6c1d-4f53-9a4a-1b2c3d4e5f60"
UNKNOWN_APP_ID = "0f0e0d0c-0b0a-4909-8807-060504030201"


@pytest.fixture
def alice_user(microsoft, alice):
    """Alice's Django user, made by her sign-in on the web (API_CREATE_USERS stays off)."""
    response = microsoft.login(Client(), alice)
    assert response.status_code == 302, response
    return MicrosoftSSOUser.objects.get(user_principal_name=alice.user_principal_name).user


@pytest.fixture
def daemon(settings):
    """The client application id allowed to call with app-only tokens."""
    settings.MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS = [DAEMON_APP_ID]
    return DAEMON_APP_ID


@pytest.fixture
def api_client():
    """A caller with no session: a single-page app, a mobile app or another service."""
    return Client()


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
