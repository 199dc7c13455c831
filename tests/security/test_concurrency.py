"""Sign-ins at the same moment, each in its own thread, browser and database connection.

These need a database that serves several connections at once and really isolates them:
PostgreSQL (``tox -e services``). On SQLite they are skipped.
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from django_microsoft_sso.models import MicrosoftSSOUser
from tests.security.conftest import messages_of, on_postgresql, signed_in_user, start

pytestmark = [pytest.mark.django_db(transaction=True), on_postgresql]

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
