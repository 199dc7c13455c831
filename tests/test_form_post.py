"""form_post (``MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK``): Microsoft POSTs its answer from its own
site, so the pending sign-in waits in a sealed cookie of the browser that started it.

Behind a proxy that ends TLS, and on plain http, the sign-in is tied to the browser whenever the
redirect URI is https, and refused (but with DEBUG) where it cannot be; and no number of starts
from other people pushes a sign-in under way out of the server's cache.
"""

import time

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.conftest import cross_site
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db

START = reverse("django_microsoft_sso:oauth_start_login")
PENDING_COOKIE = "microsoft_sso_pending_"
STATE_REFUSED = "Your sign-in session expired or is invalid. Please sign in again."
NEEDS_HTTPS = (
    "Sign in with Microsoft needs a secure (https) connection to this site. "
    "Please contact your administrator."
)
TRUSTED_PROXY = ("HTTP_X_FORWARDED_PROTO", "https")
# What Django sees behind a proxy that ends TLS: plain http, the browser's host, the proxy's header.
PROXIED = {"HTTP_HOST": "app.example.com", "HTTP_X_FORWARDED_PROTO": "https"}


def pending_cookies(browser):
    return {
        name: morsel
        for name, morsel in browser.cookies.items()
        if name.startswith(PENDING_COOKIE) and morsel.value
    }


@pytest.fixture
def mallory(microsoft):
    return microsoft.add_user("mallory@contoso.com", mail="mallory@contoso.com")


# -- behind a proxy that ends TLS ----------------------------------------------------------------

BINDABLE = {
    "proxy header trusted": {"SECURE_PROXY_SSL_HEADER": TRUSTED_PROXY},
    "https callback domain": {"MICROSOFT_SSO_CALLBACK_DOMAIN": "https://app.example.com"},
    "bare callback domain, proxy header trusted": {
        "MICROSOFT_SSO_CALLBACK_DOMAIN": "app.example.com",
        "SECURE_PROXY_SSL_HEADER": TRUSTED_PROXY,
    },
}
UNBINDABLE = {
    "proxy header not trusted": {},
    "bare callback domain": {"MICROSOFT_SSO_CALLBACK_DOMAIN": "app.example.com"},
    "http callback domain": {"MICROSOFT_SSO_CALLBACK_DOMAIN": "http://app.example.com"},
}


def configure(settings, proxy):
    for name, value in proxy.items():
        setattr(settings, name, value)


@pytest.mark.parametrize("proxy", BINDABLE.values(), ids=BINDABLE)
def test_behind_a_proxy_an_honest_form_post_sign_in_works(
    settings, microsoft, alice, form_post, proxy
):
    configure(settings, proxy)
    browser = Client()
    start = browser.get(START, {"next": "/private/"}, **PROXIED)
    answer = microsoft.sign_in(start.url, alice)
    assert answer.redirect_uri == "https://app.example.com/microsoft_sso/callback/"

    posting = cross_site(browser)
    response = answer.send(posting, **PROXIED)

    assert response.url == "/private/", messages_of(response)
    assert posting.get("/private/", **PROXIED).content == b"private page of alice@contoso.com"


@pytest.mark.parametrize("proxy", BINDABLE.values(), ids=BINDABLE)
@pytest.mark.parametrize("victim_signing_in", [False, True], ids=["idle", "signing-in"])
def test_behind_a_proxy_the_attackers_answer_in_the_victims_browser_is_refused(
    settings, microsoft, mallory, form_post, proxy, victim_signing_in
):
    configure(settings, proxy)
    attacker, victim = Client(), Client()
    if victim_signing_in:
        victim.get(START, **PROXIED)
    answer = microsoft.sign_in(attacker.get(START, **PROXIED).url, mallory)

    response = answer.send(cross_site(victim), **PROXIED)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [STATE_REFUSED]
    assert not get_user_model().objects.exists()
    assert microsoft.count("token") == 0


@pytest.mark.parametrize("proxy", UNBINDABLE.values(), ids=UNBINDABLE)
def test_behind_a_proxy_form_post_refuses_to_start_where_no_cookie_can_bind_the_browser(
    settings, microsoft, form_post, proxy
):
    configure(settings, proxy)
    attacker = Client()

    response = attacker.get(START, **PROXIED)

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert messages_of(response) == [NEEDS_HTTPS]
    assert microsoft.count() == 0  # no state was made, so no answer can be carried elsewhere
    assert pending_cookies(attacker) == {}


def test_form_post_over_plain_http_refuses_to_start(client, microsoft, form_post, logs):
    response = client.get(START)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [NEEDS_HTTPS]
    assert any("SECURE_PROXY_SSL_HEADER" in line for line in logs)


def test_form_post_over_plain_http_works_with_debug(client, microsoft, alice, form_post, settings):
    settings.DEBUG = True

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    assert pending_cookies(client) == {}  # no cookie could come along; it waited in the cache


def test_redirect_uri_takes_the_scheme_of_the_callback_domain(client, microsoft, settings):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = "https://app.example.com"

    start = client.get(START, HTTP_HOST="localhost")

    assert microsoft.sign_in(start.url, microsoft.add_user("a@contoso.com")).redirect_uri == (
        "https://app.example.com/microsoft_sso/callback/"
    )


def test_next_on_a_callback_origin_is_same_site(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = "https://app.example.com"

    response = microsoft.login(client, alice, next="https://app.example.com/private/")

    assert response.url == "https://app.example.com/private/"


@pytest.mark.parametrize("domain", ["https://app.example.com/sso", "ftp://app.example.com", "a/b"])
def test_a_malformed_callback_domain_refuses_with_a_message(client, microsoft, settings, domain):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = domain

    response = client.get(START)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [
        "Sign in with Microsoft is not configured correctly. Please contact your administrator."
    ]


# -- the sealed cookie ---------------------------------------------------------------------------


def test_the_pending_sign_in_waits_in_a_sealed_cookie_of_its_own(client, microsoft, form_post):
    start = client.get(START, {"next": "/private/"}, secure=True)

    state = microsoft.sign_in(start.url, microsoft.add_user("a@contoso.com")).params["state"]
    [(name, cookie)] = pending_cookies(client).items()
    assert name == PENDING_COOKIE + state
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "None")
    assert cookie["path"] == "/microsoft_sso/"  # the start prunes what the callback will read
    assert cookie["max-age"] == 600
    assert "/private/" not in cookie.value  # sealed: the browser cannot read it


def test_a_form_post_start_writes_nothing_on_the_server(client, microsoft, form_post, settings):
    settings.CACHES = {"default": DATABASE_CACHE}
    call_command("createcachetable", verbosity=0)
    Client().get(START, secure=True)  # the first start keeps the tenant's metadata in the cache
    rows = cache_rows()

    client.get(START, secure=True)

    assert cache_rows() == rows
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()


def test_the_callback_deletes_the_cookie_it_used(client, microsoft, alice, form_post):
    answer = microsoft.sign_in(client.get(START, secure=True).url, alice)

    response = answer.send(client, secure=True)

    assert SESSION_KEY in client.session
    [deleted] = [
        morsel for name, morsel in response.cookies.items() if name.startswith(PENDING_COOKIE)
    ]
    assert deleted.value == ""
    assert pending_cookies(client) == {}


def test_a_replayed_answer_with_its_cookie_is_refused(microsoft, alice, form_post):
    browser = Client()
    answer = microsoft.sign_in(browser.get(START, secure=True).url, alice)
    stolen = cross_site(browser)  # the answer and its cookie, as they were
    assert answer.send(cross_site(browser), secure=True).status_code == 302

    replay = answer.send(stolen, secure=True)

    assert messages_of(replay) == [STATE_REFUSED]
    assert SESSION_KEY not in stolen.session
    assert microsoft.count("token") == 1


@pytest.mark.parametrize("change", ["value", "name"])
def test_a_changed_cookie_is_refused(client, microsoft, alice, form_post, change):
    own_url = client.get(START, secure=True).url
    others = microsoft.sign_in(Client().get(START, secure=True).url, alice)
    [(name, morsel)] = pending_cookies(client).items()
    browser = Client()
    if change == "value":
        tail = "AAAA" if morsel.value[-4:] != "AAAA" else "BBBB"
        browser.cookies[name] = morsel.value[:-4] + tail
        answer = microsoft.sign_in(own_url, alice)
    else:  # this browser's sealed sign-in, renamed to another browser's state
        browser.cookies[PENDING_COOKIE + others.params["state"]] = morsel.value
        answer = others

    response = answer.send(browser, secure=True)

    assert messages_of(response) == [STATE_REFUSED]
    assert microsoft.count("token") == 0


def test_a_cookie_sealed_before_a_secret_key_rotation_still_opens(
    client, microsoft, alice, form_post, settings
):
    answer = microsoft.sign_in(client.get(START, secure=True).url, alice)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-of-the-tests"

    response = answer.send(client, secure=True)

    assert SESSION_KEY in client.session, messages_of(response)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_two_tabs_signing_in_at_once_both_succeed(client, microsoft, alice, form_post, order):
    starts = [client.get(START, {"next": f"/private/?tab={n}"}, secure=True) for n in (0, 1)]
    answers = [microsoft.sign_in(start.url, alice) for start in starts]

    landed = {n: answers[n].send(client, secure=True).url for n in order}

    assert landed == {0: "/private/?tab=0", 1: "/private/?tab=1"}
    assert get_user_model().objects.count() == 1


def test_a_browser_keeps_at_most_ten_pending_sign_ins(client, microsoft, alice, form_post):
    urls = [client.get(START, {"next": f"/?tab={n}"}, secure=True).url for n in range(12)]

    assert len(pending_cookies(client)) == 10
    oldest = microsoft.sign_in(urls[0], alice).send(client, secure=True)
    assert messages_of(oldest) == [STATE_REFUSED]
    newest = microsoft.sign_in(urls[-1], alice).send(client, secure=True)
    assert newest.url == "/?tab=11"


def test_long_next_urls_keep_the_cookies_under_a_proxys_header_limit(
    client, microsoft, alice, form_post
):
    for n in range(10):
        client.get(START, {"next": f"/private/?n={n}&pad={'x' * 1000}"}, secure=True)

    cookies = pending_cookies(client)
    header = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    assert len(header) <= 6000  # nginx, Apache and gunicorn refuse a header over 8 kB
    assert len(cookies) >= 2


# -- a flood of starts ---------------------------------------------------------------------------

# Django's database cache with its defaults: MAX_ENTRIES 300, CULL_FREQUENCY 3.
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "sso_form_post_cache",
}


def cache_rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {DATABASE_CACHE['LOCATION']}")
        return cursor.fetchone()[0]


# 10,000 starts take 17 to 30 s here: the default run floods with 1,500 (the review saw 1,200 push
# out 16 to 19 of 20 sign-ins), and the services run (PostgreSQL) with the full 10,000.
FLOODS = [
    pytest.param(1_500, id="1500-starts"),
    pytest.param(
        10_000,
        id="10000-starts",
        marks=pytest.mark.skipif(
            connection.vendor != "postgresql", reason="about 20 s: tox -e services runs it"
        ),
    ),
]


@pytest.mark.parametrize("starts", FLOODS)
def test_a_flood_of_starts_of_others_leaves_twenty_sign_ins_in_flight_intact(
    microsoft, form_post, settings, starts
):
    settings.CACHES = {"default": DATABASE_CACHE}
    call_command("createcachetable", verbosity=0)
    assert caches["default"]._max_entries == 300
    people = [microsoft.add_user(f"person{n}@contoso.com") for n in range(20)]
    browsers = [Client() for _ in people]
    answers = [
        microsoft.sign_in(browser.get(START, {"next": f"/?n={n}"}, secure=True).url, person)
        for n, (browser, person) in enumerate(zip(browsers, people, strict=True))
    ]
    flood = Client()
    began = time.monotonic()
    for _ in range(starts):
        flood.cookies.clear()
        flood.get(START, secure=True)
    print(f"{starts} starts in {time.monotonic() - began:.1f} s")

    landed = [
        answer.send(cross_site(browser), secure=True).url
        for answer, browser in zip(answers, browsers, strict=True)
    ]

    assert landed == [f"/?n={n}" for n in range(20)]
    assert get_user_model().objects.count() == 20


def test_a_cache_that_cannot_record_the_state_refuses_without_error(
    client, microsoft, alice, form_post, settings
):
    answer = microsoft.sign_in(client.get(START, secure=True).url, alice)
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": "tests.test_performance.BrokenCache"},
    }
    settings.MICROSOFT_SSO_CACHE_NAME = "broken"

    response = answer.send(client, secure=True)

    assert response.url == "/admin/login/"
    assert messages_of(response) == ["Sign in with Microsoft failed. Please try again."]
    assert SESSION_KEY not in client.session
    assert microsoft.count("token") == 0
