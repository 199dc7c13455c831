"""Sign-in hints: the prompt, login_hint and domain_hint Microsoft receives, and the remembered
account of a browser."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.signing import Signer, TimestampSigner
from django.urls import reverse

from django_microsoft_sso.hints import REMEMBERED_ACCOUNT_COOKIE, REMEMBERED_ACCOUNT_SALT
from tests.helpers import START, assert_signed_in, login_hint_of

pytestmark = pytest.mark.django_db

LOGOUT = reverse("django_microsoft_sso:oauth_logout")


def asked_of_microsoft(microsoft):
    """The query of the last authorize request Microsoft received."""
    return microsoft.authorize_requests[-1]


def start_url(**params):
    return f"{START}?{urlencode(params)}"


# -- MICROSOFT_SSO_PROMPT ------------------------------------------------------------------------


def test_no_prompt_by_default(client, microsoft, alice):
    assert_signed_in(microsoft.login(client, alice), client)

    assert "prompt" not in asked_of_microsoft(microsoft)


@pytest.mark.parametrize("prompt", ["select_account", "login", "consent", "none"])
def test_prompt_setting_is_the_prompt_microsoft_receives(
    client, microsoft, alice, settings, prompt
):
    settings.MICROSOFT_SSO_PROMPT = prompt

    assert_signed_in(microsoft.login(client, alice), client)

    assert asked_of_microsoft(microsoft)["prompt"] == prompt


def test_prompt_may_be_a_callable_of_the_request(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_PROMPT = lambda request: (
        "login" if request.GET.get("next", "").startswith("/admin/") else None
    )

    microsoft.login(client, alice, next="/admin/")
    assert asked_of_microsoft(microsoft)["prompt"] == "login"

    microsoft.login(client, alice, next="/")
    assert "prompt" not in asked_of_microsoft(microsoft)


def test_a_callable_prompt_microsoft_would_refuse_is_left_out(
    client, microsoft, alice, settings, logs
):
    settings.MICROSOFT_SSO_PROMPT = lambda request: "always"

    assert_signed_in(microsoft.login(client, alice), client)

    assert "prompt" not in asked_of_microsoft(microsoft)
    assert any("MICROSOFT_SSO_PROMPT gave no known prompt" in line for line in logs)


# -- ?login_hint= and ?domain_hint= --------------------------------------------------------------


def test_login_hint_and_domain_hint_of_the_start_view_reach_microsoft(client, microsoft, alice):
    url = start_url(login_hint="alice@contoso.com", domain_hint="contoso.com")

    assert_signed_in(microsoft.login(client, alice, start_url=url), client)

    asked = asked_of_microsoft(microsoft)
    assert asked["login_hint"] == "alice@contoso.com"
    assert asked["domain_hint"] == "contoso.com"


@pytest.mark.parametrize("domain", ["organizations", "consumers", "sub.contoso.co.uk"])
def test_microsofts_own_domain_hints_are_passed_on(client, microsoft, domain):
    microsoft.deny(client.get(START, {"domain_hint": domain}).url)

    assert asked_of_microsoft(microsoft)["domain_hint"] == domain


@pytest.mark.parametrize(
    "hint",
    [
        "alice@contoso.com<script>",
        "alice @contoso.com",
        "alice@contoso.com\r\nX-Forged: 1",
        'alice"@contoso.com',
        "ålice@contoso.com",
        "a" * 513,
    ],
)
def test_an_unusable_login_hint_is_dropped_and_the_sign_in_goes_on(client, microsoft, alice, hint):
    response = microsoft.login(client, alice, start_url=start_url(login_hint=hint))

    assert_signed_in(response, client)
    assert "login_hint" not in asked_of_microsoft(microsoft)


@pytest.mark.parametrize(
    "hint", ["contoso.com/evil", "-contoso.com", "contoso..com", "contoso.com ", "a" * 64 + ".com"]
)
def test_an_unusable_domain_hint_is_dropped_and_the_sign_in_goes_on(
    client, microsoft, alice, hint
):
    response = microsoft.login(client, alice, start_url=start_url(domain_hint=hint))

    assert_signed_in(response, client)
    assert "domain_hint" not in asked_of_microsoft(microsoft)


# -- MICROSOFT_SSO_REMEMBER_ACCOUNT --------------------------------------------------------------


@pytest.fixture
def remember(settings):
    settings.MICROSOFT_SSO_REMEMBER_ACCOUNT = True


def next_login_hint(client, microsoft):
    """The login_hint of the next sign-in this browser starts, or None."""
    microsoft.deny(client.get(START).url)
    return asked_of_microsoft(microsoft).get("login_hint")


def test_remembered_account_is_the_next_login_hint(client, microsoft, alice, remember):
    assert next_login_hint(client, microsoft) is None

    assert_signed_in(microsoft.login(client, alice), client)

    assert next_login_hint(client, microsoft) == login_hint_of(alice)


def test_remembered_account_cookie_holds_the_hint_only_signed_http_only_and_lax(
    client, microsoft, alice, remember
):
    response = microsoft.login(client, alice)

    cookie = response.cookies[REMEMBERED_ACCOUNT_COOKIE]
    assert cookie.value != login_hint_of(alice), "the value is signed"
    assert cookie.value.startswith(login_hint_of(alice) + ":")
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    assert int(cookie["max-age"]) > 0


def test_remembered_account_cookie_is_secure_over_https(client, microsoft, alice, remember):
    response = microsoft.login(client, alice, secure=True)

    assert response.cookies[REMEMBERED_ACCOUNT_COOKIE]["secure"] is True


def test_preferred_username_is_remembered_when_the_token_has_no_login_hint(
    client, microsoft, alice, remember
):
    microsoft.login(client, alice, id_token_claims={"login_hint": None})

    assert next_login_hint(client, microsoft) == "alice@contoso.com"


def test_a_login_hint_of_the_start_view_wins_over_the_remembered_one(
    client, microsoft, alice, remember
):
    microsoft.login(client, alice)

    microsoft.deny(client.get(START, {"login_hint": "bob@contoso.com"}).url)

    assert asked_of_microsoft(microsoft)["login_hint"] == "bob@contoso.com"


@pytest.mark.parametrize(
    "forged",
    [
        "bob@contoso.com",
        Signer(salt="another.purpose").sign("bob@contoso.com"),
        Signer(salt=REMEMBERED_ACCOUNT_COOKIE + REMEMBERED_ACCOUNT_SALT).sign("bob@contoso.com"),
        TimestampSigner(salt=REMEMBERED_ACCOUNT_COOKIE + REMEMBERED_ACCOUNT_SALT).sign("a b<c>"),
    ],
    ids=["unsigned", "signed-for-another-purpose", "signed-without-a-time", "not-a-hint"],
)
def test_a_cookie_not_signed_by_the_package_is_no_hint(client, microsoft, remember, forged):
    client.cookies[REMEMBERED_ACCOUNT_COOKIE] = forged

    assert next_login_hint(client, microsoft) is None


def test_sign_out_forgets_the_remembered_account(client, microsoft, alice, remember):
    microsoft.login(client, alice)

    response = client.post(LOGOUT)

    assert SESSION_KEY not in client.session
    assert response.cookies[REMEMBERED_ACCOUNT_COOKIE].value == ""
    assert int(response.cookies[REMEMBERED_ACCOUNT_COOKIE]["max-age"]) == 0
    assert next_login_hint(client, microsoft) is None


def test_single_sign_out_forgets_the_remembered_account_too(
    client, microsoft, alice, remember, settings
):
    settings.MICROSOFT_SSO_SLO_ENABLED = True
    microsoft.login(client, alice)

    response = client.post(LOGOUT)

    assert response.url.startswith("https://login.microsoftonline.com/")
    assert response.cookies[REMEMBERED_ACCOUNT_COOKIE].value == ""


def test_no_account_is_remembered_by_default(client, microsoft, alice):
    response = microsoft.login(client, alice)

    assert REMEMBERED_ACCOUNT_COOKIE not in response.cookies
    assert next_login_hint(client, microsoft) is None


def test_turned_off_a_remembered_account_is_neither_used_nor_kept(
    client, microsoft, alice, settings, remember
):
    microsoft.login(client, alice)
    settings.MICROSOFT_SSO_REMEMBER_ACCOUNT = False

    assert next_login_hint(client, microsoft) is None
    response = microsoft.login(client, alice)
    assert response.cookies[REMEMBERED_ACCOUNT_COOKIE].value == ""
