"""Sign-ins at the same moment, each in its own thread, browser and database connection.

Most need a database that serves several connections of this process at once and really isolates
them: PostgreSQL (``tox -e services``); on SQLite they are skipped. The sign-ins through gunicorn
run on every database: a SQLite file (in both transaction modes) in the default run, PostgreSQL
in the services run.
"""

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import django
import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import FakeMicrosoft
from django_microsoft_sso.testing.emulator import EmulatorServer
from tests.helpers import messages_of, signed_in_user, start
from tests.load.serving import answer_from_microsoft, gunicorn
from tests.security.conftest import on_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def at_once(answers):
    """Send each ``(answer, browser)`` from its own thread, all released together.

    Returns the responses, in order. A view that raised is a 500 (the test client keeps it).
    """
    barrier = threading.Barrier(len(answers))
    responses = [None] * len(answers)
    errors = []

    def send(index, answer, browser):
        try:
            barrier.wait(timeout=30)
            responses[index] = answer.send(browser)
        except Exception as error:  # reported below, with the thread it happened in
            errors.append((index, error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(index, answer, browser))
        for index, (answer, browser) in enumerate(answers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sign-in did not finish"
    assert errors == []
    return responses


def browsers_signed_in_at_the_fake(microsoft, person, count, next_url="/private/"):
    """``count`` browsers, each with its own sign-in of ``person`` back from Microsoft."""
    answers = []
    for _ in range(count):
        browser = Client(raise_request_exception=False)
        answers.append((microsoft.sign_in(start(browser, next=next_url), person), browser))
    return answers


@on_postgresql
@pytest.mark.parametrize("hold", [False, True], ids=["plain", "long-transaction"])
def test_twenty_first_sign_ins_of_one_new_person_make_one_account(microsoft, settings, hold):
    if hold:
        settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.security.hooks.linger"
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", given_name="Alice")
    answers = browsers_signed_in_at_the_fake(microsoft, alice, 20)

    responses = at_once(answers)

    outcomes = [(response.status_code, response.url) for response in responses]
    assert outcomes == [(302, "/private/")] * 20, [messages_of(r) for r in responses]
    user = User.objects.get()
    assert user.username == "alice@contoso.com"
    link = MicrosoftSSOUser.objects.get()
    assert (link.user, link.tenant_id, link.microsoft_id) == (
        user,
        alice.tenant_id,
        alice.object_id,
    )
    assert {signed_in_user(browser) for _, browser in answers} == {user}


@on_postgresql
def test_first_sign_ins_of_two_people_at_once_make_at_most_one_superuser(microsoft, settings):
    settings.MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER = True
    # Both transactions are open at once, each long enough to see that there is no superuser.
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.security.hooks.linger"
    alice = microsoft.add_user("alice@contoso.com")
    bob = microsoft.add_user("bob@contoso.com")
    answers = [
        *browsers_signed_in_at_the_fake(microsoft, alice, 1),
        *browsers_signed_in_at_the_fake(microsoft, bob, 1),
    ]

    responses = at_once(answers)

    assert [(r.status_code, r.url) for r in responses] == [(302, "/private/")] * 2
    assert User.objects.count() == 2
    assert User.objects.filter(is_superuser=True).count() == 1
    assert User.objects.filter(is_staff=True).count() == 1


@on_postgresql
def test_first_sign_ins_of_eight_people_at_once_make_one_superuser(microsoft, settings):
    settings.MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER = True
    people = [microsoft.add_user(f"person{n}@contoso.com") for n in range(8)]
    answers = [
        answer
        for person in people
        for answer in browsers_signed_in_at_the_fake(microsoft, person, 1)
    ]

    responses = at_once(answers)

    assert [(r.status_code, r.url) for r in responses] == [(302, "/private/")] * 8
    assert User.objects.count() == 8
    assert User.objects.filter(is_superuser=True).count() == 1


@on_postgresql
def test_a_returning_person_signing_in_twice_at_once_keeps_one_account(microsoft, settings):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    alice = microsoft.add_user("alice@contoso.com", given_name="Alice")
    first = Client()
    microsoft.login(first, alice)
    alice.given_name = "Alicia"
    answers = browsers_signed_in_at_the_fake(microsoft, alice, 10)

    responses = at_once(answers)

    assert [(r.status_code, r.url) for r in responses] == [(302, "/private/")] * 10
    user = User.objects.get()
    assert user.first_name == "Alicia"
    assert MicrosoftSSOUser.objects.count() == 1


# -- separate server threads and processes, on SQLite too -----------------------------------------

if connection.vendor == "sqlite":
    DATABASE_MODES = [
        pytest.param("DEFERRED", id="sqlite-deferred"),
        pytest.param(
            "IMMEDIATE",
            id="sqlite-immediate",
            marks=pytest.mark.skipif(
                django.VERSION < (5, 1),
                reason="OPTIONS transaction_mode is new in Django 5.1",
            ),
        ),
    ]
else:
    DATABASE_MODES = [pytest.param(connection.vendor, id=connection.vendor)]

SAME_MOMENT = 8


def worker_database(mode, tmp_path):
    """The ``DATABASES`` entry the workers get: this test's database, or a copy in a file."""
    if connection.vendor != "sqlite":
        return {
            key: connection.settings_dict[key]
            for key in ("ENGINE", "HOST", "PORT", "USER", "PASSWORD", "NAME")
        }
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)  # the migrated, empty test database
    entry = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    if mode == "IMMEDIATE":
        entry["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
    return entry


def rows(database, sql):
    """Rows of ``sql`` in the workers' database, read once they have stopped."""
    if database["ENGINE"].endswith("sqlite3"):
        with sqlite3.connect(database["NAME"]) as reader:
            return reader.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.parametrize(
    ("workers", "threads"), [(1, SAME_MOMENT), (SAME_MOMENT, 1)], ids=["threads", "processes"]
)
@pytest.mark.parametrize("mode", DATABASE_MODES)
def test_first_sign_ins_of_one_new_person_on_several_workers_make_one_account(
    mode, workers, threads, tmp_path
):
    """A double click or several tabs: each sign-in lands in its own worker, all of them work."""
    fake = FakeMicrosoft()
    alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com", given_name="Alice")
    database = worker_database(mode, tmp_path)
    log = tmp_path / "gunicorn.log"
    with (
        EmulatorServer(fake) as emulator,
        gunicorn(
            "tests.load.settings_workers",
            {"SSO_WORKERS_DATABASE": json.dumps(database)},
            emulator.url,
            log,
            workers=workers,
            threads=threads,
            preload=True,
            application="tests.load.wsgi_preloaded:application",
        ) as (base, _),
    ):
        browsers = [httpx.Client(timeout=30) for _ in range(SAME_MOMENT)]
        with ThreadPoolExecutor(max_workers=SAME_MOMENT) as pool:
            callbacks = list(
                pool.map(lambda b: answer_from_microsoft(b, base, alice, "/private/"), browsers)
            )
        barrier = threading.Barrier(SAME_MOMENT)
        landed = [None] * SAME_MOMENT

        def send(index):
            barrier.wait(timeout=30)
            landed[index] = browsers[index].send(callbacks[index])

        sending = [threading.Thread(target=send, args=(n,)) for n in range(SAME_MOMENT)]
        for thread in sending:
            thread.start()
        for thread in sending:
            thread.join(timeout=60)
        outcomes = [(r.status_code, r.headers.get("Location")) for r in landed if r is not None]
        failures = [
            browser.get(f"{base}/").text.split('<ul class="messages">')[-1][:300]
            for browser, response in zip(browsers, landed, strict=True)
            if response is None or response.headers.get("Location") != "/private/"
        ]
        pages = [browser.get(f"{base}/private/") for browser in browsers]
        for browser in browsers:
            browser.close()

    server_log = log.read_text(errors="replace")
    assert outcomes == [(302, "/private/")] * SAME_MOMENT, (failures, server_log[-3000:])
    assert all(page.status_code == 200 for page in pages)
    assert all("<dd>alice@contoso.com</dd>" in page.text for page in pages)
    assert "Traceback" not in server_log
    users = rows(database, "SELECT id, username FROM auth_user")
    assert [username for _, username in users] == ["alice@contoso.com"]
    assert rows(database, "SELECT user_id, tenant_id, microsoft_id FROM microsoft_sso_user") == [
        (users[0][0], alice.tenant_id, alice.object_id)
    ]
