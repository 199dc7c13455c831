"""Sign-in through ``django.contrib.auth``: ``authenticate()`` then ``login()``.

A 7.x project does not list ``MicrosoftSSOBackend`` in ``AUTHENTICATION_BACKENDS``; a project of
8.x may. Both sign in, both get Django's ``user_login_failed``, and the session always records a
backend Django can load at the next request.
"""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_login_failed

from tests.helpers import assert_sent_back_to_login, signed_in
from tests.test_hooks import NOT_ALLOWED

pytestmark = pytest.mark.django_db

User = get_user_model()
OURS = "django_microsoft_sso.backends.MicrosoftSSOBackend"
MODEL = "django.contrib.auth.backends.ModelBackend"
NOT_IN_DOMAIN = "Email address not allowed: alice@contoso.com. Please contact your administrator."
CONFIGURATIONS = {"listed": [MODEL, OURS], "listed alone": [OURS], "not listed": [MODEL]}


@pytest.fixture
def alice(alice):
    alice.job_title = "Engineer"
    return alice


@pytest.fixture
def failed_logins():
    """The credentials of each ``user_login_failed`` Django's listeners are sent."""
    seen = []

    def receiver(sender, credentials, request=None, **kwargs):
        seen.append(credentials)

    user_login_failed.connect(receiver, dispatch_uid="tests_failed_logins")
    yield seen
    user_login_failed.disconnect(dispatch_uid="tests_failed_logins")


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_signs_in_whether_the_backend_is_listed_or_not(
    client, microsoft, settings, alice, failed_logins, configuration
):
    settings.AUTHENTICATION_BACKENDS = CONFIGURATIONS[configuration]

    user = signed_in(microsoft.login(client, alice))

    expected = MODEL if configuration == "not listed" else OURS
    assert client.session[BACKEND_SESSION_KEY] == expected
    assert client.get("/private/").content == f"private page of {user.username}".encode()
    assert failed_logins == []


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_a_refusal_keeps_its_message_and_tells_django_without_a_token(
    client, microsoft, settings, alice, failed_logins, configuration
):
    settings.AUTHENTICATION_BACKENDS = CONFIGURATIONS[configuration]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["fabrikam.com"]

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_IN_DOMAIN)

    [credentials] = failed_logins
    assert credentials["microsoft_identity"].object_id == alice.object_id
    assert credentials["token_response"] == "********************"
    seen = repr(credentials)
    for token_start in ("fake-at-", "fake-rt-", "eyJ"):  # access, refresh and id token
        assert token_start not in seen
    assert not User.objects.exists()


def test_a_project_backend_listed_first_may_refuse_a_microsoft_sign_in(
    client, microsoft, settings, alice, failed_logins
):
    settings.AUTHENTICATION_BACKENDS = ["tests.project.hooks_for_tests.NoMicrosoftBackend", OURS]

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_ALLOWED)

    assert len(failed_logins) == 1
    assert not User.objects.exists()


def test_the_configured_backend_is_recorded_even_when_ours_is_listed(
    client, microsoft, settings, alice
):
    project_backend = "tests.project.hooks_for_tests.MicrosoftBackend"
    settings.AUTHENTICATION_BACKENDS = [OURS, project_backend]
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = project_backend

    signed_in(microsoft.login(client, alice))

    assert client.session[BACKEND_SESSION_KEY] == project_backend


def test_the_backend_ignores_credentials_that_are_not_microsofts(settings, alice):
    from django.contrib.auth import authenticate

    settings.AUTHENTICATION_BACKENDS = [OURS]
    User.objects.create_user("bob", password="a long enough password")

    assert authenticate(None, username="bob", password="a long enough password") is None
