"""Sessions that follow the token: refresh through msal, ``get_access_token``, the middleware.

Everything goes through the views and the fake Microsoft; time passes by moving the times the
session stored (the token's expiry, the last check) into the past.
"""

import time

import httpx
import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import path

import django_microsoft_sso
from django_microsoft_sso import sessions
from django_microsoft_sso.checks import check_session_tokens
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, OTHER_TENANT_ID
from tests.project.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db

MIDDLEWARE = "django_microsoft_sso.middleware.SessionFollowsTokenMiddleware"


def token_view(request: HttpRequest) -> JsonResponse:
    """A project's view that calls Graph on the person's behalf."""
    return JsonResponse({"token": django_microsoft_sso.get_access_token(request)})


urlpatterns = [path("token/", token_view), *project_urlpatterns]


@pytest.fixture
def tokens_on(settings):
    settings.ROOT_URLCONF = "tests.test_sessions"
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True


@pytest.fixture
def follows(settings):
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    settings.MICROSOFT_SSO_SESSION_CHECK_MINUTES = 15
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


@pytest.fixture(params=["db", "cache", "cached_db"])
def server_sessions(request, settings):
    """Each session engine that keeps the session, and so the tokens, on the server."""
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{request.param}"


COOKIE_ENGINES = [
    "django.contrib.sessions.backends.signed_cookies",
    # A project's own engine built on Django's: the browser still carries everything in it.
    "tests.project.app.cookie_sessions",
]


def age_session(client, key, seconds):
    """Move a time the session stored ``seconds`` into the past."""
    session = client.session
    session[key] -= seconds
    session.save()


def token_of(client):
    return client.get("/token/").json()["token"]


def test_the_sign_in_keeps_token_expiry_and_refresh_token_server_side(
    client, microsoft, alice, tokens_on
):
    microsoft.login(client, alice)

    issued = microsoft.issued_tokens[-1]
    session = client.session
    assert session[sessions.ACCESS_TOKEN_SESSION_KEY] == issued["access_token"]
    assert session[sessions.REFRESH_TOKEN_SESSION_KEY] == issued["refresh_token"]
    assert session[sessions.EXPIRES_SESSION_KEY] > 3000 + session[sessions.CHECKED_SESSION_KEY]
    # The browser holds the session id only.
    cookies = " ".join(morsel.value for morsel in client.cookies.values())
    assert issued["refresh_token"] not in cookies
    assert issued["access_token"] not in cookies


def test_a_valid_token_is_returned_without_asking_microsoft(client, microsoft, alice, tokens_on):
    microsoft.login(client, alice)
    requests = microsoft.count("token")

    assert token_of(client) == microsoft.issued_tokens[-1]["access_token"]
    assert microsoft.count("token") == requests


def test_an_expired_token_is_refreshed_and_the_refresh_token_rotated(
    client, microsoft, alice, tokens_on
):
    microsoft.login(client, alice)
    first = microsoft.issued_tokens[-1]
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)

    token = token_of(client)

    refreshed = microsoft.issued_tokens[-1]
    assert token == refreshed["access_token"] != first["access_token"]
    assert client.session[sessions.REFRESH_TOKEN_SESSION_KEY] == refreshed["refresh_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]
    # The new token works with Graph, and is handed out again without another refresh.
    me = httpx.get(
        "https://graph.microsoft.com/v1.0/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.json()["userPrincipalName"] == "alice@contoso.com"
    requests = microsoft.count("token")
    assert token_of(client) == token
    assert microsoft.count("token") == requests


def test_no_token_when_microsoft_refuses_the_refresh(client, microsoft, alice, tokens_on):
    microsoft.login(client, alice)
    microsoft.revoke(alice)
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)

    assert token_of(client) is None
    # The refused refresh token is dropped: no second request to Microsoft for it.
    requests = microsoft.count("token")
    assert token_of(client) is None
    assert microsoft.count("token") == requests
    assert sessions.REFRESH_TOKEN_SESSION_KEY not in client.session


def test_no_token_when_microsoft_cannot_be_reached_and_a_later_refresh_works(
    client, microsoft, alice, tokens_on, logs
):
    microsoft.login(client, alice)
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)
    microsoft.fail("token", httpx.ConnectTimeout)

    assert token_of(client) is None
    assert token_of(client) == microsoft.issued_tokens[-1]["access_token"]
    assert any("refresh failed (microsoft_unavailable)" in line for line in logs)
    assert not any("fake-rt-" in line or "fake-at-" in line for line in logs)


def test_a_5xx_on_refresh_fails_only_that_refresh(client, microsoft, alice, tokens_on):
    microsoft.login(client, alice)
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)
    microsoft.fail("token", httpx.Response(500, text="Internal Server Error"))
    assert token_of(client) is None
    time.sleep(0.1)

    assert token_of(client) == microsoft.issued_tokens[-1]["access_token"]
    assert microsoft.count("token") == 3  # the sign-in, the failed refresh, this one


def test_retry_after_on_a_sign_in_holds_refreshes_back_for_its_seconds(
    client, microsoft, alice, tokens_on, logs
):
    microsoft.login(client, alice)
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)
    microsoft.fail(
        "token", httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "1"})
    )
    bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    microsoft.login(Client(), bob)
    requests = microsoft.count("token")

    assert token_of(client) is None
    assert microsoft.count("token") == requests
    assert any("refresh failed (microsoft_throttled)" in line for line in logs)
    time.sleep(1.05)
    assert token_of(client) == microsoft.issued_tokens[-1]["access_token"]
    assert microsoft.count("token") == requests + 1


def test_no_token_without_save_access_token(client, microsoft, alice, tokens_on, settings):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = False
    microsoft.login(client, alice)

    assert token_of(client) is None
    assert sessions.REFRESH_TOKEN_SESSION_KEY not in client.session


@pytest.mark.parametrize("engine", COOKIE_ENGINES)
def test_cookie_sessions_never_hold_the_refresh_token(client, microsoft, alice, settings, engine):
    settings.SESSION_ENGINE = engine
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    microsoft.login(client, alice)

    assert client.session[SESSION_KEY]
    assert sessions.REFRESH_TOKEN_SESSION_KEY not in client.session
    cookies = " ".join(morsel.value for morsel in client.cookies.values())
    assert microsoft.issued_tokens[-1]["refresh_token"] not in cookies
    assert [error.id for error in check_session_tokens()] == ["django_microsoft_sso.W005"]
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    assert "django_microsoft_sso.E015" in [error.id for error in check_session_tokens()]


def test_session_follows_token_ends_the_session_microsoft_revoked(
    client, microsoft, alice, follows
):
    microsoft.login(client, alice)
    assert client.get("/private/").status_code == 200
    microsoft.revoke(alice)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)

    response = client.get("/private/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/private/"
    assert SESSION_KEY not in client.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your Microsoft sign-in has ended. Please sign in again."
    ]


def test_a_disabled_account_is_logged_out_too(client, microsoft, alice, follows):
    microsoft.login(client, alice)
    microsoft.revoke(alice, disabled=True)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)

    assert client.get("/private/").status_code == 302
    assert SESSION_KEY not in client.session


def test_the_session_is_checked_at_most_once_per_interval(client, microsoft, alice, follows):
    microsoft.login(client, alice)
    requests = microsoft.count("token")
    microsoft.revoke(alice)

    # Within the interval: no request to Microsoft, the session goes on.
    for _ in range(3):
        assert client.get("/private/").status_code == 200
    age_session(client, sessions.CHECKED_SESSION_KEY, 14 * 60)
    assert client.get("/private/").status_code == 200
    assert microsoft.count("token") == requests

    age_session(client, sessions.CHECKED_SESSION_KEY, 2 * 60)
    assert client.get("/private/").status_code == 302
    assert microsoft.count("token") == requests + 1


def test_a_successful_check_keeps_the_session_and_waits_a_new_interval(
    client, microsoft, alice, follows
):
    microsoft.login(client, alice)
    requests = microsoft.count("token")
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)

    assert client.get("/private/").status_code == 200
    assert client.get("/private/").status_code == 200
    assert microsoft.count("token") == requests + 1
    assert (
        client.session[sessions.REFRESH_TOKEN_SESSION_KEY]
        == (microsoft.issued_tokens[-1]["refresh_token"])
    )


@pytest.mark.parametrize(
    "fault",
    [httpx.ConnectTimeout, httpx.Response(503, text="busy")],
    ids=["timeout", "http-503"],
)
def test_a_network_fault_does_not_log_out(client, microsoft, alice, follows, fault):
    microsoft.login(client, alice)
    microsoft.revoke(alice)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)
    microsoft.fail("token", fault)

    response = client.get("/private/")

    assert response.status_code == 200
    assert SESSION_KEY in client.session
    assert list(get_messages(response.wsgi_request)) == []


def test_sessions_not_signed_in_with_microsoft_are_left_alone(
    client, microsoft, follows, django_user_model
):
    user = django_user_model.objects.create_user("bob", password="pw")
    client.force_login(user)

    assert client.get("/private/").status_code == 200
    assert microsoft.count("token") == 0


def test_check_e016_needs_the_middleware_after_authentication(settings):
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    assert [error.id for error in check_session_tokens()] == ["django_microsoft_sso.E016"]

    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    assert [error.id for error in check_session_tokens()] == ["django_microsoft_sso.E016"]

    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE] + [
        MIDDLEWARE
    ]
    assert check_session_tokens() == []
    call_command("check")


def test_a_refusal_seen_by_get_access_token_ends_the_session_at_the_next_request(
    client, microsoft, alice, tokens_on, follows
):
    microsoft.login(client, alice)
    microsoft.revoke(alice)
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)

    assert token_of(client) is None
    response = client.get("/private/")

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "refusal", ["domain", "validate-hook", "tenant", "token-endpoint", "pre-login-hook"]
)
def test_a_refused_sign_in_leaves_the_followed_session_as_it_was(
    client, microsoft, alice, tokens_on, follows, server_sessions, settings, refusal
):
    # Alice signs in to a multi-tenant app that admits her tenant only.
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [DEFAULT_TENANT_ID]
    microsoft.login(client, alice)
    before = dict(client.session.items())
    assert before[sessions.REFRESH_TOKEN_SESSION_KEY]
    # Before she is offboarded, someone in her browser starts a sign-in that is refused.
    person = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    if refusal == "domain":
        person = microsoft.add_user("bob@fabrikam.com", mail="bob@fabrikam.com")
    elif refusal == "validate-hook":
        settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = (
            "tests.project.hooks_for_tests.refuse_everyone"
        )
    elif refusal == "tenant":
        person = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)
    elif refusal == "token-endpoint":
        microsoft.fail("token", httpx.Response(400, json={"error": "invalid_grant"}))
    elif refusal == "pre-login-hook":
        settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.project.hooks_for_tests.explode"

    response = microsoft.login(client, person)

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert dict(client.session.items()) == before
    assert client.get("/private/").content == b"private page of alice@contoso.com"
    # Her session is still checked: once Microsoft ends it, so does the site.
    microsoft.revoke(alice)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)
    assert client.get("/private/").status_code == 302
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("engine", COOKIE_ENGINES)
def test_a_refused_sign_in_leaves_a_cookie_session_as_it_was(
    client, microsoft, alice, tokens_on, settings, engine
):
    settings.SESSION_ENGINE = engine
    microsoft.login(client, alice)
    before = dict(client.session.items())
    assert before[sessions.ACCESS_TOKEN_SESSION_KEY]
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = "tests.project.hooks_for_tests.refuse_everyone"

    response = microsoft.login(client, microsoft.add_user("bob@contoso.com"))

    assert response.url == "/admin/login/"
    assert dict(client.session.items()) == before
