"""State and flow: a callback counts only for the browser and the sign-in it belongs to.

Already proven elsewhere, and not repeated here (tests/test_callback.py): a callback without
state, with an empty, wrong or 5000-character state, a bare callback, a state replayed after a
completed sign-in (same browser and another), a state of another session
(``test_state_of_another_session_is_refused_and_stays_usable_by_its_owner``); and
(tests/test_start.py) a fresh state, nonce and verifier per start, two tabs at once, the
timeout, form_post's single use and its sealed cookie
(``test_form_post_answer_from_another_browser_is_refused``; more in tests/test_form_post.py).
"""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.test import Client

from django_microsoft_sso.pending import (
    MAX_PENDING_PER_SESSION,
    PENDING_SESSION_KEY,
    USED_STATE_KEY_PREFIX,
)
from tests.conftest import cross_site
from tests.helpers import (
    START,
    assert_refused,
    assert_signed_in,
    messages_of,
    signed_in_user,
    start,
    state_of,
)
from tests.security.conftest import STATE_REFUSED

pytestmark = pytest.mark.django_db

User = get_user_model()

on_redis = pytest.mark.skipif(
    "RedisCache" not in django_settings.CACHES["default"]["BACKEND"],
    reason="needs the cache on a Redis server: tox -e services",
)


def pending_states(client):
    return set(client.session.get(PENDING_SESSION_KEY, {}))


# -- a flood of starts in one session ------------------------------------------------------------


def test_the_eleventh_start_drops_the_oldest_pending_sign_in(client, microsoft, alice):
    assert MAX_PENDING_PER_SESSION == 10
    urls = [start(client, next=f"/private/?tab={n}") for n in range(11)]

    assert pending_states(client) == {state_of(url) for url in urls[1:]}
    oldest = microsoft.sign_in(urls[0], alice).send(client)
    assert_refused(oldest, client, STATE_REFUSED)
    assert microsoft.count("token") == 0
    newest = microsoft.sign_in(urls[10], alice).send(client)
    assert_signed_in(newest, client, url="/private/?tab=10")


def test_hundreds_of_starts_keep_the_session_small(client, microsoft):
    for _ in range(300):
        start(client)

    session = client.session
    assert len(session[PENDING_SESSION_KEY]) == MAX_PENDING_PER_SESSION
    # Small enough even for sessions kept in a signed cookie (browsers keep 4 kB per cookie).
    assert len(session.encode(dict(session.items()))) < 4096


def test_expired_pending_sign_ins_are_dropped_at_the_next_start(client, microsoft, settings):
    settings.MICROSOFT_SSO_TIMEOUT = 0
    for _ in range(5):
        start(client)
    settings.MICROSOFT_SSO_TIMEOUT = 10

    latest = start(client)

    assert pending_states(client) == {state_of(latest)}


# -- states of different browsers -----------------------------------------------------------------


def test_states_of_many_browsers_never_collide_nor_cross(microsoft, alice):
    browsers = [Client() for _ in range(10)]
    urls = {browser: [start(browser) for _ in range(3)] for browser in browsers}
    states = [state_of(url) for started in urls.values() for url in started]
    assert len(set(states)) == len(states) == 30

    answers = [microsoft.sign_in(urls[browser][0], alice) for browser in browsers]
    for index, answer in enumerate(answers):
        neighbour = browsers[(index + 1) % len(browsers)]
        crossed = answer.send(neighbour)
        assert crossed.url == "/admin/login/"
        assert messages_of(crossed) == [STATE_REFUSED]
        assert SESSION_KEY not in neighbour.session
    for browser, answer in zip(browsers, answers, strict=True):
        assert_signed_in(answer.send(browser), browser)
    assert microsoft.count("token") == len(browsers)
    assert User.objects.count() == 1


# -- login CSRF: the attacker's own sign-in delivered to the victim's browser ----------------------


@pytest.mark.parametrize("victim_started", [False, True], ids=["idle-victim", "victim-signing-in"])
def test_attackers_code_and_state_in_the_victims_browser_sign_nobody_in(
    microsoft, alice, victim_started
):
    mallory = microsoft.add_user("mallory@contoso.com")
    attacker = Client()
    attackers_answer = microsoft.sign_in(start(attacker), mallory)
    victim = Client()
    victims_url = start(victim, next="/private/") if victim_started else None

    # The attacker makes the victim's browser load the callback (a link, an image, a form).
    response = attackers_answer.send(victim)

    assert_refused(response, victim, STATE_REFUSED)
    assert microsoft.count("token") == 0
    if victims_url:
        # The victim's own sign-in still works, as the victim.
        assert_signed_in(microsoft.sign_in(victims_url, alice).send(victim), victim, "/private/")
        assert signed_in_user(victim).username == "alice@contoso.com"


def test_attackers_code_with_the_victims_state_fails_pkce(client, microsoft, alice):
    """A state alone is no key: the code must have been issued for this sign-in's verifier."""
    mallory = microsoft.add_user("mallory@contoso.com")
    victims_url = start(client)
    attackers_answer = microsoft.sign_in(start(Client()), mallory)
    forged = dict(attackers_answer.params, state=state_of(victims_url))

    response = client.get("/microsoft_sso/callback/", forged)

    assert_refused(response, client, "Microsoft refused the sign-in. Please try again.")
    assert microsoft.count("token") == 1


# -- form_post: the pending sign-in waits in its browser, its single use is kept in the cache -----


@on_redis
def test_form_post_sign_in_is_finished_by_another_process(microsoft, alice, settings):
    """Started in one process, finished in another; the state's single use is kept in Redis."""
    import redis

    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    browser = Client()
    url = browser.get(START, {"next": "/private/"}, secure=True).url
    answer = microsoft.sign_in(url, alice)
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    used = cache.make_key(USED_STATE_KEY_PREFIX + state_of(url))
    assert server.exists(used) == 0  # the start wrote nothing on the server
    microsoft.reset_project()  # the next request reaches a new process
    replaying = cross_site(browser)
    # Microsoft's cross-site POST comes with the SameSite=None cookie, not the session's (Lax).
    response = answer.send(cross_site(browser), secure=True)

    assert response.status_code == 302
    assert response.url == "/private/"
    assert server.exists(used) == 1  # where every process of the site finds it
    assert User.objects.get().username == "alice@contoso.com"
    microsoft.reset_project()
    assert messages_of(answer.send(replaying, secure=True)) == [STATE_REFUSED]
