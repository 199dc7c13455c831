"""Plain views protected by Microsoft access tokens: every refusal of the issue's rules, the
person behind a token, app-only callers, and what an API call costs in requests to Microsoft."""

from __future__ import annotations

import json
import time

import httpx
import jwt
import pytest
from asgiref.sync import async_to_sync
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.test import Client, RequestFactory

from django_microsoft_sso.api import microsoft_token_required
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import OTHER_TENANT_ID
from django_microsoft_sso.testing.signing import key_id

pytestmark = pytest.mark.django_db

User = get_user_model()
DAEMON = "0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def describe(request):
    user = request.user
    return JsonResponse(
        {
            "user": user.get_username() if user.is_authenticated else None,
            "client": request.auth.client_app_id,
            "scopes": sorted(request.auth.scopes),
            "roles": sorted(request.auth.roles),
            "version": request.auth.version,
        }
    )


@microsoft_token_required
def me(request):
    return describe(request)


@microsoft_token_required(scopes=["Files.Read"])
def files(request):
    return describe(request)


@microsoft_token_required(app_roles=["Reports.Read.All"])
def reports(request):
    return describe(request)


@microsoft_token_required
async def async_me(request):
    return describe(request)


def call(view, token=None, header=None):
    """The view's answer to a GET with ``Authorization: Bearer <token>`` (or ``header``)."""
    extra = {}
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if header is not None:
        extra["HTTP_AUTHORIZATION"] = header
    request = RequestFactory().get("/api/", **extra)
    if view is async_me:
        return async_to_sync(view)(request)
    return view(request)


def body(response):
    return json.loads(response.content)


def assert_invalid_token(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert body(response)["error"] == "invalid_token"


@pytest.fixture
def signed_in(microsoft, alice):
    """Alice, who has signed in on the web once: her user and link exist."""
    microsoft.login(Client(), alice)
    assert MicrosoftSSOUser.objects.filter(microsoft_id=alice.object_id).exists()
    return alice


@pytest.fixture
def daemon_allowed(settings):
    settings.MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS = [DAEMON]


def forged(token, *, header=None, claims=None, key=None, algorithm="RS256"):
    """``token`` re-signed with ``key`` (or unsigned), with its header and claims changed."""
    payload = {**jwt.decode(token, options={"verify_signature": False}), **(claims or {})}
    headers = {**jwt.get_unverified_header(token), **(header or {})}
    if algorithm == "none":
        from django_microsoft_sso.testing.wire import b64url

        head = b64url(json.dumps({**headers, "alg": "none"}).encode())
        return f"{head}.{b64url(json.dumps(payload).encode())}."
    headers.pop("alg", None)
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


# -- accepted ------------------------------------------------------------------------------------


def test_a_person_who_signed_in_on_the_web_calls_the_api_as_their_user(microsoft, signed_in):
    response = call(me, microsoft.access_token(signed_in))

    assert response.status_code == 200
    assert body(response) == {
        "user": "alice@contoso.com",
        "client": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "scopes": ["access_as_user"],
        "roles": [],
        "version": "2.0",
    }


def test_a_v1_token_is_accepted_too(microsoft, signed_in):
    response = call(me, microsoft.access_token(signed_in, version="1.0"))

    assert response.status_code == 200
    assert body(response)["version"] == "1.0"
    assert body(response)["user"] == "alice@contoso.com"


def test_an_async_view_gets_the_user_and_the_token(microsoft, signed_in):
    response = call(async_me, microsoft.access_token(signed_in))

    assert response.status_code == 200
    assert body(response)["user"] == "alice@contoso.com"


def test_a_configured_audience_replaces_the_defaults(microsoft, signed_in, settings):
    settings.MICROSOFT_SSO_API_AUDIENCES = ["api://reports.contoso.com"]

    accepted = call(me, microsoft.access_token(signed_in, audience="api://reports.contoso.com"))
    refused = call(me, microsoft.access_token(signed_in))

    assert accepted.status_code == 200
    assert_invalid_token(refused)


# -- RFC 6750 answers ----------------------------------------------------------------------------


def test_no_token_is_401_with_a_bare_bearer_challenge(microsoft):
    response = call(me)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_missing_scope_is_403_insufficient_scope(microsoft, signed_in):
    response = call(files, microsoft.access_token(signed_in, scopes=["access_as_user"]))

    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_the_scope_the_view_requires_lets_the_call_in(microsoft, signed_in):
    response = call(files, microsoft.access_token(signed_in, scopes=["Files.Read", "Mail.Read"]))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer " + "a" * 100_000,
        "Bearer " + "a.b.c" * 5000,
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer \x00\x01",
        "Bearer é.é.é",
        "Bearer,token",
    ],
)
def test_a_malformed_authorization_header_is_401_invalid_request(microsoft, header):
    response = call(me, header=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_request"')


@pytest.mark.parametrize(
    "token",
    [
        "a.b.c",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.bm90IGpzb24.c2ln",
        "x" * 2000,
        "a.b.c.d.e",
    ],
)
def test_garbage_tokens_are_401_never_500(microsoft, token):
    assert_invalid_token(call(me, token))


# -- refused tokens ------------------------------------------------------------------------------


def test_an_id_token_presented_as_bearer_is_refused(microsoft, alice):
    microsoft.login(Client(), alice)
    id_token = microsoft.issued_tokens[-1]["id_token"]

    assert_invalid_token(call(me, id_token))


def test_an_id_token_without_a_nonce_is_refused_for_lack_of_scp(microsoft, signed_in):
    id_token = microsoft.issued_tokens[-1]["id_token"]
    token = forged(id_token, claims={"nonce": None}, key=microsoft.signing_key)

    assert_invalid_token(call(me, token))


@pytest.mark.parametrize(
    "audience",
    ["https://graph.microsoft.com", GRAPH_APP_ID, "api://someone-elses-api", DAEMON],
)
def test_a_token_for_graph_or_another_api_is_refused(microsoft, signed_in, audience):
    assert_invalid_token(call(me, microsoft.access_token(signed_in, audience=audience)))


def test_a_graph_token_with_its_header_nonce_is_refused(microsoft, signed_in):
    token = forged(
        microsoft.access_token(signed_in), header={"nonce": "abc"}, key=microsoft.signing_key
    )

    assert_invalid_token(call(me, token))


def test_a_token_of_another_tenant_is_refused(microsoft):
    stranger = microsoft.add_user("eve@fabrikam.com", tenant_id=OTHER_TENANT_ID)

    assert_invalid_token(call(me, microsoft.access_token(stranger)))


def test_a_token_whose_issuer_is_not_its_tenants_is_refused(microsoft, signed_in):
    token = microsoft.access_token(
        signed_in, iss=f"https://login.microsoftonline.com/{OTHER_TENANT_ID}/v2.0"
    )

    assert_invalid_token(call(me, token))


def test_a_v1_issuer_on_a_v2_token_is_refused(microsoft, signed_in):
    token = microsoft.access_token(signed_in, iss=f"https://sts.windows.net/{TENANT}/")

    assert_invalid_token(call(me, token))


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_alg_none_and_hs256_are_refused(microsoft, signed_in, algorithm):
    token = forged(
        microsoft.access_token(signed_in),
        key="a-shared-secret-long-enough-for-hmac-sha256",
        algorithm=algorithm,
    )

    assert_invalid_token(call(me, token))


def test_a_bad_signature_is_refused(microsoft, signed_in):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # Signed by another key under the published key's id.
    token = forged(microsoft.access_token(signed_in), key=other_key)

    assert_invalid_token(call(me, token))


def test_an_expired_token_is_refused(microsoft, signed_in):
    token = microsoft.access_token(signed_in, exp=int(time.time()) - 3600)

    assert_invalid_token(call(me, token))


def test_a_token_not_yet_valid_is_refused(microsoft, signed_in):
    token = microsoft.access_token(signed_in, nbf=int(time.time()) + 3600)

    assert_invalid_token(call(me, token))


def test_a_little_clock_skew_is_allowed(microsoft, signed_in):
    token = microsoft.access_token(signed_in, exp=int(time.time()) - 30)

    assert call(me, token).status_code == 200


def test_a_delegated_token_without_scp_is_refused(microsoft, signed_in):
    assert_invalid_token(call(me, microsoft.access_token(signed_in, scopes=[])))


def test_an_unknown_kid_refetches_the_keys_once_then_is_refused(
    microsoft, signed_in, minutes_later
):
    assert call(me, microsoft.access_token(signed_in)).status_code == 200
    keys_before = microsoft.count("keys")
    minutes_later(2)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = forged(microsoft.access_token(signed_in), header={"kid": "unknown"}, key=other_key)

    first, second = call(me, token), call(me, token)

    assert_invalid_token(first)
    assert_invalid_token(second)
    assert microsoft.count("keys") == keys_before + 1


def test_an_unknown_kid_soon_after_a_fetch_asks_microsoft_nothing(microsoft, signed_in):
    assert call(me, microsoft.access_token(signed_in)).status_code == 200
    keys_before = microsoft.count("keys")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = forged(microsoft.access_token(signed_in), header={"kid": "unknown"}, key=other_key)

    assert_invalid_token(call(me, token))
    assert microsoft.count("keys") == keys_before


def test_a_token_signed_with_a_rotated_key_is_accepted(microsoft, signed_in, minutes_later):
    assert call(me, microsoft.access_token(signed_in)).status_code == 200
    keys_before = microsoft.count("keys")
    minutes_later(2)
    microsoft.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = call(me, microsoft.access_token(signed_in))

    assert response.status_code == 200
    assert microsoft.count("keys") == keys_before + 1
    assert jwt.get_unverified_header(microsoft.access_token(signed_in))["kid"] == key_id(
        microsoft.signing_key
    )


def test_keys_microsoft_cannot_give_are_a_503_not_a_500(microsoft, signed_in):
    microsoft.reset_project()
    microsoft.fail("keys", httpx.ConnectTimeout)

    response = call(me, microsoft.access_token(signed_in))

    assert response.status_code == 503


# -- the person ----------------------------------------------------------------------------------


def test_an_inactive_user_is_refused(microsoft, signed_in):
    User.objects.filter(username="alice@contoso.com").update(is_active=False)

    assert_invalid_token(call(me, microsoft.access_token(signed_in)))


def test_a_person_who_never_signed_in_is_refused_when_creation_is_off(microsoft, alice):
    response = call(me, microsoft.access_token(alice))

    assert_invalid_token(response)
    assert not User.objects.exists()


def test_a_person_who_never_signed_in_is_created_when_creation_is_on(microsoft, settings):
    settings.MICROSOFT_SSO_API_CREATE_USERS = True
    bob = microsoft.add_user("bob@contoso.com", given_name="Bob", surname="Builder")

    response = call(me, microsoft.access_token(bob, email="bob@contoso.com"))
    again = call(me, microsoft.access_token(bob))

    assert response.status_code == 200
    assert again.status_code == 200
    user = User.objects.get()
    assert (user.username, user.email, user.first_name) == (
        "bob@contoso.com",
        "bob@contoso.com",
        "",
    )
    link = MicrosoftSSOUser.objects.get(user=user)
    assert (link.tenant_id, link.microsoft_id) == (TENANT, bob.object_id)
    assert microsoft.count("batch") == microsoft.count("me") == 0


def test_a_v1_token_creates_the_user_with_its_names(microsoft, settings):
    settings.MICROSOFT_SSO_API_CREATE_USERS = True
    bob = microsoft.add_user("bob@contoso.com", given_name="Bob", surname="Builder")

    assert call(me, microsoft.access_token(bob, version="1.0")).status_code == 200

    user = User.objects.get()
    assert (user.username, user.first_name, user.last_name) == (
        "bob@contoso.com",
        "Bob",
        "Builder",
    )


def test_creation_applies_the_domain_rule(microsoft, settings):
    settings.MICROSOFT_SSO_API_CREATE_USERS = True
    mallory = microsoft.add_user("mallory@fabrikam.com")

    assert_invalid_token(call(me, microsoft.access_token(mallory)))
    assert not User.objects.exists()


def test_creation_applies_the_tenant_rule(microsoft, settings):
    settings.MICROSOFT_SSO_API_CREATE_USERS = True
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [TENANT]
    stranger = microsoft.add_user("eve@contoso.com", tenant_id=OTHER_TENANT_ID)

    assert_invalid_token(call(me, microsoft.access_token(stranger)))
    assert not User.objects.exists()


def test_creation_honours_auto_create_users_off(microsoft, settings):
    settings.MICROSOFT_SSO_API_CREATE_USERS = True
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = False
    bob = microsoft.add_user("bob@contoso.com")

    assert_invalid_token(call(me, microsoft.access_token(bob)))
    assert not User.objects.exists()


# -- app-only callers ----------------------------------------------------------------------------


def test_an_allowed_app_with_a_role_is_anonymous_and_named_in_auth(microsoft, daemon_allowed):
    response = call(reports, microsoft.app_token(DAEMON, roles=["Reports.Read.All"]))

    assert response.status_code == 200
    assert body(response)["user"] is None
    assert body(response)["client"] == DAEMON
    assert body(response)["roles"] == ["Reports.Read.All"]


def test_an_app_only_v1_token_without_idtyp_is_recognised_by_oid_equal_sub(
    microsoft, daemon_allowed
):
    token = microsoft.app_token(DAEMON, roles=["Reports.Read.All"], version="1.0", idtyp=None)

    response = call(reports, token)

    assert response.status_code == 200
    assert body(response)["client"] == DAEMON


def test_an_app_only_token_without_roles_is_refused(microsoft, daemon_allowed):
    assert_invalid_token(call(me, microsoft.app_token(DAEMON, roles=[])))


def test_an_app_not_allowed_is_refused(microsoft):
    assert_invalid_token(call(reports, microsoft.app_token(DAEMON, roles=["Reports.Read.All"])))


def test_an_app_without_the_role_the_view_requires_gets_403(microsoft, daemon_allowed):
    response = call(reports, microsoft.app_token(DAEMON, roles=["Other.Role"]))

    assert response.status_code == 403


def test_an_app_only_token_has_no_scopes_for_a_view_that_needs_one(microsoft, daemon_allowed):
    response = call(files, microsoft.app_token(DAEMON, roles=["Reports.Read.All"]))

    assert response.status_code == 403


def test_roles_of_a_tenant_not_in_mapping_tenants_do_not_count(microsoft, settings):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [TENANT, OTHER_TENANT_ID]
    settings.MICROSOFT_SSO_MAPPING_TENANTS = [TENANT]
    settings.MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS = [DAEMON]

    ours = call(reports, microsoft.app_token(DAEMON, ["Reports.Read.All"], tenant_id=TENANT))
    theirs = call(
        reports, microsoft.app_token(DAEMON, ["Reports.Read.All"], tenant_id=OTHER_TENANT_ID)
    )

    assert ours.status_code == 200
    assert theirs.status_code == 403
    assert theirs["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_a_persons_app_role_counts_for_a_view_that_requires_it(microsoft, settings):
    carol = microsoft.add_user("carol@contoso.com", roles=["Reports.Read.All"])
    microsoft.login(Client(), carol)

    response = call(reports, microsoft.access_token(carol))

    assert response.status_code == 200
    assert body(response)["user"] == "carol@contoso.com"


# -- cost and logs -------------------------------------------------------------------------------


def test_an_api_call_asks_microsoft_nothing_once_warm(microsoft, signed_in, daemon_allowed):
    assert call(me, microsoft.access_token(signed_in)).status_code == 200
    before = len(microsoft.calls)

    for _ in range(5):
        assert call(me, microsoft.access_token(signed_in)).status_code == 200
        assert call(reports, microsoft.app_token(DAEMON, ["Reports.Read.All"])).status_code == 200

    assert len(microsoft.calls) == before


def test_the_token_is_never_in_a_log_line(microsoft, signed_in, logs):
    good = microsoft.access_token(signed_in)
    tokens = [
        good,
        microsoft.access_token(signed_in, scopes=[]),
        microsoft.access_token(signed_in, audience="https://graph.microsoft.com"),
        microsoft.access_token(signed_in, exp=int(time.time()) - 3600),
        forged(good, key="a-shared-secret-long-enough-for-hmac-sha256", algorithm="HS256"),
    ]
    for token in tokens:
        call(files, token)

    assert any("API request refused" in line for line in logs)
    for token in tokens:
        signature = token.rsplit(".", 1)[1]
        assert not any(token in line or signature in line for line in logs)
