"""Front-channel logout: Microsoft's sign-out ends the Django session its sid signed in, only that."""

import jwt
import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

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
    "params", [{}, {"sid": "x"}, {"iss": "y"}, {"sid": "x" * 300, "iss": "y"}]
)
def test_front_channel_logout_without_sid_and_iss_is_a_bad_request(client, params):
    assert client.get(FRONT_CHANNEL, params).status_code == 400


def test_front_channel_logout_is_get_only(client):
    assert client.post(FRONT_CHANNEL, {"sid": "x", "iss": "y"}).status_code == 405
