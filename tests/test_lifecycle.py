"""Offboarding: users Entra disabled or deleted are deactivated, their sessions ended.

Through ``lifecycle.apply`` (what the directory sync calls), and through Microsoft's answers at a
sign-in and at a token refresh; every session engine; the signals, sent on commit.
"""

from importlib import import_module
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from django_microsoft_sso import lifecycle, sessions, signals
from django_microsoft_sso.lifecycle import DirectoryPerson
from django_microsoft_sso.models import MicrosoftSSOUser, UserSession
from django_microsoft_sso.testing import OTHER_TENANT_ID
from django_microsoft_sso.testing.wire import aad_error
from tests.test_sessions import COOKIE_ENGINES, age_session, token_of

pytestmark = pytest.mark.django_db

DISABLED = aad_error(400, "invalid_grant", "AADSTS50057: The user account is disabled.", 50057)
DELETED = aad_error(400, "invalid_grant", "AADSTS50034: The user account does not exist.", 50034)
DEACTIVATED_MESSAGE = (
    "Your Microsoft account is disabled or no longer exists, so your account here has been "
    "deactivated. Please contact your administrator."
)


@pytest.fixture
def sent():
    """The lifecycle signals sent, as (name, user pk, reason)."""
    calls = []

    def deactivated(sender, user, request, reason, **kwargs):
        calls.append(("deactivated", user.pk, reason))

    def reactivated(sender, user, request, **kwargs):
        calls.append(("reactivated", user.pk, None))

    signals.microsoft_sso_user_deactivated.connect(deactivated)
    signals.microsoft_sso_user_reactivated.connect(reactivated)
    yield calls
    signals.microsoft_sso_user_deactivated.disconnect(deactivated)
    signals.microsoft_sso_user_reactivated.disconnect(reactivated)


@pytest.fixture(params=["db", "cache", "cached_db"])
def engine(request, settings):
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{request.param}"
    return request.param


@pytest.fixture
def follows(settings):
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    settings.MICROSOFT_SSO_SESSION_CHECK_MINUTES = 15
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django_microsoft_sso.middleware.SessionFollowsTokenMiddleware",
    ]


def person(microsoft_user, *, enabled=True, deleted=False, **profile):
    return DirectoryPerson(
        tenant_id=microsoft_user.tenant_id,
        object_id=microsoft_user.object_id,
        enabled=enabled,
        deleted=deleted,
        profile=profile,
    )


def user_of(microsoft_user):
    return MicrosoftSSOUser.objects.get(microsoft_id=microsoft_user.object_id).user


def session_exists(key):
    return import_module(django_settings.SESSION_ENGINE).SessionStore().exists(key)


def test_a_disabled_person_is_deactivated_and_every_session_ended(
    microsoft, alice, engine, sent, django_capture_on_commit_callbacks
):
    browsers = [Client(), Client()]
    for browser in browsers:
        microsoft.login(browser, alice)
    keys = [browser.session.session_key for browser in browsers]
    assert all(session_exists(key) for key in keys)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)

    user = user_of(alice)
    assert (outcome.action, outcome.user_id, outcome.detail) == (
        "deactivated",
        user.pk,
        "disabled",
    )
    assert not user.is_active
    assert user.microsoftssouser.deactivated_by_sync
    assert not any(session_exists(key) for key in keys)
    assert not UserSession.objects.exists()
    assert browsers[0].get("/private/").status_code == 302
    assert sent == [("deactivated", user.pk, "disabled")]


def test_a_deleted_person_is_deactivated(
    microsoft, alice, client, sent, django_capture_on_commit_callbacks
):
    microsoft.login(client, alice)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = lifecycle.apply(
            person(alice, enabled=None, deleted=True), update=False, dry_run=False
        )

    assert (outcome.action, outcome.detail) == ("deactivated", "deleted")
    assert not user_of(alice).is_active
    assert SESSION_KEY not in client.session
    assert sent == [("deactivated", user_of(alice).pk, "deleted")]


@pytest.mark.parametrize("cookie_engine", COOKIE_ENGINES)
def test_a_signed_cookie_session_is_refused_at_its_next_request(
    microsoft, alice, client, settings, cookie_engine
):
    # The session lives in the browser: nothing on the server can end it, but Django's
    # authentication loads no inactive user, so the next request is anonymous.
    settings.SESSION_ENGINE = cookie_engine
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    microsoft.login(client, alice)
    assert client.get("/private/").status_code == 200

    lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)

    response = client.get("/private/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not UserSession.objects.exists()
    # The access token the cookie still carries is not handed out.
    settings.ROOT_URLCONF = "tests.test_sessions"
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    assert sessions.ACCESS_TOKEN_SESSION_KEY in client.session
    assert token_of(client) is None


def test_the_signals_wait_for_the_commit_and_a_rollback_sends_none(
    microsoft, alice, client, sent, django_capture_on_commit_callbacks
):
    microsoft.login(client, alice)
    user = user_of(alice)

    def deactivate_then_fail():
        with transaction.atomic():
            lifecycle.deactivate(user, reason="disabled")
            assert sent == []
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        deactivate_then_fail()

    assert sent == []
    user.refresh_from_db()
    assert user.is_active
    assert not user.microsoftssouser.deactivated_by_sync
    assert session_exists(client.session.session_key)


def test_a_person_we_deactivated_is_reactivated_when_entra_enables_them(
    microsoft, alice, client, sent, django_capture_on_commit_callbacks
):
    microsoft.login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)
        outcome = lifecycle.apply(person(alice, enabled=True), update=False, dry_run=False)

    user = user_of(alice)
    assert outcome.action == "reactivated"
    assert user.is_active
    assert not user.microsoftssouser.deactivated_by_sync
    assert [name for name, _pk, _reason in sent] == ["deactivated", "reactivated"]
    # Back in: she signs in again.
    assert microsoft.login(Client(), alice).status_code == 302


def test_a_person_an_administrator_deactivated_stays_inactive(microsoft, alice, client, sent):
    microsoft.login(client, alice)
    get_user_model().objects.filter(pk=user_of(alice).pk).update(is_active=False)

    disabled = lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)
    enabled = lifecycle.apply(person(alice, enabled=True), update=False, dry_run=False)

    assert (disabled.action, enabled.action) == ("unchanged", "unchanged")
    assert not user_of(alice).is_active
    assert not user_of(alice).microsoftssouser.deactivated_by_sync
    assert sent == []


def test_a_person_an_administrator_let_back_in_is_no_longer_ours(microsoft, alice, client):
    microsoft.login(client, alice)
    lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)
    get_user_model().objects.filter(pk=user_of(alice).pk).update(is_active=True)

    outcome = lifecycle.apply(person(alice, enabled=True), update=False, dry_run=False)

    assert outcome.action == "unchanged"
    assert not user_of(alice).microsoftssouser.deactivated_by_sync


def test_a_person_of_a_tenant_not_trusted_for_mapping_is_skipped(microsoft, client, settings):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com", "fabrikam.com"]
    stranger = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)
    microsoft.login(client, stranger)
    assert user_of(stranger).is_active

    outcome = lifecycle.apply(person(stranger, enabled=False), update=False, dry_run=False)

    assert (outcome.action, outcome.user_id) == ("skipped", None)
    assert user_of(stranger).is_active
    assert client.get("/private/").status_code == 200


def test_a_person_without_a_link_is_skipped(microsoft, alice):
    get_user_model().objects.create_user("alice@contoso.com")

    outcome = lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)

    assert outcome.action == "skipped"
    assert get_user_model().objects.get().is_active


def test_a_dry_run_changes_nothing(microsoft, alice, client, sent):
    microsoft.login(client, alice)

    outcome = lifecycle.apply(person(alice, enabled=False), update=False, dry_run=True)
    updated = lifecycle.apply(
        person(alice, givenName="Alicia", userPrincipalName="alice@contoso.com"),
        update=True,
        dry_run=True,
    )

    assert outcome.action == "deactivated"
    assert (updated.action, updated.detail) == ("updated", "first_name")
    user = user_of(alice)
    assert user.is_active
    assert user.first_name == "Alice"
    assert client.get("/private/").status_code == 200
    assert sent == []


def test_update_refreshes_names_email_and_the_upn_as_a_sign_in_would(microsoft, alice, client):
    microsoft.login(client, alice)
    entry = person(
        alice,
        givenName="Alicia",
        surname="Smith",
        mail="alicia@contoso.com",
        userPrincipalName="alicia@contoso.com",
    )

    outcome = lifecycle.apply(entry, update=True, dry_run=False)
    again = lifecycle.apply(entry, update=True, dry_run=False)

    user = user_of(alice)
    assert outcome.action == "updated"
    assert (user.first_name, user.last_name, user.email) == (
        "Alicia",
        "Smith",
        "alicia@contoso.com",
    )
    assert user.microsoftssouser.user_principal_name == "alicia@contoso.com"
    assert again.action == "unchanged"


# -- Microsoft's answer at a token refresh ---------------------------------------------------


@pytest.mark.parametrize(("answer", "reason"), [(DISABLED, "disabled"), (DELETED, "deleted")])
def test_a_refresh_refused_for_a_gone_account_deactivates_the_user(
    microsoft, alice, follows, engine, sent, answer, reason, django_capture_on_commit_callbacks
):
    browser, other = Client(), Client()
    microsoft.login(browser, alice)
    microsoft.login(other, alice)
    other_key = other.session.session_key
    microsoft.fail("token", answer)
    age_session(browser, sessions.CHECKED_SESSION_KEY, 16 * 60)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.get("/private/")

    assert response.status_code == 302
    assert SESSION_KEY not in browser.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [DEACTIVATED_MESSAGE]
    user = user_of(alice)
    assert not user.is_active
    assert user.microsoftssouser.deactivated_by_sync
    assert not session_exists(other_key)
    assert sent == [("deactivated", user.pk, reason)]


def test_the_fakes_disabled_account_deactivates_too(microsoft, alice, client, follows):
    microsoft.login(client, alice)
    microsoft.revoke(alice, disabled=True)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)

    assert client.get("/private/").status_code == 302
    assert not user_of(alice).is_active


def test_revoked_sessions_log_out_but_do_not_deactivate(microsoft, alice, client, follows):
    microsoft.login(client, alice)
    microsoft.revoke(alice)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)

    response = client.get("/private/")

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your Microsoft sign-in has ended. Please sign in again."
    ]
    assert user_of(alice).is_active


def test_a_gone_account_of_an_untrusted_tenant_is_logged_out_not_deactivated(
    microsoft, client, follows, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com", "fabrikam.com"]
    stranger = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)
    microsoft.login(client, stranger)
    microsoft.fail("token", DISABLED)
    age_session(client, sessions.CHECKED_SESSION_KEY, 16 * 60)

    assert client.get("/private/").status_code == 302
    assert SESSION_KEY not in client.session
    assert user_of(stranger).is_active


def test_get_access_token_meeting_a_gone_account_deactivates_and_logs_out(
    microsoft, alice, client, settings, engine
):
    settings.ROOT_URLCONF = "tests.test_sessions"
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    microsoft.login(client, alice)
    microsoft.fail("token", DISABLED)
    age_session(client, sessions.EXPIRES_SESSION_KEY, 3600)

    assert token_of(client) is None

    assert not user_of(alice).is_active
    assert SESSION_KEY not in client.session
    assert client.get("/private/").status_code == 302


# -- Microsoft's answer at a sign-in ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (DISABLED, "Your Microsoft account is disabled. Please contact your administrator."),
        (DELETED, "Your Microsoft account no longer exists. Please contact your administrator."),
    ],
)
def test_a_sign_in_refused_for_a_gone_account_deactivates_the_signed_in_user(
    microsoft, alice, client, engine, answer, message, django_capture_on_commit_callbacks
):
    microsoft.login(client, alice)
    other = Client()
    microsoft.login(other, alice)
    microsoft.fail("token", answer)

    with django_capture_on_commit_callbacks(execute=True):
        response = microsoft.login(client, alice)

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    assert SESSION_KEY not in client.session
    assert not user_of(alice).is_active
    assert other.get("/private/").status_code == 302


def test_a_sign_in_refused_for_a_gone_account_with_nobody_signed_in(microsoft, alice, client):
    microsoft.login(Client(), alice)
    microsoft.fail("token", DISABLED)

    response = microsoft.login(client, alice)

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your Microsoft account is disabled. Please contact your administrator."
    ]
    # The answer names no one, and this browser was signed in as no one: nobody is deactivated
    # (the directory sync will be the one to do it).
    assert user_of(alice).is_active


# -- the admin action "Sync from Microsoft" --------------------------------------------------

IDENTITIES = "/admin/django_microsoft_sso/microsoftssouser/"
USERS = "/inline-admin/auth/user/"


def sync_people_available():
    try:
        from django_microsoft_sso.directory import sync_people  # noqa: F401
    except ImportError:
        return False
    return True


needs_sync_people = pytest.mark.skipif(
    not sync_people_available(), reason="directory.sync_people is the directory sync's"
)


def actions_offered(response):
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered
    return [value for value, _label in form.fields["action"].choices] if form else []


def test_the_action_is_offered_to_whoever_may_change_users(microsoft, alice, admin_client):
    microsoft.login(Client(), alice)

    assert "sync_from_microsoft" in actions_offered(admin_client.get(IDENTITIES))
    assert "sync_from_microsoft" in actions_offered(admin_client.get(USERS))


def test_the_action_is_not_offered_to_a_viewer(microsoft, alice, client):
    from django.contrib.auth.models import Permission

    microsoft.login(Client(), alice)
    viewer = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "view_microsoftssouser"])
    )
    client.force_login(viewer)

    assert "sync_from_microsoft" not in actions_offered(client.get(IDENTITIES))
    assert "sync_from_microsoft" not in actions_offered(client.get(USERS))


@needs_sync_people
@pytest.mark.parametrize("page", [IDENTITIES, USERS])
def test_the_action_deactivates_a_selected_person_entra_disabled(
    microsoft, alice, admin_client, page, django_capture_on_commit_callbacks
):
    signed_in = Client()
    microsoft.login(signed_in, alice)
    microsoft.disable_user(alice)
    link = MicrosoftSSOUser.objects.get(microsoft_id=alice.object_id)
    selected = link.pk if page == IDENTITIES else link.user_id

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            page, {"action": "sync_from_microsoft", "_selected_action": [selected]}, follow=True
        )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Synced from Microsoft: 1 deactivated, 0 re-activated, 0 updated, 0 unchanged."
    ]
    assert not user_of(alice).is_active
    assert signed_in.get("/private/").status_code == 302


# -- the sessions noted for offboarding ------------------------------------------------------


def test_a_password_login_of_a_linked_user_is_ended_too(
    microsoft, alice, engine, django_capture_on_commit_callbacks
):
    microsoft.login(Client(), alice)
    user = user_of(alice)
    user.set_password("pw")
    user.save()
    browser = Client()
    assert browser.login(username=user.username, password="pw")
    key = browser.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.apply(person(alice, enabled=False), update=False, dry_run=False)

    assert not session_exists(key)


def test_a_login_of_a_user_without_a_link_is_not_noted(client):
    user = get_user_model().objects.create_user("carol", password="pw")
    assert client.login(username="carol", password="pw")

    assert not UserSession.objects.filter(user=user).exists()


def test_notes_older_than_a_session_can_live_go_at_the_next_sync(microsoft, alice, settings):
    settings.SESSION_COOKIE_AGE = 3600
    microsoft.login(Client(), alice)
    UserSession.objects.update(created=UserSession.objects.get().created.replace(year=2000))
    microsoft.login(Client(), alice)
    assert UserSession.objects.count() == 2  # a sign-in only adds its note: one query

    call_command("microsoft_sso_sync", stdout=StringIO(), stderr=StringIO())

    assert UserSession.objects.count() == 1
    assert UserSession.objects.get().created.year != 2000


def test_a_dry_run_keeps_the_expired_notes(microsoft, alice, settings):
    settings.SESSION_COOKIE_AGE = 3600
    microsoft.login(Client(), alice)
    UserSession.objects.update(created=UserSession.objects.get().created.replace(year=2000))

    call_command("microsoft_sso_sync", "--dry-run", stdout=StringIO(), stderr=StringIO())

    assert UserSession.objects.count() == 1
