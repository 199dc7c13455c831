"""200 sign-ins by 50 people from 16 browsers at once, against the example project under gunicorn.

Four gunicorn worker processes share PostgreSQL and Redis (sessions and the form_post state),
as the servers of one site do; the fake Microsoft is served over HTTP on loopback by the Microsoft
emulator. Each browser is an ``httpx.Client`` of its own that goes through every page a person's
browser does: the start view, the emulator's sign-in page (picking the person), the form that
posts Microsoft's answer to the callback, and the private page it lands on.

Each person's four sign-ins come one after another in the queue, so that their first sign-ins
run at the same time in different processes. Bounded: 200 sign-ins, 30 s per request, four
minutes in all. Runs with ``tox -e services`` (``tests.project.settings_postgres``); skipped
elsewhere.
"""

from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import FakeMicrosoft
from django_microsoft_sso.testing.emulator import EmulatorServer
from tests.load.serving import answer_from_microsoft, gunicorn

PEOPLE = 50
SIGN_INS = 200
BROWSERS = 16
WORKERS = 4
REQUEST_TIMEOUT = 30
DEADLINE = 240

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or "RedisCache" not in settings.CACHES["default"]["BACKEND"],
        reason="needs PostgreSQL and Redis: tox -e services (tests.project.settings_postgres)",
    ),
]


@pytest.fixture
def emulator():
    """The fake Microsoft over HTTP, with 50 people of Contoso."""
    fake = FakeMicrosoft()
    for number in range(PEOPLE):
        fake.add_user(
            f"person{number:02d}@contoso.com",
            mail=f"person{number:02d}@contoso.com",
            given_name=f"Person{number:02d}",
            surname="Load",
        )
    with EmulatorServer(fake) as server:
        yield server


@pytest.fixture
def site(emulator, transactional_db, tmp_path):
    """The example project under gunicorn on this test's database; stopped before it is flushed."""
    import redis

    prefix = f"sso-load-{uuid.uuid4().hex[:12]}"
    redis_url = settings.CACHES["default"]["LOCATION"]
    environment = {
        "SSO_LOAD_DATABASE": connection.settings_dict["NAME"],
        "SSO_LOAD_REDIS_URL": redis_url,
        "SSO_LOAD_CACHE_PREFIX": prefix,
    }
    log = tmp_path / "gunicorn.log"
    serving = gunicorn(
        "tests.load.settings_gunicorn",
        environment,
        emulator.url,
        log,
        workers=WORKERS,
        timeout=REQUEST_TIMEOUT * 2,
    )
    try:
        with serving as (base, _process):
            yield base, log, prefix
    finally:
        server = redis.Redis.from_url(redis_url)
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)


def sign_in(base, person):
    """One person signs in with a browser of their own; return the seconds it took."""
    began = time.monotonic()
    with httpx.Client(timeout=REQUEST_TIMEOUT) as browser:
        callback = answer_from_microsoft(browser, base, person, "/private/")
        assert (callback.method, str(callback.url)) == ("POST", f"{base}/microsoft_sso/callback/")
        landed = browser.send(callback)
        assert (landed.status_code, landed.headers.get("Location")) == (302, "/private/"), (
            landed.status_code,
            landed.text[:500],
        )
        private = browser.get(f"{base}/private/")
        assert private.status_code == 200
        assert f"<dd>{person.user_principal_name}</dd>" in private.text
    return time.monotonic() - began


def test_200_sign_ins_by_50_people_from_16_browsers_on_4_gunicorn_workers(emulator, site, capsys):
    base, log, _ = site
    people = emulator.fake.users
    queue = [person for person in people for _ in range(SIGN_INS // PEOPLE)]
    durations = []
    failures = []

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=BROWSERS) as browsers:
        futures = {browsers.submit(sign_in, base, person): person for person in queue}
        for future in as_completed(futures, timeout=DEADLINE):
            try:
                durations.append(future.result())
            except Exception as error:
                failures.append((futures[future].user_principal_name, repr(error)[:300]))
    elapsed = time.monotonic() - began

    server_log = log.read_text(errors="replace")
    assert failures == [], f"{failures[:5]}\n{server_log[-3000:]}"
    assert len(durations) == SIGN_INS
    assert "Traceback" not in server_log
    assert " 500 " not in server_log
    users = get_user_model().objects.all()
    assert sorted(users.values_list("username", flat=True)) == sorted(
        person.user_principal_name for person in people
    )
    links = set(
        MicrosoftSSOUser.objects.values_list("tenant_id", "microsoft_id", "user__username")
    )
    assert links == {
        (person.tenant_id, person.object_id, person.user_principal_name) for person in people
    }
    assert emulator.fake.count("token") == SIGN_INS

    figures = {
        "sign_ins": SIGN_INS,
        "people": PEOPLE,
        "browsers": BROWSERS,
        "gunicorn_workers": WORKERS,
        "seconds": round(elapsed, 2),
        "sign_ins_per_second": round(SIGN_INS / elapsed, 1),
        "median_seconds": round(statistics.median(durations), 3),
        "p95_seconds": round(statistics.quantiles(durations, n=20)[-1], 3),
        "max_seconds": round(max(durations), 3),
        "graph_batches": emulator.fake.count("batch"),
    }
    with capsys.disabled():
        print("\nload test:", ", ".join(f"{name} {value}" for name, value in figures.items()))
    assert elapsed < DEADLINE
