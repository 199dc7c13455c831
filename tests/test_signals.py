"""The signals: created, updated, login failed; sent once the sign-in's transaction commits."""

import httpx
import pytest
from django.contrib.auth import SESSION_KEY, user_logged_in
from django.contrib.messages import get_messages

from django_microsoft_sso import sessions
from django_microsoft_sso.exceptions import LoginError, RefusedError
from django_microsoft_sso.middleware import SessionEndedError
from django_microsoft_sso.signals import (
    microsoft_sso_login_failed,
    microsoft_sso_user_created,
    microsoft_sso_user_updated,
)
from django_microsoft_sso.tokens import MicrosoftIdentity
from django_microsoft_sso.users import UserSync

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Every signal sent, in order, as (name, kwargs)."""
    got = []
    receivers = {}
    for name, signal in (
        ("created", microsoft_sso_user_created),
        ("updated", microsoft_sso_user_updated),
        ("failed", microsoft_sso_login_failed),
    ):

        def receiver(signal=None, _name=name, **kwargs):
            got.append((_name, kwargs))

        receivers[name] = receiver
        signal.connect(receiver)
    yield got
    for name, signal in (
        ("created", microsoft_sso_user_created),
        ("updated", microsoft_sso_user_updated),
        ("failed", microsoft_sso_login_failed),
    ):
        signal.disconnect(receivers[name])


def test_first_sign_in_sends_created_then_a_second_sends_updated(
    client, microsoft, alice, received, django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        microsoft.login(client, alice)

    user = django_user_model.objects.get()
    [(name, kwargs)] = received
    assert name == "created"
    assert kwargs["sender"] is UserSync
    assert kwargs["user"] == user
    assert kwargs["request"].path == "/microsoft_sso/callback/"
    assert isinstance(kwargs["identity"], MicrosoftIdentity)
    assert kwargs["identity"].object_id == alice.object_id
    assert kwargs["profile"].object_id == alice.object_id
    assert "update_fields" not in kwargs

    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        microsoft.login(client, alice)

    name, kwargs = received[1]
    assert [entry[0] for entry in received] == ["created", "updated"]
    assert kwargs["user"] == user
    assert kwargs["update_fields"] == set()
    assert kwargs["profile"] is None  # nothing changed: Graph was not read


def test_updated_names_the_fields_the_sign_in_changed(
    client, microsoft, alice, received, settings, django_capture_on_commit_callbacks
):
    microsoft.login(client, alice)
    client.logout()
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    alice.given_name = "Alicia"

    with django_capture_on_commit_callbacks(execute=True):
        microsoft.login(client, alice)

    [(name, kwargs)] = received
    assert name == "updated"
    assert "first_name" in kwargs["update_fields"]
    assert kwargs["user"].first_name == "Alicia"


def test_signals_wait_for_the_commit(
    client, microsoft, alice, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        microsoft.login(client, alice)

    assert received == []
    for callback in callbacks:
        callback()
    assert [entry[0] for entry in received] == ["created"]


def test_a_rolled_back_sync_sends_no_created_only_failed(
    client,
    microsoft,
    alice,
    received,
    settings,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.project.hooks_for_tests.explode"

    with django_capture_on_commit_callbacks(execute=True):
        response = microsoft.login(client, alice)

    assert response.status_code == 302
    assert not django_user_model.objects.exists()
    [(name, kwargs)] = received
    assert name == "failed"
    assert kwargs["reason"] == "refused"
    assert kwargs["sender"] is RefusedError
    assert isinstance(kwargs["error"], LoginError)
    assert kwargs["request"].path == "/microsoft_sso/callback/"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (
            lambda microsoft, settings: microsoft.fail("token", httpx.ConnectTimeout),
            "microsoft_unavailable",
        ),
        (
            lambda microsoft, settings: setattr(
                settings, "MICROSOFT_SSO_ALLOWABLE_DOMAINS", ["fabrikam.com"]
            ),
            "refused",
        ),
    ],
    ids=["microsoft-down", "domain-refused"],
)
def test_login_failed_carries_the_reason(
    client, microsoft, alice, received, settings, setup, reason, django_capture_on_commit_callbacks
):
    setup(microsoft, settings)

    with django_capture_on_commit_callbacks(execute=True):
        microsoft.login(client, alice)

    assert [(name, kwargs["reason"]) for name, kwargs in received] == [("failed", reason)]
    assert SESSION_KEY not in client.session


def test_a_denied_sign_in_sends_login_failed(
    client, microsoft, received, django_capture_on_commit_callbacks
):
    response = client.get("/microsoft_sso/login/")
    with django_capture_on_commit_callbacks(execute=True):
        microsoft.deny(response["Location"]).send(client)

    assert [(name, kwargs["reason"]) for name, kwargs in received] == [("failed", "authorization")]


def test_a_revoked_session_sends_login_failed(client, microsoft, alice, received, settings):
    from django_microsoft_sso import sessions

    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django_microsoft_sso.middleware.SessionFollowsTokenMiddleware",
    ]
    microsoft.login(client, alice)
    microsoft.revoke(alice)
    session = client.session
    session[sessions.CHECKED_SESSION_KEY] -= 3600
    session.save()

    client.get("/private/")

    [(_name, kwargs)] = [entry for entry in received if entry[0] == "failed"]
    assert kwargs["reason"] == "session_revoked"
    assert kwargs["sender"] is SessionEndedError


def test_a_receiver_that_raises_does_not_break_the_sign_in(
    client, microsoft, alice, logs, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    microsoft_sso_user_created.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = microsoft.login(client, alice)
    finally:
        microsoft_sso_user_created.disconnect(broken)

    assert response.status_code == 302
    assert SESSION_KEY in client.session
    assert any("raised RuntimeError" in line for line in logs)


@pytest.mark.parametrize("engine", ["db", "cache", "cached_db", "signed_cookies"])
@pytest.mark.parametrize("before", ["anonymous", "someone-else", "the-same-person"])
def test_a_user_logged_in_receiver_that_raises_leaves_no_signed_in_session(
    client, microsoft, alice, settings, django_user_model, before, engine
):
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    if before == "someone-else":
        client.force_login(django_user_model.objects.create_user("bob"))
    elif before == "the-same-person":
        microsoft.login(client, alice)

    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    # Django's own signal, sent by login() once the session is the new person's.
    user_logged_in.connect(broken)
    try:
        response = microsoft.login(client, alice)
    finally:
        user_logged_in.disconnect(broken)

    assert response.url == "/admin/login/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your sign-in could not be completed. Please contact your administrator."
    ]
    # The attempt replaced whoever was signed in before: nobody is, at the next request.
    assert client.get("/private/").status_code == 302
    assert SESSION_KEY not in client.session
    assert sessions.ACCESS_TOKEN_SESSION_KEY not in client.session
