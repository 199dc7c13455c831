"""id_token validation, through the views: a forged or unfit id_token never signs anyone in."""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from django_microsoft_sso.testing import DEFAULT_TENANT_ID, OTHER_TENANT_ID, key_id
from tests import helpers
from tests.helpers import assert_signed_in, messages_of

pytestmark = pytest.mark.django_db

START = reverse("django_microsoft_sso:oauth_start_login")
NOT_VERIFIED = "The sign-in could not be verified. Please try again."
OTHER_APP_ID = "99999999-8888-7777-6666-555555555555"


@pytest.fixture(scope="module")
def other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issuer(tenant_id):
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0"


def sign_in(client, microsoft, user, **options):
    """Start, sign ``user`` in at the fake with ``options``, and return the callback's response."""
    authorize_url = client.get(START).url
    return microsoft.sign_in(authorize_url, user, **options).send(client)


def nonce_of(authorize_url):
    return parse_qs(urlsplit(authorize_url).query)["nonce"][0]


def claims_for(microsoft, user, nonce):
    """The claims the fake would put in ``user``'s id_token, for tokens made by hand."""
    now = int(time.time())
    return {
        "aud": microsoft.client_id,
        "iss": issuer(user.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "nonce": nonce,
        "oid": user.object_id,
        "tid": user.tenant_id,
        "preferred_username": user.user_principal_name,
        "ver": "2.0",
    }


def assert_refused(response, client, logs, message=NOT_VERIFIED, reason="id_token"):
    helpers.assert_refused(response, client, message)
    [line] = helpers.failure_lines(logs)
    if reason is not None:
        assert f"({reason})" in line
    assert "eyJ" not in "".join(logs), "a JWT reached the log"


# -- signature and key -----------------------------------------------------------------------------


def test_valid_id_token_signs_in(client, microsoft, alice):
    assert_signed_in(sign_in(client, microsoft, alice), client)


def test_id_token_signed_by_another_key_with_the_tenants_kid_is_refused(
    client, microsoft, alice, logs, other_key
):
    response = sign_in(
        client,
        microsoft,
        alice,
        signing_key=other_key,
        id_token_header={"kid": key_id(microsoft.signing_key)},
    )

    assert_refused(response, client, logs)


def test_id_token_signed_by_an_unknown_key_is_refused(client, microsoft, alice, logs, other_key):
    response = sign_in(client, microsoft, alice, signing_key=other_key)

    assert_refused(response, client, logs)


def test_id_token_without_kid_is_refused(client, microsoft, alice, logs):
    authorize_url = client.get(START).url
    claims = claims_for(microsoft, alice, nonce_of(authorize_url))
    no_kid = jwt.encode(claims, microsoft.signing_key, algorithm="RS256")

    response = microsoft.sign_in(authorize_url, alice, id_token=no_kid).send(client)

    assert_refused(response, client, logs)


def test_unsigned_id_token_is_refused(client, microsoft, alice, logs):
    response = sign_in(client, microsoft, alice, id_token_header={"alg": "none"})

    assert_refused(response, client, logs)


def test_id_token_signed_with_hs256_and_the_public_key_as_secret_is_refused(
    client, microsoft, alice, logs
):
    authorize_url = client.get(START).url
    claims = claims_for(microsoft, alice, nonce_of(authorize_url))
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id(microsoft.signing_key)}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    public_pem = microsoft.signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{b64url(signature)}"

    response = microsoft.sign_in(authorize_url, alice, id_token=forged).send(client)

    assert_refused(response, client, logs)


# -- audience, issuer and tenant ---------------------------------------------------------------


def test_id_token_for_another_application_is_refused(client, microsoft, alice, logs):
    response = sign_in(client, microsoft, alice, id_token_claims={"aud": OTHER_APP_ID})

    assert_refused(response, client, logs)


def test_id_token_with_several_audiences_and_no_azp_is_refused(client, microsoft, alice, logs):
    audiences = [microsoft.client_id, OTHER_APP_ID]

    response = sign_in(client, microsoft, alice, id_token_claims={"aud": audiences})

    assert_refused(response, client, logs)


def test_id_token_with_several_audiences_and_another_azp_is_refused(
    client, microsoft, alice, logs
):
    claims = {"aud": [microsoft.client_id, OTHER_APP_ID], "azp": OTHER_APP_ID}

    response = sign_in(client, microsoft, alice, id_token_claims=claims)

    assert_refused(response, client, logs)


def test_id_token_with_several_audiences_and_our_azp_is_accepted(client, microsoft, alice):
    claims = {"aud": [microsoft.client_id, OTHER_APP_ID], "azp": microsoft.client_id}

    assert_signed_in(sign_in(client, microsoft, alice, id_token_claims=claims), client)


@pytest.mark.parametrize(
    "wrong_issuer",
    [
        f"https://evil.example/{DEFAULT_TENANT_ID}/v2.0",
        f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}/",
        f"https://sts.windows.net/{DEFAULT_TENANT_ID}/",
        f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID.upper()}/v2.0",
    ],
)
def test_id_token_from_a_wrong_issuer_is_refused(client, microsoft, alice, logs, wrong_issuer):
    response = sign_in(client, microsoft, alice, id_token_claims={"iss": wrong_issuer})

    assert_refused(response, client, logs)


def test_id_token_whose_issuer_and_tid_disagree_is_refused(client, microsoft, alice, logs):
    claims = {"iss": issuer(OTHER_TENANT_ID)}

    response = sign_in(client, microsoft, alice, id_token_claims=claims)

    assert_refused(response, client, logs)


def test_id_token_with_the_tenants_issuer_but_another_tid_is_refused(
    client, microsoft, alice, logs
):
    claims = {"tid": OTHER_TENANT_ID, "iss": issuer(DEFAULT_TENANT_ID)}

    response = sign_in(client, microsoft, alice, id_token_claims=claims)

    assert_refused(response, client, logs)


def test_id_token_of_another_tenant_is_refused_by_a_single_tenant_authority(
    client, microsoft, alice, logs
):
    claims = {"tid": OTHER_TENANT_ID, "iss": issuer(OTHER_TENANT_ID)}

    response = sign_in(client, microsoft, alice, id_token_claims=claims)

    assert_refused(response, client, logs)


def test_multi_tenant_authority_refuses_an_issuer_of_another_tenant_than_tid(
    client, microsoft, logs, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    bob = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)

    response = sign_in(client, microsoft, bob, id_token_claims={"iss": issuer(DEFAULT_TENANT_ID)})

    assert_refused(response, client, logs)


def test_multi_tenant_authority_accepts_the_issuer_of_the_tokens_own_tenant(
    client, microsoft, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["fabrikam.com"]
    bob = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)

    assert_signed_in(sign_in(client, microsoft, bob), client)


# -- lifetime and nonce --------------------------------------------------------------------------


def test_expired_id_token_is_refused(client, microsoft, alice, logs):
    now = int(time.time())
    claims = {"iat": now - 3600, "nbf": now - 3600, "exp": now - 120}

    response = sign_in(client, microsoft, alice, id_token_claims=claims)

    assert_refused(response, client, logs)


def test_id_token_expired_within_the_clock_skew_is_accepted(client, microsoft, alice):
    now = int(time.time())
    claims = {"iat": now - 3600, "nbf": now - 3600, "exp": now - 10}

    assert_signed_in(sign_in(client, microsoft, alice, id_token_claims=claims), client)


def test_id_token_not_yet_valid_is_refused(client, microsoft, alice, logs):
    now = int(time.time())
    claims = {"iat": now + 3600, "nbf": now + 3600, "exp": now + 7200}

    response = sign_in(client, microsoft, alice, id_token_claims=claims)

    assert_refused(response, client, logs)


def test_id_token_with_another_sign_ins_nonce_is_refused(client, microsoft, alice, logs):
    other_nonce = nonce_of(client.get(START).url)

    response = sign_in(client, microsoft, alice, id_token_claims={"nonce": other_nonce})

    assert_refused(response, client, logs)


def test_id_token_without_nonce_is_refused(client, microsoft, alice, logs):
    response = sign_in(client, microsoft, alice, id_token_claims={"nonce": None})

    assert_refused(response, client, logs)


@pytest.mark.parametrize("claim", ["oid", "tid", "iss", "aud", "exp", "iat"])
def test_id_token_without_a_required_claim_is_refused(client, microsoft, alice, logs, claim):
    response = sign_in(client, microsoft, alice, id_token_claims={claim: None})

    assert_refused(response, client, logs)


@pytest.mark.parametrize("claim", ["oid", "tid"])
def test_id_token_with_a_non_string_identity_claim_is_refused(
    client, microsoft, alice, logs, claim
):
    response = sign_in(client, microsoft, alice, id_token_claims={claim: 12345})

    assert_refused(response, client, logs)


# -- no id_token, or not a JWT ---------------------------------------------------------------------


def test_token_answer_without_id_token_is_refused(client, microsoft, alice, logs):
    response = sign_in(client, microsoft, alice, id_token="")

    assert_refused(response, client, logs)


@pytest.mark.parametrize(
    "garbage",
    [
        "garbage",
        "a.b.c",
        "...",
        "eyJhbGciOiJSUzI1NiJ9.eyJ.",
        "\u00e9.\u00e9.\u00e9",
        "e30.e30.e30",
        "e30.W10.e30",
        "e30.MQ.e30",
        "e30.bnVsbA.e30",
    ],
)
def test_id_token_that_is_not_a_jwt_is_refused(client, microsoft, alice, logs, garbage):
    response = sign_in(client, microsoft, alice, id_token=garbage)

    [message] = messages_of(response)
    # msal reads the token answer first: some of these fail there, the rest in validation.
    assert message in (
        NOT_VERIFIED,
        "Microsoft refused the sign-in. Please try again.",
        "Microsoft could not be reached. Please try again in a moment.",
    )
    assert_refused(response, client, logs, message=message, reason=None)


@pytest.mark.parametrize("id_token", [None, 12345, ["a.b.c"], {"alg": "none"}])
def test_token_answer_whose_id_token_is_not_a_string_is_refused(
    client, microsoft, alice, logs, id_token
):
    answer = {
        "token_type": "Bearer",
        "scope": "openid profile User.ReadBasic.All",
        "expires_in": 3599,
        "access_token": "not-checked",
        "id_token": id_token,
    }
    microsoft.fail("token", httpx.Response(200, json=answer))

    response = sign_in(client, microsoft, alice)

    assert_refused(response, client, logs)


# -- signing keys: cached, refreshed once for an unknown kid ---------------------------------------


def test_signing_keys_are_fetched_once_for_many_sign_ins(client, microsoft, alice):
    sign_in(client, microsoft, alice)
    assert microsoft.count("keys") == 1
    metadata_requests = microsoft.count("metadata")

    assert_signed_in(sign_in(client, microsoft, alice), client)

    assert microsoft.count("keys") == 1
    assert microsoft.count("metadata") == metadata_requests


def test_unknown_kid_with_nothing_cached_fetches_the_keys_once(
    client, microsoft, alice, logs, other_key
):
    response = sign_in(client, microsoft, alice, signing_key=other_key)

    assert_refused(response, client, logs)
    assert microsoft.count("keys") == 1


def test_unknown_kid_refreshes_the_keys_once(client, microsoft, alice, other_key, minutes_later):
    sign_in(client, microsoft, alice)
    client.logout()
    minutes_later(2)

    first = sign_in(client, microsoft, alice, signing_key=other_key)
    second = sign_in(client, microsoft, alice, signing_key=other_key)

    assert microsoft.count("keys") == 2
    assert first.url == second.url == "/admin/login/"
    assert "_auth_user_id" not in client.session


def test_unknown_kid_soon_after_a_fetch_does_not_fetch_again(client, microsoft, alice, other_key):
    sign_in(client, microsoft, alice)
    client.logout()

    response = sign_in(client, microsoft, alice, signing_key=other_key)

    assert response.url == "/admin/login/"
    assert microsoft.count("keys") == 1


def test_a_rotated_signing_key_is_picked_up(client, microsoft, alice, other_key, minutes_later):
    sign_in(client, microsoft, alice)
    client.logout()
    microsoft.signing_key = other_key
    minutes_later(2)

    assert_signed_in(sign_in(client, microsoft, alice), client)
    assert microsoft.count("keys") == 2
