"""Entra groups and app roles become Django groups and staff/superuser status at each sign-in."""

import httpx
import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_microsoft_sso.groups import forget_database_rows
from django_microsoft_sso.models import GroupMapping, MicrosoftSSOUser
from django_microsoft_sso.testing import (
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    PERSONAL_ACCOUNTS_TENANT_ID,
)
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db

EDITORS_ID = "11111111-1111-1111-1111-111111111111"
ADMINS_ID = "22222222-2222-2222-2222-222222222222"
OTHER_ID = "33333333-3333-3333-3333-333333333333"


@pytest.fixture(autouse=True)
def fresh_mapping_rows():
    """Mapping rows are kept per process; a test's rows are rolled back without a signal."""
    forget_database_rows()
    yield
    forget_database_rows()


def user_named(upn):
    return get_user_model().objects.get(username=upn)


def group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


def test_groups_claim_adds_the_mapped_django_groups_and_flags(client, microsoft, settings):
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: ["Editors", "is_staff"]}
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID, OTHER_ID])

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    user = user_named("alice@contoso.com")
    assert group_names(user) == ["Editors"]
    assert user.is_staff
    assert not user.is_superuser
    assert microsoft.count("groups") == 0


def test_app_roles_map_like_groups(client, microsoft, settings):
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser", "Site.Editor": "Editors"}
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Admin", "Site.Editor"])

    microsoft.login(client, alice)

    user = user_named("alice@contoso.com")
    assert group_names(user) == ["Editors"]
    assert user.is_superuser
    assert user.is_staff  # the admin needs it: is_superuser grants it too
    assert client.get("/admin/").status_code == 200


def test_group_ids_match_whatever_their_case(client, microsoft, settings):
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID.upper(): "Editors"}
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID])

    microsoft.login(client, alice)

    assert group_names(user_named("alice@contoso.com")) == ["Editors"]


def test_membership_is_synced_at_each_sign_in_and_unmapped_groups_are_untouched(
    client, microsoft, settings
):
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: "Editors", ADMINS_ID: "Admins"}
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID])
    microsoft.login(client, alice)
    user = user_named("alice@contoso.com")
    # A group the project manages by hand.
    user.groups.add(Group.objects.create(name="Newsletter"))
    client.logout()

    alice.groups = [ADMINS_ID]
    microsoft.login(client, alice)

    assert group_names(user) == ["Admins", "Newsletter"]
    assert Group.objects.filter(name="Editors").exists()  # the group stays; she left it


def test_a_person_who_loses_the_mapped_role_loses_staff_at_the_next_sign_in(
    client, microsoft, settings
):
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": ["is_superuser", "Admins"]}
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Admin"])
    microsoft.login(client, alice)
    assert client.get("/admin/").status_code == 200
    client.logout()

    alice.roles = []
    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    user = user_named("alice@contoso.com")
    assert not user.is_staff
    assert not user.is_superuser
    assert group_names(user) == []
    assert client.get("/admin/").status_code == 302  # to the admin's login page
    assert MicrosoftSSOUser.objects.get(user=user).mapped_flags == ""


def test_flags_the_mapping_did_not_grant_are_kept(client, microsoft, settings):
    """Staff status an administrator gave by hand stays when the mapped role goes."""
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_staff"}
    alice = microsoft.add_user("alice@contoso.com")
    get_user_model().objects.create(username="alice@contoso.com", is_staff=True)
    alice.roles = ["Site.Admin"]
    microsoft.login(client, alice)
    client.logout()

    alice.roles = []
    microsoft.login(client, alice)

    assert user_named("alice@contoso.com").is_staff


def test_staff_list_keeps_the_flag_the_mapping_took_back(client, microsoft, settings):
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser"}
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Admin"])
    microsoft.login(client, alice)
    client.logout()
    settings.MICROSOFT_SSO_STAFF_LIST = ["alice@contoso.com"]

    alice.roles = []
    microsoft.login(client, alice)

    user = user_named("alice@contoso.com")
    assert not user.is_superuser
    assert user.is_staff


def test_overage_reads_every_page_of_transitive_member_of(client, microsoft, settings):
    microsoft.groups_claim_limit = 3
    microsoft.groups_page_size = 2
    many = [f"00000000-0000-0000-0000-00000000000{n}" for n in range(7)]
    settings.MICROSOFT_SSO_GROUPS_MAP = {many[6]: "Last page", EDITORS_ID: "Editors"}
    alice = microsoft.add_user("alice@contoso.com", groups=many)

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    assert group_names(user_named("alice@contoso.com")) == ["Last page"]
    assert microsoft.count("groups") == 4  # 7 groups, 2 a page
    token = microsoft.issued_tokens[-1]["access_token"]
    for name, request in microsoft.calls:
        if name == "groups":
            assert request.headers["Authorization"] == f"Bearer {token}"


def test_no_groups_claim_with_a_group_mapping_reads_graph(client, microsoft, settings):
    """The app registration does not emit group claims: Graph says who is in which group."""
    microsoft.groups_claim_limit = 0
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: "Editors"}
    alice = microsoft.add_user(
        "alice@contoso.com", groups=[EDITORS_ID], extra_claims={"_claim_names": None}
    )

    microsoft.login(client, alice)

    assert group_names(user_named("alice@contoso.com")) == ["Editors"]
    assert microsoft.count("groups") == 1


def test_graph_is_not_read_without_a_group_mapping(client, microsoft, settings):
    microsoft.groups_claim_limit = 0
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_staff"}
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID], roles=["Site.Admin"])

    microsoft.login(client, alice)

    assert user_named("alice@contoso.com").is_staff
    assert microsoft.count("groups") == 0


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(503, json={"error": {"code": "serviceNotAvailable"}}),
        httpx.ReadTimeout,
        httpx.Response(200, json={"value": "not a list"}),
    ],
)
def test_graph_failure_during_overage_refuses_cleanly_and_writes_nothing(
    client, microsoft, settings, fault
):
    microsoft.groups_claim_limit = 0
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: ["Editors", "is_staff"]}
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID])
    microsoft.fail("groups", fault)

    response = microsoft.login(client, alice, next="/private/")

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert messages_of(response) == [
        "Your groups could not be read from Microsoft. Please try again."
    ]
    assert not get_user_model().objects.exists()
    assert not MicrosoftSSOUser.objects.exists()
    assert not Group.objects.exists()
    assert client.get("/private/").status_code == 302


def test_a_next_link_off_graph_is_refused(client, microsoft, settings):
    microsoft.groups_claim_limit = 0
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: "Editors"}
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID])
    microsoft.fail(
        "groups",
        httpx.Response(
            200, json={"value": [], "@odata.nextLink": "https://attacker.example/v1.0/me"}
        ),
    )

    response = microsoft.login(client, alice)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [
        "Your groups could not be read from Microsoft. Please try again."
    ]
    assert not get_user_model().objects.exists()
    assert all(request.url.host != "attacker.example" for _, request in microsoft.calls)


def test_too_many_pages_refuses_rather_than_take_groups_away(client, microsoft, settings):
    microsoft.groups_claim_limit = 0
    microsoft.groups_page_size = 1
    settings.MICROSOFT_SSO_GROUPS_MAX_PAGES = 2
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: "Editors"}
    alice = microsoft.add_user("alice@contoso.com", groups=[OTHER_ID, ADMINS_ID, EDITORS_ID])

    response = microsoft.login(client, alice)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [
        "Your groups could not be read from Microsoft. Please try again."
    ]
    assert microsoft.count("groups") == 2


def test_a_failing_sync_leaves_no_group_rows(client, microsoft, settings):
    """The groups are written in the sign-in's transaction: a later failure undoes them."""
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: ["Editors", "is_staff"]}
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.project.hooks_for_tests.explode"
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID])

    response = microsoft.login(client, alice)

    assert response.url == "/admin/login/"
    assert not Group.objects.exists()
    assert not get_user_model().objects.exists()


def test_mapping_kept_in_the_database_and_edited_in_the_admin(client, admin_client, microsoft):
    response = admin_client.post(
        "/admin/django_microsoft_sso/groupmapping/add/",
        {
            "kind": "group",
            "source": f"  {EDITORS_ID.upper()} ",
            "django_group": Group.objects.create(name="Editors").pk,
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    mapping = GroupMapping.objects.get()
    assert mapping.source == EDITORS_ID
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID])

    microsoft.login(client, alice)

    user = user_named("alice@contoso.com")
    assert group_names(user) == ["Editors"]
    assert user.is_staff
    client.logout()

    # The administrator takes staff status off the mapping: it goes at the next sign-in.
    response = admin_client.post(
        f"/admin/django_microsoft_sso/groupmapping/{mapping.pk}/change/",
        {"kind": "group", "source": EDITORS_ID, "django_group": mapping.django_group_id},
    )
    assert response.status_code == 302
    microsoft.login(client, alice)

    user.refresh_from_db()
    assert group_names(user) == ["Editors"]
    assert not user.is_staff


def test_admin_refuses_a_mapping_that_grants_nothing(admin_client):
    response = admin_client.post(
        "/admin/django_microsoft_sso/groupmapping/add/", {"kind": "role", "source": "Reader"}
    )

    assert response.status_code == 200
    assert "a mapping must grant something" in response.content.decode()
    assert not GroupMapping.objects.exists()


def test_without_any_mapping_nothing_changes(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com", groups=[EDITORS_ID], roles=["Site.Admin"])
    get_user_model().objects.create(username="alice@contoso.com", is_staff=True)

    microsoft.login(client, alice)

    user = user_named("alice@contoso.com")
    assert user.is_staff
    assert group_names(user) == []
    assert not Group.objects.exists()


@pytest.mark.parametrize(
    ("value", "check_id"),
    [
        (["Editors"], "E011"),
        ({EDITORS_ID: 3}, "E011"),
        ({EDITORS_ID: []}, "E011"),
        ({"": "Editors"}, "E011"),
        ({EDITORS_ID: ["Editors", ""]}, "E011"),
        ({EDITORS_ID: ["Editors", "is_admin"]}, "E012"),
    ],
)
@pytest.mark.parametrize("name", ["MICROSOFT_SSO_GROUPS_MAP", "MICROSOFT_SSO_ROLES_MAP"])
def test_check_finds_a_malformed_map(settings, name, value, check_id):
    setattr(settings, name, value)

    with pytest.raises(SystemCheckError, match=rf"django_microsoft_sso\.{check_id}"):
        call_command("check")


def test_check_accepts_a_well_formed_map(settings):
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: ["Editors", "is_staff"], ADMINS_ID: "Admins"}
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": ("is_superuser",)}

    call_command("check")


def test_role_rows_and_renamed_groups_apply_at_the_next_sign_in(client, microsoft):
    reviewers = Group.objects.create(name="Reviewers")
    GroupMapping.objects.create(
        kind=GroupMapping.ROLE, source="Site.Review", django_group=reviewers
    )
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Review"])
    microsoft.login(client, alice)
    client.logout()

    reviewers.name = "Proofreaders"
    reviewers.save()
    alice.roles = []
    microsoft.login(client, alice)

    assert group_names(user_named("alice@contoso.com")) == []
    assert Group.objects.get().name == "Proofreaders"  # no stale "Reviewers" made again


# -- a multi-tenant authority: mappings apply to the tenants named for them only -----------------

COMMON = "https://login.microsoftonline.com/common"
ORGANIZATIONS = "https://login.microsoftonline.com/organizations"


@pytest.fixture(params=[COMMON, ORGANIZATIONS], ids=["common", "organizations"])
def any_tenant_with_mappings(request, settings):
    """Any tenant signs in, and roles, groups and a database row all grant something."""
    settings.MICROSOFT_SSO_AUTHORITY = request.param
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": ["is_superuser", "Admins"]}
    settings.MICROSOFT_SSO_GROUPS_MAP = {EDITORS_ID: "Editors"}
    GroupMapping.objects.create(
        kind=GroupMapping.ROLE,
        source="Site.Review",
        django_group=Group.objects.create(name="Reviewers"),
        is_staff=True,
    )


def add_tenant_admin(microsoft, tenant_id):
    """Someone who administers ``tenant_id`` and gave themselves every role and group there."""
    return microsoft.add_user(
        "mallory@fabrikam.com",
        tenant_id=tenant_id,
        roles=["Site.Admin", "Site.Review"],
        groups=[EDITORS_ID],
    )


def test_a_foreign_tenants_roles_groups_and_rows_grant_nothing(
    client, microsoft, settings, any_tenant_with_mappings
):
    mallory = add_tenant_admin(microsoft, OTHER_TENANT_ID)

    response = microsoft.login(client, mallory, next="/private/")

    assert response.url == "/private/"  # signed in, as ALLOWED_TENANTS = ["*"] says
    user = user_named("mallory@fabrikam.com")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert group_names(user) == []
    assert MicrosoftSSOUser.objects.get(user=user).mapped_flags == ""
    assert client.get("/admin/").status_code == 302


def test_a_foreign_tenant_loses_what_a_mapping_gave_before(
    client, microsoft, settings, any_tenant_with_mappings
):
    """A partner tenant the project stops naming in MAPPING_TENANTS keeps nothing it was given."""
    settings.MICROSOFT_SSO_MAPPING_TENANTS = [OTHER_TENANT_ID]
    mallory = add_tenant_admin(microsoft, OTHER_TENANT_ID)
    microsoft.login(client, mallory)
    user = user_named("mallory@fabrikam.com")
    assert user.is_superuser
    assert group_names(user) == ["Admins", "Editors", "Reviewers"]
    client.logout()

    settings.MICROSOFT_SSO_MAPPING_TENANTS = [DEFAULT_TENANT_ID]
    response = microsoft.login(client, mallory, next="/private/")

    assert response.url == "/private/"
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert group_names(user) == []
    assert MicrosoftSSOUser.objects.get(user=user).mapped_flags == ""
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("listed", [OTHER_TENANT_ID, OTHER_TENANT_ID.upper()])
def test_a_tenant_named_in_mapping_tenants_is_granted(
    client, microsoft, settings, any_tenant_with_mappings, listed
):
    settings.MICROSOFT_SSO_MAPPING_TENANTS = [DEFAULT_TENANT_ID, listed]
    partner = add_tenant_admin(microsoft, OTHER_TENANT_ID)

    microsoft.login(client, partner)

    user = user_named("mallory@fabrikam.com")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert group_names(user) == ["Admins", "Editors", "Reviewers"]
    assert client.get("/admin/").status_code == 200


def test_the_home_tenant_needs_naming_too_when_the_authority_is_multi_tenant(
    client, microsoft, settings, any_tenant_with_mappings
):
    """``common`` names no tenant: without MAPPING_TENANTS no one is granted anything."""
    alice = microsoft.add_user(
        "alice@contoso.com", tenant_id=DEFAULT_TENANT_ID, roles=["Site.Admin"]
    )
    microsoft.login(client, alice)
    assert not user_named("alice@contoso.com").is_superuser
    client.logout()

    settings.MICROSOFT_SSO_MAPPING_TENANTS = [DEFAULT_TENANT_ID]
    microsoft.login(client, alice)

    assert user_named("alice@contoso.com").is_superuser


def test_a_foreign_tenant_makes_no_graph_request_for_groups(
    client, microsoft, settings, any_tenant_with_mappings
):
    microsoft.groups_claim_limit = 0
    mallory = add_tenant_admin(microsoft, OTHER_TENANT_ID)

    response = microsoft.login(client, mallory, next="/private/")

    assert response.url == "/private/"
    assert microsoft.count("groups") == 0
    assert group_names(user_named("mallory@fabrikam.com")) == []


def test_the_star_in_mapping_tenants_names_no_tenant(
    client, microsoft, settings, any_tenant_with_mappings
):
    settings.MICROSOFT_SSO_MAPPING_TENANTS = ["*"]
    mallory = add_tenant_admin(microsoft, OTHER_TENANT_ID)

    microsoft.login(client, mallory)

    assert not user_named("mallory@fabrikam.com").is_superuser


@pytest.mark.parametrize(
    ("authority", "tenant", "mapping_tenants"),
    [
        (COMMON, OTHER_TENANT_ID, []),
        (ORGANIZATIONS, OTHER_TENANT_ID, [DEFAULT_TENANT_ID]),
        (COMMON, OTHER_TENANT_ID, ["*"]),
        (COMMON, PERSONAL_ACCOUNTS_TENANT_ID, [PERSONAL_ACCOUNTS_TENANT_ID]),
    ],
    ids=["common-none-named", "organizations-other-named", "star", "personal-tenant-listed"],
)
def test_a_role_assigned_in_a_tenant_nobody_named_grants_nothing(
    client, microsoft, settings, authority, tenant, mapping_tenants
):
    """The review's case: whoever administers a tenant assigns themselves the mapped role there."""
    settings.MICROSOFT_SSO_AUTHORITY = authority
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_MAPPING_TENANTS = mapping_tenants
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": ["is_superuser", "Admins"]}
    mallory = microsoft.add_user("mallory@fabrikam.com", tenant_id=tenant, roles=["Site.Admin"])

    response = microsoft.login(client, mallory, next="/private/")

    assert response.url == "/private/", messages_of(response)
    user = user_named("mallory@fabrikam.com")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert group_names(user) == []
    assert client.get("/admin/").status_code == 302


# -- flags a mapping granted hold for sign-ins through Microsoft only ----------------------------

PASSWORD = "a password an administrator set"


def sign_in_with_password(client, username, password=PASSWORD):
    """The admin's own login form, as a person fills it in."""
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def test_a_mapping_that_grants_a_flag_makes_the_password_unusable(client, microsoft, settings):
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser"}
    get_user_model().objects.create_user("alice@contoso.com", password=PASSWORD)
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Admin"])
    microsoft.login(client, alice)
    client.logout()

    response = sign_in_with_password(client, "alice@contoso.com")

    assert response.status_code == 200  # the form again, with its error
    assert "Please enter the correct username and password" in response.content.decode()
    assert SESSION_KEY not in client.session
    user = user_named("alice@contoso.com")
    assert not user.has_usable_password()
    assert user.is_superuser  # until Entra takes the role away


def test_a_mapping_that_grants_only_groups_leaves_the_password_alone(client, microsoft, settings):
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Editor": "Editors"}
    get_user_model().objects.create_user("alice@contoso.com", password=PASSWORD)
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Editor"])
    microsoft.login(client, alice)
    client.logout()

    # Not staff, so not through the admin's form: the project's own login does the same.
    assert client.login(username="alice@contoso.com", password=PASSWORD)
    assert client.get("/private/").content == b"private page of alice@contoso.com"


def test_a_password_set_later_signs_in_without_the_mapped_flags(client, microsoft, settings):
    """Entra takes the role away; the person never signs in with Microsoft again."""
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser"}
    alice = microsoft.add_user("alice@contoso.com", roles=["Site.Admin"])
    microsoft.login(client, alice)
    client.logout()
    user = user_named("alice@contoso.com")
    user.set_password(PASSWORD)
    user.save()
    alice.roles = []

    response = sign_in_with_password(client, "alice@contoso.com")

    assert response.status_code == 302
    assert SESSION_KEY in client.session  # the password still signs in…
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)  # …without the mapped flags
    assert MicrosoftSSOUser.objects.get(user=user).mapped_flags == ""
    assert client.get("/admin/").status_code == 302
    client.logout()

    # Entra gives the role back: the next sign-in with Microsoft grants the flags again.
    alice.roles = ["Site.Admin"]
    microsoft.login(client, alice)
    user.refresh_from_db()
    assert user.is_superuser
    assert client.get("/admin/").status_code == 200


def test_a_password_sign_in_keeps_flags_no_mapping_granted(client, microsoft, settings):
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser"}
    get_user_model().objects.create_user("alice@contoso.com", password=PASSWORD, is_staff=True)
    alice = microsoft.add_user("alice@contoso.com")
    microsoft.login(client, alice)
    client.logout()

    assert sign_in_with_password(client, "alice@contoso.com").status_code == 302

    assert user_named("alice@contoso.com").is_staff
    assert client.get("/admin/").status_code == 200


def test_a_password_sign_in_of_someone_never_linked_changes_nothing(client):
    get_user_model().objects.create_superuser("root", password=PASSWORD)

    assert sign_in_with_password(client, "root").status_code == 302

    assert user_named("root").is_superuser
    assert client.get("/admin/").status_code == 200
