"""``microsoft_sso_sync --update``: mapped Django groups and flags follow Entra as at a sign-in.

People sign in through the fake Microsoft, then their groups and app roles change in the fake's
directory; the sync reads them with the application's token and each test looks at the user's
groups and flags, the summary printed and the requests Graph got.
"""

import httpx
import pytest
from django.contrib.auth.models import Group

from django_microsoft_sso.groups import forget_database_rows
from django_microsoft_sso.models import DirectorySyncState, MicrosoftSSOUser
from django_microsoft_sso.testing import OTHER_TENANT_ID
from tests import test_directory_sync
from tests.test_directory_sync import summary_of, sync

pytestmark = pytest.mark.django_db

EDITORS_ID = "11111111-1111-1111-1111-111111111111"
UNMAPPED_ID = "33333333-3333-3333-3333-333333333333"
MEMBERSHIP_CALLS = ("user_groups", "user_app_roles", "service_principal")

person = test_directory_sync.person


@pytest.fixture(autouse=True)
def mapping(settings):
    forget_database_rows()
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: "Editors"}
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_staff"}
    yield
    forget_database_rows()


def group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


def mapped_flags(user):
    return MicrosoftSSOUser.objects.get(user=user).mapped_flags


def membership_calls(microsoft):
    return sum(microsoft.count(name) for name in MEMBERSHIP_CALLS)


def test_update_adds_a_mapped_group_and_grants_staff_from_a_role(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    alice_user.set_password("a password")
    alice_user.save()
    microsoft.update_user(alice, groups=[EDITORS_ID], roles=["Site.Admin"])

    output = sync("--update")

    alice_user.refresh_from_db()
    assert group_names(alice_user) == ["Editors"]
    assert alice_user.is_staff
    assert mapped_flags(alice_user) == "is_staff"
    # As at a sign-in: a flag the mapping grants holds only while Entra grants it.
    assert not alice_user.has_usable_password()
    assert summary_of(output)["updated"] == 1
    assert microsoft.count("service_principal") == 1


def test_update_takes_back_what_entra_took_away(person, microsoft):
    alice, alice_user = person("alice@contoso.com", groups=[EDITORS_ID], roles=["Site.Admin"])
    alice_user.refresh_from_db()
    assert alice_user.is_staff
    assert group_names(alice_user) == ["Editors"]
    microsoft.update_user(alice, groups=[], roles=[])

    output = sync("--update")

    alice_user.refresh_from_db()
    assert group_names(alice_user) == []
    assert not alice_user.is_staff
    assert mapped_flags(alice_user) == ""
    assert summary_of(output)["updated"] == 1


def test_update_leaves_unmapped_groups_and_flags_an_admin_gave_alone(person, microsoft):
    alice, alice_user = person("alice@contoso.com", groups=[EDITORS_ID, UNMAPPED_ID])
    alice_user.groups.add(Group.objects.create(name="Readers"))
    alice_user.is_superuser = True
    alice_user.is_staff = True
    alice_user.save()
    microsoft.update_user(alice, groups=[UNMAPPED_ID])

    sync("--update")

    alice_user.refresh_from_db()
    assert group_names(alice_user) == ["Readers"]
    assert alice_user.is_staff
    assert alice_user.is_superuser


def test_update_does_not_touch_a_person_of_an_untrusted_tenant(person, microsoft):
    eve, eve_user = person("eve@contoso.com")
    MicrosoftSSOUser.objects.filter(user=eve_user).update(tenant_id=OTHER_TENANT_ID)
    microsoft.update_user(
        eve, tenant_id=OTHER_TENANT_ID, groups=[EDITORS_ID], roles=["Site.Admin"]
    )

    sync("--update")

    eve_user.refresh_from_db()
    assert group_names(eve_user) == []
    assert not eve_user.is_staff
    assert membership_calls(microsoft) == 0


def test_a_graph_failure_for_one_person_is_an_error_and_changes_nothing_of_theirs(
    person, microsoft
):
    alice, alice_user = person("alice@contoso.com", surname="Smith")
    bob, bob_user = person("bob@contoso.com")
    microsoft.update_user(alice, surname="Jones", groups=[EDITORS_ID])
    microsoft.update_user(bob, groups=[EDITORS_ID])
    microsoft.fail("user_groups", httpx.Response(400, json={"error": {"code": "BadRequest"}}))

    output = sync("--update")

    alice_user.refresh_from_db()
    bob_user.refresh_from_db()
    assert alice_user.last_name == "Smith"
    assert group_names(alice_user) == []
    assert alice_user.is_active
    assert bob_user.is_active
    assert group_names(bob_user) == ["Editors"]
    assert summary_of(output)["errors"] == 1
    assert summary_of(output)["deactivated"] == 0
    # The run had an error: the next one reads these people again.
    assert not DirectorySyncState.objects.exists()


def test_a_dry_run_changes_no_group_or_flag(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.update_user(alice, groups=[EDITORS_ID], roles=["Site.Admin"])

    output = sync("--update", "--dry-run")

    alice_user.refresh_from_db()
    assert group_names(alice_user) == []
    assert not alice_user.is_staff
    assert mapped_flags(alice_user) == ""
    assert "alice@contoso.com" in output or summary_of(output)["updated"] == 1


def test_without_update_no_group_or_role_is_read(person, microsoft):
    alice, alice_user = person("alice@contoso.com")
    microsoft.update_user(alice, groups=[EDITORS_ID], roles=["Site.Admin"])

    sync()

    alice_user.refresh_from_db()
    assert group_names(alice_user) == []
    assert not alice_user.is_staff
    assert membership_calls(microsoft) == 0


def test_without_a_mapping_update_reads_no_group_or_role(settings, person, microsoft):
    settings.MICROSOFT_SSO_GROUPS_MAP = {}
    settings.MICROSOFT_SSO_ROLES_MAP = {}
    alice, _alice_user = person("alice@contoso.com")
    microsoft.update_user(alice, groups=[EDITORS_ID], roles=["Site.Admin"])

    sync("--update")

    assert membership_calls(microsoft) == 0


def test_only_what_is_mapped_is_read(settings, person, microsoft):
    settings.MICROSOFT_SSO_ROLES_MAP = {}
    alice, alice_user = person("alice@contoso.com")
    microsoft.update_user(alice, groups=[EDITORS_ID])

    sync("--update")

    assert group_names(alice_user) == ["Editors"]
    assert microsoft.count("user_groups") == 1
    assert microsoft.count("user_app_roles") == microsoft.count("service_principal") == 0


def test_the_admin_action_refreshes_mapped_groups_and_flags(person, microsoft, admin_client):
    alice, alice_user = person("alice@contoso.com")
    microsoft.update_user(alice, groups=[EDITORS_ID], roles=["Site.Admin"])
    link = MicrosoftSSOUser.objects.get(user=alice_user)

    admin_client.post(
        "/admin/django_microsoft_sso/microsoftssouser/",
        {"action": "sync_from_microsoft", "_selected_action": [link.pk]},
    )

    alice_user.refresh_from_db()
    assert group_names(alice_user) == ["Editors"]
    assert alice_user.is_staff
    assert mapped_flags(alice_user) == "is_staff"
