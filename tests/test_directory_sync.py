"""``manage.py microsoft_sso_sync``: Entra's leavers lose their Django user, nobody else does.

People sign in through the fake Microsoft (so they have a user and a link row as in real life),
then change in the fake's directory; the command reads ``/users/delta`` and each test looks at
the user rows, the delta link kept, the summary printed and the requests Graph got.
"""

from io import StringIO

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from django_microsoft_sso import directory
from django_microsoft_sso.models import DirectorySyncState, MicrosoftSSOUser
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, OTHER_TENANT_ID
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def person(client, microsoft):
    """``person(upn)``: someone who signed in once, and so has a Django user and a link."""

    def sign_in(user_principal_name, **fields):
        entra = microsoft.add_project_user(user_principal_name, **fields)
        assert signed_in(microsoft.login(client, entra))
        client.logout()
        return entra, User.objects.get(microsoftssouser__microsoft_id=entra.object_id)

    return sign_in


def sync(*args):
    """Run the command; what it printed (stdout)."""
    out = StringIO()
    call_command("microsoft_sso_sync", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def active(user):
    user.refresh_from_db()
    return user.is_active


def summary_of(output):
    line = output.strip().splitlines()[-1]
    return {
        name: int(count)
        for name, count in (part.rsplit(" ", 1) for part in line.split(": ")[-1].split(", "))
    }


def no_sleep(seconds):
    """A ``sleep`` that records the wait instead of waiting."""
    no_sleep.waits.append(seconds)


no_sleep.waits = []


# -- the first run and the runs after it -----------------------------------------------------


def test_a_disabled_person_is_deactivated_and_the_others_stay(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    _bob, bob_user = person("bob@contoso.com")
    microsoft.disable_user(alice)

    output = sync()

    assert not active(alice_user)
    assert active(bob_user)
    assert MicrosoftSSOUser.objects.get(user=alice_user).deactivated_by_sync
    assert summary_of(output) == {
        "read": 2,
        "deactivated": 1,
        "reactivated": 0,
        "updated": 0,
        "unchanged": 1,
        "skipped": 0,
        "errors": 0,
    }


def test_a_deleted_person_is_deactivated_by_the_next_delta_run(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    sync()
    microsoft.delete_user(alice)

    output = sync()

    assert not active(alice_user)
    assert summary_of(output)["read"] == 1  # only the change was read
    assert summary_of(output)["deactivated"] == 1


def test_a_permanently_deleted_person_is_deactivated(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    sync()
    microsoft.delete_user(alice, permanently=True)

    sync()

    assert not active(alice_user)


def test_a_run_after_the_first_reads_only_what_changed(person, microsoft):
    people = [person(f"p{n}@contoso.com") for n in range(5)]
    microsoft.delta_page_size = 2
    sync()
    first_requests = microsoft.count("users_delta")
    microsoft.disable_user(people[3][0])

    output = sync()

    assert first_requests == 3  # five people, two a page
    assert microsoft.count("users_delta") == first_requests + 1
    assert summary_of(output)["read"] == 1
    assert not active(people[3][1])
    assert DirectorySyncState.objects.get(tenant_id=DEFAULT_TENANT_ID).delta_link


def test_a_person_enabled_again_is_reactivated_when_the_sync_deactivated_them(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.disable_user(alice)
    sync()
    microsoft.enable_user(alice)

    output = sync()

    assert active(alice_user)
    assert not MicrosoftSSOUser.objects.get(user=alice_user).deactivated_by_sync
    assert summary_of(output)["reactivated"] == 1


def test_a_person_an_administrator_deactivated_stays_inactive_when_enabled(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    User.objects.filter(pk=alice_user.pk).update(is_active=False)
    microsoft.disable_user(alice)
    sync()
    microsoft.enable_user(alice)

    sync()

    assert not active(alice_user)


def test_update_refreshes_names_from_the_directory(person, microsoft):
    alice, alice_user = person("alice@contoso.com", given_name="Alice", surname="Smith")
    sync()
    microsoft.update_user(alice, surname="Jones")

    output = sync("--update")

    alice_user.refresh_from_db()
    assert alice_user.last_name == "Jones"
    assert summary_of(output)["updated"] == 1


def test_without_update_names_are_left_alone(person, microsoft):
    alice, alice_user = person("alice@contoso.com", given_name="Alice", surname="Smith")
    sync()
    microsoft.update_user(alice, surname="Jones")

    sync()

    alice_user.refresh_from_db()
    assert alice_user.last_name == "Smith"


# -- who is never touched --------------------------------------------------------------------


def test_people_without_a_link_are_never_touched(person, microsoft):
    carol = User.objects.create_user("carol@contoso.com", email="carol@contoso.com")
    entra_carol = microsoft.add_project_user("carol@contoso.com")
    microsoft.disable_user(entra_carol)

    output = sync()

    assert active(carol)
    assert summary_of(output)["skipped"] == 1
    assert summary_of(output)["deactivated"] == 0


def test_only_trusted_tenants_are_read(settings, person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    stranger = microsoft.add_user("eve@fabrikam.com", tenant_id=OTHER_TENANT_ID)
    microsoft.disable_user(stranger)
    microsoft.disable_user(alice)

    sync()

    tokens_asked = [
        request.url.path.split("/")[1] for name, request in microsoft.calls if name == "token"
    ]
    assert OTHER_TENANT_ID not in tokens_asked
    assert not active(alice_user)


def test_a_person_of_an_untrusted_tenant_with_a_link_is_not_touched(settings, person, microsoft):
    eve, eve_user = person("eve@contoso.com")
    MicrosoftSSOUser.objects.filter(user=eve_user).update(tenant_id=OTHER_TENANT_ID)
    microsoft.update_user(eve, tenant_id=OTHER_TENANT_ID)
    microsoft.disable_user(eve)

    sync()

    assert active(eve_user)


# -- failures ----------------------------------------------------------------------------------


def test_a_graph_failure_halfway_deactivates_nobody(person, microsoft):
    people = [person(f"p{n}@contoso.com") for n in range(4)]
    for entra, _user in people:
        microsoft.disable_user(entra)
    microsoft.delta_page_size = 2
    answers = iter([None])

    def first_page_then_down(request):
        if next(answers, "down") is None:
            return microsoft._users_delta(request)
        return httpx.Response(503, json={"error": {"code": "serviceNotAvailable"}})

    microsoft.fail("users_delta", first_page_then_down, times=10)

    summary = directory.run(sleep=no_sleep)

    assert "could not be read whole" in summary.failed_tenants[DEFAULT_TENANT_ID]
    assert summary.read == 2  # the first page was read...
    assert all(active(user) for _entra, user in people)  # ...and nobody deactivated
    assert not DirectorySyncState.objects.exists()


def test_a_failed_read_is_reported_by_the_command(person, microsoft):
    person("alice@contoso.com")
    microsoft.fail("users_delta", httpx.Response(400, json={"error": {"code": "BadRequest"}}))
    err = StringIO()

    with pytest.raises(CommandError, match="1 tenant"):
        call_command("microsoft_sso_sync", stdout=StringIO(), stderr=err)

    assert "nobody deactivated" in err.getvalue()


def test_throttling_waits_as_graph_asks_and_the_run_completes(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.disable_user(alice)
    microsoft.throttle("users_delta", retry_after=7, times=2)
    no_sleep.waits.clear()

    summary = directory.run(sleep=no_sleep)

    assert no_sleep.waits == [7, 7]
    assert summary.deactivated == 1
    assert not active(alice_user)


def test_throttling_that_does_not_end_fails_the_tenant_after_bounded_retries(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.disable_user(alice)
    microsoft.throttle("users_delta", retry_after=1, times=50)

    summary = directory.run(sleep=no_sleep)

    assert summary.failed_tenants
    assert microsoft.count("users_delta") == 4  # the first try and three retries
    assert active(alice_user)


def test_a_network_fault_is_retried(person, microsoft):
    alice, _alice_user = person("alice@contoso.com")
    microsoft.disable_user(alice)
    microsoft.fail("users_delta", httpx.ConnectTimeout)

    summary = directory.run(sleep=no_sleep)

    assert summary.deactivated == 1


@pytest.mark.parametrize("status", [400, 410])
def test_an_expired_delta_link_falls_back_to_a_full_read(person, microsoft, status):
    alice, alice_user = person("alice@contoso.com")
    person("bob@contoso.com")
    sync()
    microsoft.expire_delta_links(status=status)
    microsoft.disable_user(alice)

    output = sync()

    assert summary_of(output)["read"] == 2  # everyone again
    assert not active(alice_user)
    microsoft.disable_user(microsoft.users[1])
    assert summary_of(sync())["read"] == 1  # the new delta link works


def test_full_reads_everyone_despite_a_delta_link(person, microsoft):
    person("alice@contoso.com")
    person("bob@contoso.com")
    sync()

    assert summary_of(sync("--full"))["read"] == 2


def test_a_missing_permission_is_a_clear_error_naming_it(person, microsoft):
    _alice, _alice_user = person("alice@contoso.com")
    microsoft.application_permissions = set()
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("microsoft_sso_sync", stdout=StringIO(), stderr=err)

    assert "User.Read.All" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_a_refused_application_token_is_a_clear_error(settings, person, microsoft):
    person("alice@contoso.com")
    settings.MICROSOFT_SSO_CLIENT_SECRET = "not-the-secret"
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("microsoft_sso_sync", stdout=StringIO(), stderr=err)

    assert "client credentials" in err.getvalue()
    assert "not-the-secret" not in err.getvalue()


# -- the dry run and what is printed --------------------------------------------------------


def test_a_dry_run_prints_what_would_change_and_changes_nothing(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.disable_user(alice)

    output = sync("--dry-run")

    assert active(alice_user)
    assert f"would deactivate: user {alice_user.pk}" in output
    assert "Dry run, nothing changed" in output
    assert summary_of(output)["deactivated"] == 1
    assert not DirectorySyncState.objects.exists()


def test_without_a_terminal_progress_is_plain_lines(person, microsoft):
    for n in range(3):
        person(f"p{n}@contoso.com")
    microsoft.delta_page_size = 1

    output = sync()

    assert "\r" not in output


def test_the_application_token_is_asked_once_per_run(person, microsoft):
    for n in range(3):
        person(f"p{n}@contoso.com")
    microsoft.delta_page_size = 1
    tokens_before = microsoft.count("token")

    sync()

    assert microsoft.count("token") == tokens_before + 1


class Terminal(StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_progress_rewrites_one_line(person, microsoft):
    for n in range(3):
        person(f"p{n}@contoso.com")
    microsoft.delta_page_size = 1
    out = Terminal()

    call_command("microsoft_sso_sync", stdout=out, stderr=StringIO())

    assert f"\r{DEFAULT_TENANT_ID}: 3 people read" in out.getvalue()


def test_no_tenant_to_read_is_a_clear_error(settings, microsoft):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/common"
    settings.MICROSOFT_SSO_MAPPING_TENANTS = []

    with pytest.raises(CommandError, match="MICROSOFT_SSO_MAPPING_TENANTS"):
        sync()


def test_a_person_listed_disabled_then_enabled_in_one_read_is_not_deactivated(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.disable_user(alice)
    microsoft.delta_page_size = 1
    # Graph may list one person twice in a read; the later entry is the current state.
    microsoft.users.append(alice)

    def enabled_after_the_first_page(request):
        answer = microsoft._users_delta(request)
        alice.account_enabled = True
        return answer

    microsoft.fail("users_delta", enabled_after_the_first_page)

    output = sync()

    assert active(alice_user)
    assert summary_of(output)["read"] == 2


# -- the fake's shapes -------------------------------------------------------------------------


def test_the_fake_lists_deleted_people_as_graph_marks_them(settings, microsoft):
    from django_microsoft_sso import client, graph
    from django_microsoft_sso.conf import Settings

    alice = microsoft.add_user("alice@contoso.com")
    bob = microsoft.add_user("bob@contoso.com")
    token = client.application_token(Settings(), DEFAULT_TENANT_ID)
    first = list(graph.read_user_delta(lambda: token, delta_link=None, timeout=5))
    microsoft.delete_user(alice)
    microsoft.delete_user(bob, permanently=True)

    changes = list(
        graph.read_user_delta(lambda: token, delta_link=first[-1].delta_link, timeout=5)
    )

    assert [user["id"] for user in first[0].users] == [alice.object_id, bob.object_id]
    assert set(first[0].users[0]) == set(graph.DELTA_FIELDS)
    assert changes[0].users == [
        {
            "@odata.type": "#microsoft.graph.user",
            "id": alice.object_id,
            "@removed": {"reason": "changed"},
        },
        {
            "@odata.type": "#microsoft.graph.user",
            "id": bob.object_id,
            "@removed": {"reason": "deleted"},
        },
    ]


def test_the_fake_refuses_client_credentials_for_a_multi_tenant_authority(microsoft):
    answer = httpx.post(
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": microsoft.client_id,
            "client_secret": microsoft.client_secret,
            "scope": "https://graph.microsoft.com/.default",
        },
    )

    assert answer.status_code == 400
    assert answer.json()["error_codes"] == [90009]


# -- sync_people: the selected people of the admin action ------------------------------------


def test_sync_people_deactivates_a_person_graph_no_longer_knows(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    _bob, bob_user = person("bob@contoso.com")
    microsoft.delete_user(alice, permanently=True)

    outcomes = directory.sync_people(MicrosoftSSOUser.objects.order_by("pk"), update=False)

    assert [outcome.action for outcome in outcomes] == ["deactivated", "unchanged"]
    assert not active(alice_user)
    assert active(bob_user)


def test_sync_people_changes_nobody_when_one_read_fails(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    bob, bob_user = person("bob@contoso.com")
    microsoft.disable_user(alice)
    microsoft.disable_user(bob)
    microsoft.fail("users", httpx.Response(500), times=1)  # alice's read recovers...
    microsoft.fail("users", httpx.Response(400), times=1)  # ...bob's does not

    with pytest.raises(directory.DirectorySyncError):
        directory.sync_people(
            MicrosoftSSOUser.objects.order_by("pk"), update=False, sleep=no_sleep
        )

    assert active(alice_user)
    assert active(bob_user)


def test_sync_people_skips_an_untrusted_tenant_without_asking_microsoft(person, microsoft):
    _eve, eve_user = person("eve@contoso.com")
    MicrosoftSSOUser.objects.filter(user=eve_user).update(tenant_id=OTHER_TENANT_ID)

    outcomes = directory.sync_people(MicrosoftSSOUser.objects.all(), update=False)

    assert [outcome.action for outcome in outcomes] == ["skipped"]
    assert microsoft.count("users") == 0
