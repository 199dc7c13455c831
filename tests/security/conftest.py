"""What every test of the attack-and-fault suite shares: a fake Microsoft whose client secret is
shaped like a real one (so that a leak of any part of it shows), and the checks of what a person,
an attacker and the log see.
"""

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import FakeMicrosoft

START = reverse("django_microsoft_sso:oauth_start_login")
CALLBACK = reverse("django_microsoft_sso:oauth_callback")
LOGOUT = reverse("django_microsoft_sso:oauth_logout")
FAILED_URL = "/admin/login/"

STATE_REFUSED = "Your sign-in session expired or is invalid. Please sign in again."
TOKEN_REFUSED = "Microsoft refused the sign-in. Please try again."
UNAVAILABLE = "Microsoft could not be reached. Please try again in a moment."
PROFILE_UNREADABLE = "Your Microsoft profile could not be read. Please try again."
NOT_VERIFIED = "The sign-in could not be verified. Please try again."
NOT_COMPLETED = "Your sign-in could not be completed. Please contact your administrator."
NOT_CONFIGURED = (
    "Sign in with Microsoft is not configured correctly. Please contact your administrator."
)
TENANT_REFUSED = "Accounts of your organization are not allowed to sign in here."
DISABLED = "Sign in with Microsoft is not enabled."

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL and threads with their own connections: tox -e services",
)


@pytest.fixture
def microsoft(settings):
    """The fake Microsoft, with a secret shaped like a real one, so that a leak of it would show."""
    fake = FakeMicrosoft(client_secret="Q7w8Q~" + secrets.token_urlsafe(30))
    settings.MICROSOFT_SSO_APPLICATION_ID = fake.client_id
    settings.MICROSOFT_SSO_CLIENT_SECRET = fake.client_secret
    with fake:
        yield fake


@pytest.fixture
def alice(microsoft):
    return microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", given_name="Alice")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def start(client, **params):
    """Start a sign-in in ``client``; return the authorize URL it was sent to."""
    response = client.get(START, params)
    assert response.status_code == 302, response
    return response.url


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def signed_in_user(client):
    """The user ``client`` is signed in as, or None."""
    user_id = client.session.get(SESSION_KEY)
    return get_user_model().objects.get(pk=user_id) if user_id else None


def assert_refused(response, client, message, *, url=FAILED_URL):
    """A refused sign-in: the failure page, exactly this message, nobody signed in, no rows."""
    assert response.status_code == 302
    assert response.url == url
    assert messages_of(response) == [message]
    assert SESSION_KEY not in client.session
    assert not get_user_model().objects.exists()
    assert not MicrosoftSSOUser.objects.exists()


def assert_signed_in(response, client, url="/admin/"):
    assert response.status_code == 302
    assert response.url == url, messages_of(response)
    assert SESSION_KEY in client.session


def failure_lines(logs):
    return [line for line in logs if "Microsoft sign-in failed" in line]


def sensitive_values(microsoft, *extra):
    """The client secret, and every code, verifier and bearer token this test's sign-ins sent."""
    values = [microsoft.client_secret, *extra]
    for name, request in microsoft.calls + microsoft.batch_calls:
        if name == "token":
            form = parse_qs(request.content.decode())
            for field in ("code", "code_verifier", "client_secret"):
                values += form.get(field, [])
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            values.append(authorization.removeprefix("Bearer "))
    return [value for value in values if value]


def assert_no_leak(text, values, window=6):
    """``text`` holds none of ``values``, nor any ``window`` characters in a row of one."""
    for value in values:
        for at in range(max(len(value) - window + 1, 1)):
            fragment = value[at : at + window]
            assert fragment not in text, f"{fragment!r} of a secret, code or token leaked"


def lands_on_site(location, host="testserver"):
    """Whether a browser that follows ``location`` stays on ``host``.

    Stricter than Django's check: no control character, space or backslash anywhere before the
    path (browsers drop or rewrite those), and a relative URL must be a plain absolute path.
    """
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in location):
        return False
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return (
            parts.scheme in ("", "http", "https")
            and parts.netloc == host
            and url_has_allowed_host_and_scheme(location, allowed_hosts={host})
        )
    return (
        location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(location, allowed_hosts={host})
    )
