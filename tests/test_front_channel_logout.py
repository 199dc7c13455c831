"""Front-channel logout: Microsoft's sign-out ends the Django session its sid signed in, only that."""

import jwt
import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from django_microsoft_sso.frontchannel import microsoft_session_cache_key

pytestmark = pytest.mark.django_db

FRONT_CHANNEL = reverse("django_microsoft_sso:oauth_front_channel_logout")


def sign_in(microsoft, person):
    """A browser signed in as ``person``, and the sid and iss of its id_token."""
    browser = Client()
    response = microsoft.login(browser, person)
    assert response.status_code == 302
    assert SESSION_KEY in browser.session
    id_token = microsoft.issued_tokens[-1]["id_token"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    return browser, claims["sid"], claims["iss"]


def signed_in(browser):
    return browser.get("/private/").status_code == 200


def test_front_channel_logout_ends_the_matching_session_only(microsoft):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    alice_browser, alice_sid, issuer = sign_in(microsoft, alice)
    bob_browser, _, _ = sign_in(microsoft, bob)

    response = Client().get(FRONT_CHANNEL, {"sid": alice_sid, "iss": issuer})

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert not signed_in(alice_browser)
    assert signed_in(bob_browser)


@pytest.mark.parametrize(
    "params",
    [
        {"sid": "unknown-sid", "iss": "https://login.microsoftonline.com/x/v2.0"},
        {"sid": "<right sid>", "iss": "https://login.microsoftonline.com/another/v2.0"},
    ],
)
def test_front_channel_logout_with_another_sid_or_issuer_ends_nothing(microsoft, params):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    browser, sid, _ = sign_in(microsoft, alice)
    params = {key: sid if value == "<right sid>" else value for key, value in params.items()}

    assert Client().get(FRONT_CHANNEL, params).status_code == 200
    assert signed_in(browser)


@pytest.mark.parametrize(
    "params", [{}, {"iss": "y"}, {"sid": "x" * 300}, {"sid": "x", "iss": "y" * 600}]
)
def test_front_channel_logout_without_a_sid_is_a_bad_request(client, params):
    assert client.get(FRONT_CHANNEL, params).status_code == 400


@pytest.mark.parametrize("engine", ["db", "cache", "cached_db"])
def test_entras_front_channel_logout_with_sid_only_ends_the_matching_session_only(
    microsoft, settings, engine
):
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    alice_browser, _, _ = sign_in(microsoft, alice)
    bob_browser, _, _ = sign_in(microsoft, bob)

    response = microsoft.front_channel_logout(Client(), alice)

    assert response.status_code == 200
    assert response.wsgi_request.GET.keys() == {"sid"}
    assert not signed_in(alice_browser)
    assert signed_in(bob_browser)
    # Once only: the same call again finds nothing to end.
    assert microsoft.front_channel_logout(Client(), alice).status_code == 200


def test_front_channel_logout_with_an_unknown_sid_only_ends_nothing(microsoft):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    browser, _, _ = sign_in(microsoft, alice)

    assert Client().get(FRONT_CHANNEL, {"sid": "unknown-sid"}).status_code == 200
    assert signed_in(browser)


def test_without_the_sid_claim_front_channel_logout_ends_nothing(microsoft):
    # The app registration did not add the ``sid`` optional claim to the id_token.
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    browser = Client()
    microsoft.login(browser, alice, id_token_claims={"sid": None})

    assert microsoft.front_channel_logout(Client(), alice).status_code == 200
    assert signed_in(browser)


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.signed_cookies", "tests.project.app.cookie_sessions"],
)
def test_a_session_kept_in_a_cookie_is_not_remembered_for_front_channel_logout(
    microsoft, settings, engine
):
    settings.SESSION_ENGINE = engine
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    _, sid, _ = sign_in(microsoft, alice)

    # Its "session key" would be the whole signed session, and no server can end it.
    assert caches["default"].get(microsoft_session_cache_key(sid)) is None
    assert microsoft.front_channel_logout(Client(), alice).status_code == 200


def test_front_channel_logout_is_get_only(client):
    assert client.post(FRONT_CHANNEL, {"sid": "x", "iss": "y"}).status_code == 405
