"""The start view: where it sends the browser, what it keeps, and when it refuses to start."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from django_microsoft_sso.pending import CACHE_KEY_PREFIX, PENDING_SESSION_KEY
from django_microsoft_sso.pending_cookies import COOKIE_PREFIX as PENDING_COOKIE
from django_microsoft_sso.testing import DEFAULT_TENANT_ID
from tests.conftest import cross_site
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db

START = reverse("django_microsoft_sso:oauth_start_login")
CALLBACK = reverse("django_microsoft_sso:oauth_callback")
AUTHORIZE_PATH = f"/{DEFAULT_TENANT_ID}/oauth2/v2.0/authorize"
DISABLED = "Sign in with Microsoft is not enabled."
STATE_REFUSED = "Your sign-in session expired or is invalid. Please sign in again."


def authorize_params(response):
    """The query of the authorize URL the start view redirected to, one value per name."""
    assert response.status_code == 302
    return {key: values[0] for key, values in parse_qs(urlsplit(response.url).query).items()}


def pending(client):
    return client.session.get(PENDING_SESSION_KEY, {})


# -- the authorize request -----------------------------------------------------------------------


def test_start_redirects_to_the_tenants_authorize_endpoint(client, microsoft):
    response = client.get(START)

    location = urlsplit(response.url)
    assert (location.scheme, location.hostname, location.path) == (
        "https",
        "login.microsoftonline.com",
        AUTHORIZE_PATH,
    )
    params = authorize_params(response)
    assert params["client_id"] == microsoft.client_id
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == "http://testserver/microsoft_sso/callback/"
    assert params["code_challenge_method"] == "S256"
    assert params["state"]
    assert params["nonce"]
    assert params["code_challenge"]
    assert {"openid", "profile", "offline_access", "User.ReadBasic.All"} <= set(
        params["scope"].split()
    )
    assert "response_mode" not in params or params["response_mode"] == "query"


def test_scopes_setting_is_asked_for_with_the_openid_scopes(client, microsoft, settings):
    settings.MICROSOFT_SSO_SCOPES = ["User.Read", "Calendars.Read"]

    scope = authorize_params(client.get(START))["scope"].split()

    assert {"User.Read", "Calendars.Read", "openid", "profile", "offline_access"} <= set(scope)
    assert "User.ReadBasic.All" not in scope


def test_start_response_is_not_cached(client, microsoft):
    response = client.get(START)

    assert "no-store" in response["Cache-Control"]


def test_start_accepts_get_only(client, microsoft):
    assert client.post(START).status_code == 405


def test_every_start_has_a_fresh_state_nonce_and_verifier(client, microsoft):
    first = authorize_params(client.get(START))
    second = authorize_params(Client().get(START))
    third = authorize_params(client.get(START))

    for name in ("state", "nonce", "code_challenge"):
        assert len({first[name], second[name], third[name]}) == 3, name


def test_pending_sign_in_is_kept_in_the_session_with_its_pkce_verifier(client, microsoft):
    params = authorize_params(client.get(START, {"next": "/private/"}))

    stored = pending(client)[params["state"]]
    assert stored["next"] == "/private/"
    verifier = stored["flow"]["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == params["code_challenge"]
    assert verifier not in client.get(START).url


def test_start_with_missing_credentials_fails_with_a_message(client, settings):
    settings.MICROSOFT_SSO_CLIENT_SECRET = None

    response = client.get(START)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [
        "Sign in with Microsoft is not configured correctly. Please contact your administrator."
    ]


# -- next ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["/private/?a=1&b=two", "/private/", "/?x=%2Fy", "http://testserver/private/?a=1"],
)
def test_same_site_next_is_kept_with_its_query_string(client, microsoft, alice, next_url):
    response = microsoft.login(client, alice, next=next_url)

    assert response.status_code == 302
    assert response.url == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "http://evil.example/private/",
        "//evil.example/private/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "/private/\nSet-Cookie: x=1",
        "/private/\x00",
        "/private/\u202e",
        "/private/?q=" + "a" * 2048,
        # Relative paths would land relative to the callback's URL.
        "null",
        "private/",
    ],
)
def test_off_site_next_is_replaced_by_next_url(client, microsoft, alice, settings, next_url):
    settings.MICROSOFT_SSO_NEXT_URL = "/private/"

    response = microsoft.login(client, alice, next=next_url)

    assert response.status_code == 302
    assert response.url == "/private/"


def test_without_next_the_browser_lands_on_the_admin_by_default(client, microsoft, alice):
    response = microsoft.login(client, alice)

    assert response.url == "/admin/"


def test_next_url_may_be_a_url_name(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_NEXT_URL = "private"

    response = microsoft.login(client, alice, next="https://evil.example/")

    assert response.url == "/private/"


def test_plain_http_next_is_refused_on_a_secure_request(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_NEXT_URL = "/private/"
    start = client.get(START, {"next": "http://testserver/?downgraded=1"}, secure=True)

    response = microsoft.sign_in(start.url, alice).send(client, secure=True)

    assert response.url == "/private/"


def test_next_on_the_callback_domain_is_same_site(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = "app.example.com"

    response = microsoft.login(client, alice, next="http://app.example.com/private/?a=1")

    assert response.url == "http://app.example.com/private/?a=1"


# -- the redirect URI ----------------------------------------------------------------------------


def test_redirect_uri_uses_the_callback_domain(client, microsoft, settings):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = "app.example.com"

    params = authorize_params(client.get(START, HTTP_HOST="localhost"))

    assert params["redirect_uri"] == "http://app.example.com/microsoft_sso/callback/"


def test_redirect_uri_uses_the_request_host_without_callback_domain(client, microsoft):
    params = authorize_params(client.get(START, HTTP_HOST="app.example.com"))

    assert params["redirect_uri"] == "http://app.example.com/microsoft_sso/callback/"


def test_redirect_uri_is_https_on_a_secure_request(client, microsoft):
    params = authorize_params(client.get(START, secure=True))

    assert params["redirect_uri"] == "https://testserver/microsoft_sso/callback/"


def test_redirect_uri_honours_secure_proxy_ssl_header(client, microsoft, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    params = authorize_params(
        client.get(START, HTTP_HOST="app.example.com", HTTP_X_FORWARDED_PROTO="https")
    )

    assert params["redirect_uri"] == "https://app.example.com/microsoft_sso/callback/"


def test_redirect_uri_ignores_forwarded_headers_the_project_does_not_trust(client, microsoft):
    params = authorize_params(
        client.get(START, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil.example")
    )

    assert params["redirect_uri"] == "http://testserver/microsoft_sso/callback/"


@pytest.mark.django_db(transaction=True)
def test_redirect_uri_uses_the_current_site_when_sites_is_installed(client, microsoft, settings):
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django.contrib.sites"]
    settings.SITE_ID = 1
    call_command("migrate", "sites", verbosity=0)
    from django.contrib.sites.models import Site

    Site.objects.update_or_create(pk=1, defaults={"domain": "app.example.com", "name": "App"})
    Site.objects.clear_cache()

    params = authorize_params(client.get(START))

    assert params["redirect_uri"] == "http://app.example.com/microsoft_sso/callback/"


def test_a_whole_sign_in_works_over_https(client, microsoft, alice):
    start = client.get(START, {"next": "/private/"}, secure=True)

    response = microsoft.sign_in(start.url, alice).send(client, secure=True)

    assert response.url == "/private/"
    assert client.get("/private/", secure=True).content == b"private page of alice@contoso.com"


# -- several sign-ins and their lifetime -----------------------------------------------------------


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_two_tabs_signing_in_at_once_both_succeed(client, microsoft, alice, order):
    starts = [
        client.get(START, {"next": "/private/?tab=1"}),
        client.get(START, {"next": "/?tab=2"}),
    ]
    answers = [microsoft.sign_in(start.url, alice) for start in starts]

    landed = {index: answers[index].send(client).url for index in order}

    assert landed == {0: "/private/?tab=1", 1: "/?tab=2"}
    assert get_user_model().objects.count() == 1
    assert pending(client) == {}


def test_pending_sign_in_older_than_timeout_is_refused(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_TIMEOUT = 0

    response = microsoft.login(client, alice)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [STATE_REFUSED]
    assert "_auth_user_id" not in client.session
    assert microsoft.count("token") == 0


def test_timeout_is_counted_from_the_start(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_TIMEOUT = 0
    start = client.get(START)
    settings.MICROSOFT_SSO_TIMEOUT = 10

    response = microsoft.sign_in(start.url, alice).send(client)

    assert messages_of(response) == [STATE_REFUSED]
    assert "_auth_user_id" not in client.session


# -- REQUIRE_SECURE_CALLBACK: form_post, with the pending sign-in in a sealed cookie ----------------
# (tests/test_form_post.py covers the cookie, proxies, plain http and floods of starts)


def test_form_post_asks_microsoft_to_post_the_answer(client, microsoft, alice, form_post):
    start = client.get(START, secure=True)

    assert authorize_params(start)["response_mode"] == "form_post"
    assert microsoft.sign_in(start.url, alice).method == "POST"


def test_form_post_keeps_the_pending_sign_in_in_the_browser(client, microsoft, form_post):
    state = authorize_params(client.get(START, {"next": "/private/"}, secure=True))["state"]

    assert pending(client) == {}
    assert cache.get(CACHE_KEY_PREFIX + state) is None
    assert client.cookies[PENDING_COOKIE + state].value


def test_form_post_sign_in_succeeds(client, microsoft, alice, form_post):
    response = microsoft.login(client, alice, next="/private/", secure=True)

    assert response.url == "/private/"
    assert client.get("/private/", secure=True).content == b"private page of alice@contoso.com"


def test_form_post_state_is_single_use(client, microsoft, alice, form_post):
    answer = microsoft.sign_in(client.get(START, secure=True).url, alice)
    replaying = cross_site(client)  # the same browser's cookie, as it was before the answer
    answer.send(client, secure=True)

    replay = answer.send(replaying, secure=True)

    assert replay.url == "/admin/login/"
    assert messages_of(replay) == [STATE_REFUSED]
    assert microsoft.count("token") == 1


def test_form_post_over_https_ties_the_sign_in_to_a_cookie(client, microsoft, form_post):
    start = client.get(START, secure=True)

    cookie = client.cookies[PENDING_COOKIE + authorize_params(start)["state"]]
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "None"
    assert CALLBACK.startswith(cookie["path"])


def test_form_post_over_https_works_without_the_session_cookie(
    client, microsoft, alice, form_post
):
    start = client.get(START, {"next": "/private/"}, secure=True)
    answer = microsoft.sign_in(start.url, alice)
    # Microsoft's cross-site POST brings the SameSite=None cookie, not the session's.
    browser_on_post = cross_site(client)

    response = answer.send(browser_on_post, secure=True)

    assert response.url == "/private/"
    assert "_auth_user_id" in browser_on_post.session


@pytest.mark.parametrize("other_has_own_cookie", [True, False])
def test_form_post_answer_from_another_browser_is_refused(
    client, microsoft, alice, form_post, other_has_own_cookie
):
    start = client.get(START, secure=True)
    answer = microsoft.sign_in(start.url, alice)
    other = Client()
    if other_has_own_cookie:
        other.get(START, secure=True)
        assert len([name for name in other.cookies if name.startswith(PENDING_COOKIE)]) == 1

    response = answer.send(other, secure=True)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [STATE_REFUSED]
    assert "_auth_user_id" not in other.session
    assert get_user_model().objects.count() == 0
    assert microsoft.count("token") == 0


# -- switched off ------------------------------------------------------------------------------


def assert_start_refused(client, response, message=DISABLED):
    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert messages_of(response) == [message]
    assert pending(client) == {}


def test_disabled_sign_in_does_not_start(client, microsoft, settings):
    settings.MICROSOFT_SSO_ENABLED = False

    assert_start_refused(client, client.get(START, {"next": "/private/"}))
    assert microsoft.count() == 0


def test_disabled_sign_in_refuses_a_callback_in_flight(client, microsoft, alice, settings):
    start = client.get(START)
    settings.MICROSOFT_SSO_ENABLED = False

    response = microsoft.sign_in(start.url, alice).send(client)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [DISABLED]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "next_url",
    [
        None,
        "/admin/",
        "/admin/auth/user/?o=1",
        "/%61dmin/",
        "/x/../admin/",
        "/./admin/",
        "//testserver/admin/",
        "http://testserver/admin/",
        "/admin",
    ],
)
def test_admin_disabled_refuses_sign_in_into_the_admin(client, microsoft, settings, next_url):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = False

    response = client.get(START, {"next": next_url} if next_url is not None else {})

    assert_start_refused(client, response)


def test_admin_disabled_still_signs_in_to_pages(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = False

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"


@pytest.mark.parametrize("next_url", ["/private/", "/", "/administrator/"])
def test_pages_disabled_refuses_sign_in_into_pages(client, microsoft, settings, next_url):
    settings.MICROSOFT_SSO_PAGES_ENABLED = False

    assert_start_refused(client, client.get(START, {"next": next_url}))


def test_pages_disabled_still_signs_in_to_the_admin(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_PAGES_ENABLED = False

    response = microsoft.login(client, alice, next="/admin/auth/")

    assert response.url == "/admin/auth/"


def test_refused_start_redirects_to_a_custom_login_failed_url(client, microsoft, settings):
    settings.MICROSOFT_SSO_ENABLED = False
    settings.MICROSOFT_SSO_LOGIN_FAILED_URL = "home"

    response = client.get(START)

    assert response.url == "/"
    assert messages_of(response) == [DISABLED]


def test_refused_start_without_messages_shows_none(client, microsoft, settings):
    settings.MICROSOFT_SSO_ENABLED = False
    settings.MICROSOFT_SSO_ENABLE_MESSAGES = False

    response = client.get(START)

    assert response.url == "/admin/login/"
    assert messages_of(response) == []


# -- settings given as callables of the request --------------------------------------------------


def test_next_url_may_be_a_callable_of_the_request(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_NEXT_URL = lambda request: f"/?lang={request.GET['lang']}"
    start = client.get(START, {"lang": "fr", "next": "https://evil.example/"})

    response = microsoft.sign_in(start.url, alice).send(client)

    assert response.url == "/?lang=fr"


def test_enabled_may_be_a_callable_of_the_request(client, microsoft, settings):
    settings.MICROSOFT_SSO_ENABLED = lambda request: request.get_host() != "app.example.com"

    assert_start_refused(client, client.get(START, HTTP_HOST="app.example.com"))
    assert urlsplit(client.get(START).url).hostname == "login.microsoftonline.com"


def test_callback_domain_may_be_a_callable_of_the_request(client, microsoft, settings):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = lambda request: "app.example.com"

    params = authorize_params(client.get(START))

    assert params["redirect_uri"] == "http://app.example.com/microsoft_sso/callback/"
