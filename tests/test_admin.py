"""The admin of Microsoft identities, and the inline a project adds to its user admin."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from django_microsoft_sso.models import GroupMapping, MicrosoftSSOUser
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, OTHER_TENANT_ID, TINY_PNG

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/django_microsoft_sso/microsoftssouser/"


def text(response):
    """The page as the browser gets it."""
    return response.content.decode()


def linked_user(username, tenant_id=DEFAULT_TENANT_ID, picture=TINY_PNG):
    user = get_user_model().objects.create_user(username, email=f"{username}@contoso.com")
    return MicrosoftSSOUser.objects.create(
        user=user,
        tenant_id=tenant_id,
        microsoft_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, username)),
        user_principal_name=f"{username}@contoso.com",
        picture_raw=picture,
    )


def staff_with(client, *codenames):
    staff = get_user_model().objects.create_user("sam", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    return staff


def test_changelist_lists_user_upn_tenant_and_object_id(admin_client):
    alice = linked_user("alice")

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    for value in ("alice", "alice@contoso.com", DEFAULT_TENANT_ID, alice.microsoft_id):
        assert f">{value}<" in text(response)
    assert "Add Microsoft SSO User" not in text(response)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("alice@contoso", ["alice"]),
        ("bob", ["bob"]),
        (OTHER_TENANT_ID, ["bob"]),
        ("nobody", []),
    ],
)
def test_changelist_search(admin_client, query, found):
    linked_user("alice")
    linked_user("bob", tenant_id=OTHER_TENANT_ID)

    response = admin_client.get(CHANGELIST, {"q": query})

    shown = [name for name in ("alice", "bob") if f">{name}@contoso.com<" in text(response)]
    assert shown == found


def test_changelist_filter_by_tenant(admin_client):
    linked_user("alice")
    linked_user("bob", tenant_id=OTHER_TENANT_ID)

    response = admin_client.get(CHANGELIST, {"tenant_id": OTHER_TENANT_ID})

    assert ">bob@contoso.com<" in text(response)
    assert ">alice@contoso.com<" not in text(response)


def test_identities_cannot_be_added_by_hand(admin_client):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_change_page_is_read_only(admin_client):
    link = linked_user("alice")

    response = admin_client.get(f"{CHANGELIST}{link.pk}/change/")

    assert response.status_code == 200
    assert f'<div class="readonly">{DEFAULT_TENANT_ID}</div>' in text(response)
    assert f'<div class="readonly">{link.microsoft_id}</div>' in text(response)
    assert 'name="tenant_id"' not in text(response)
    assert 'name="_save"' not in text(response)


def test_posting_a_change_changes_nothing(admin_client):
    link = linked_user("alice")

    response = admin_client.post(
        f"{CHANGELIST}{link.pk}/change/",
        {"tenant_id": OTHER_TENANT_ID, "microsoft_id": "forged", "user_principal_name": "x"},
    )

    assert response.status_code == 403
    stored = MicrosoftSSOUser.objects.get()
    assert (stored.tenant_id, stored.microsoft_id) == (DEFAULT_TENANT_ID, link.microsoft_id)
    assert stored.microsoft_id != "forged"
    assert stored.user_principal_name == "alice@contoso.com"


def test_change_page_shows_the_picture_through_its_view(admin_client):
    link = linked_user("alice")

    response = admin_client.get(f"{CHANGELIST}{link.pk}/change/")

    assert f'<img src="/microsoft_sso/picture/{link.user_id}/"' in text(response)
    assert "base64" not in text(response)


def test_no_picture_shows_none(admin_client):
    link = linked_user("alice", picture=None)

    response = admin_client.get(f"{CHANGELIST}{link.pk}/change/")

    assert "/microsoft_sso/picture/" not in text(response)


def test_deleting_an_identity_unlinks_the_user(admin_client):
    link = linked_user("alice")

    response = admin_client.post(f"{CHANGELIST}{link.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not MicrosoftSSOUser.objects.exists()
    assert get_user_model().objects.filter(username="alice").exists()


def test_staff_needs_the_view_permission(client):
    linked_user("alice")
    staff_with(client)

    assert client.get(CHANGELIST).status_code == 403


def test_staff_with_view_permission_sees_but_cannot_change(client):
    link = linked_user("alice")
    staff_with(client, "view_microsoftssouser")

    assert ">alice@contoso.com<" in text(client.get(CHANGELIST))
    response = client.get(f"{CHANGELIST}{link.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in text(response)
    assert client.post(f"{CHANGELIST}{link.pk}/delete/", {"post": "yes"}).status_code == 403


# -- the inline, on a user admin set up as the docs say (tests/project/inline_admin.py) ---------


def test_inline_shows_the_identity_on_the_user_page(admin_client):
    link = linked_user("alice")

    response = admin_client.get(f"/inline-admin/auth/user/{link.user_id}/change/")

    assert response.status_code == 200
    assert "Microsoft identity" in text(response)
    for value in (DEFAULT_TENANT_ID, link.microsoft_id, "alice@contoso.com"):
        assert f'<div class="readonly">{value}</div>' in text(response)
    assert f'<img src="/microsoft_sso/picture/{link.user_id}/"' in text(response)
    assert "base64" not in text(response)


def test_inline_is_read_only(admin_client):
    link = linked_user("alice")

    response = admin_client.get(f"/inline-admin/auth/user/{link.user_id}/change/")

    assert 'name="microsoftssouser-0-tenant_id"' not in text(response)
    assert 'name="microsoftssouser-0-DELETE"' not in text(response)
    assert "microsoftssouser-__prefix__" not in text(response)  # no empty form to add one


def test_saving_the_user_keeps_the_identity(admin_client):
    link = linked_user("alice")
    page = admin_client.get(f"/inline-admin/auth/user/{link.user_id}/change/")
    form = page.context["adminform"].form
    data = {
        name: form.initial.get(name) or ""
        for name in ("username", "first_name", "last_name", "email")
    }
    data.update(
        {
            "first_name": "Alice",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
            "microsoftssouser-TOTAL_FORMS": "1",
            "microsoftssouser-INITIAL_FORMS": "1",
            "microsoftssouser-MIN_NUM_FORMS": "0",
            "microsoftssouser-MAX_NUM_FORMS": "1",
            "microsoftssouser-0-id": str(link.pk),
            "microsoftssouser-0-user": str(link.user_id),
            "microsoftssouser-0-tenant_id": OTHER_TENANT_ID,
        }
    )

    response = admin_client.post(f"/inline-admin/auth/user/{link.user_id}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert get_user_model().objects.get(pk=link.user_id).first_name == "Alice"
    link.refresh_from_db()
    assert link.tenant_id == DEFAULT_TENANT_ID


def test_user_without_identity_has_an_empty_inline(admin_client):
    carol = get_user_model().objects.create_user("carol")

    response = admin_client.get(f"/inline-admin/auth/user/{carol.pk}/change/")

    assert response.status_code == 200
    assert "/microsoft_sso/picture/" not in text(response)
    assert 'name="microsoftssouser-0-tenant_id"' not in text(response)


def test_inline_shown_to_whoever_may_view_the_user(client):
    link = linked_user("alice")
    staff_with(client, "view_user")

    response = client.get(f"/inline-admin/auth/user/{link.user_id}/change/")

    assert response.status_code == 200
    assert f'<div class="readonly">{link.microsoft_id}</div>' in text(response)
    assert client.get(f"/microsoft_sso/picture/{link.user_id}/").content == TINY_PNG


# -- group mappings: only a superuser may grant more than they hold -------------------------------

MAPPINGS = "/admin/django_microsoft_sso/groupmapping/"
MAPPING_PERMISSIONS = ("view_groupmapping", "add_groupmapping", "change_groupmapping")
ONLY_SUPERUSER_FLAGS = "Only a superuser may grant staff or superuser status through a mapping."


def group_with(name, *codenames):
    group = Group.objects.create(name=name)
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    return group


def errors_of(response):
    """The form's errors, as the page shows them."""
    assert response.status_code == 200, response
    form = response.context["adminform"].form
    return [str(error) for errors in form.errors.values() for error in errors]


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_cannot_add_a_mapping_that_grants_a_flag(client, flag):
    staff_with(client, *MAPPING_PERMISSIONS)

    response = client.post(f"{MAPPINGS}add/", {"kind": "role", "source": "Site.Admin", flag: "on"})

    assert errors_of(response) == [ONLY_SUPERUSER_FLAGS]
    assert not GroupMapping.objects.exists()


def test_staff_cannot_map_to_a_group_holding_permissions_they_lack(client):
    staff_with(client, *MAPPING_PERMISSIONS)
    admins = group_with("Admins", "change_user", "delete_user")

    response = client.post(
        f"{MAPPINGS}add/", {"kind": "role", "source": "Site.Admin", "django_group": admins.pk}
    )

    assert errors_of(response) == [
        "Only a superuser may map to the Django group Admins: it holds permissions you do not "
        "have."
    ]
    assert not GroupMapping.objects.exists()


def test_staff_may_map_to_a_group_within_their_own_permissions(client):
    staff_with(client, *MAPPING_PERMISSIONS, "view_user")
    readers = group_with("Readers", "view_user")

    response = client.post(
        f"{MAPPINGS}add/", {"kind": "role", "source": "Site.Read", "django_group": readers.pk}
    )

    assert response.status_code == 302
    assert GroupMapping.objects.get().django_group == readers


def test_staff_cannot_turn_a_mapping_into_a_superuser_grant(client):
    readers = group_with("Readers")
    mapping = GroupMapping.objects.create(kind="role", source="Site.Read", django_group=readers)
    staff_with(client, *MAPPING_PERMISSIONS)

    response = client.post(
        f"{MAPPINGS}{mapping.pk}/change/",
        {"kind": "role", "source": "Site.Read", "django_group": readers.pk, "is_superuser": "on"},
    )

    assert errors_of(response) == [ONLY_SUPERUSER_FLAGS]
    mapping.refresh_from_db()
    assert not mapping.is_superuser


@pytest.fixture
def superuser_mapping():
    return GroupMapping.objects.create(kind="role", source="Site.Admin", is_superuser=True)


def test_staff_cannot_change_a_privileged_mapping(client, superuser_mapping):
    staff_with(client, *MAPPING_PERMISSIONS)
    page = client.get(f"{MAPPINGS}{superuser_mapping.pk}/change/")

    response = client.post(
        f"{MAPPINGS}{superuser_mapping.pk}/change/",
        {"kind": "role", "source": "Their.Own.Role", "is_superuser": "on"},
    )

    assert page.status_code == 200
    assert 'name="_save"' not in text(page)
    assert response.status_code == 403
    superuser_mapping.refresh_from_db()
    assert superuser_mapping.source == "Site.Admin"


def test_staff_cannot_delete_a_privileged_mapping(client, superuser_mapping):
    staff_with(client, *MAPPING_PERMISSIONS, "delete_groupmapping")

    one = client.post(f"{MAPPINGS}{superuser_mapping.pk}/delete/", {"post": "yes"})
    many = client.post(
        MAPPINGS,
        {"action": "delete_selected", "_selected_action": [superuser_mapping.pk], "post": "yes"},
    )

    assert one.status_code == 403
    assert many.status_code == 403
    assert GroupMapping.objects.filter(pk=superuser_mapping.pk).exists()


def test_staff_may_delete_a_mapping_within_their_permissions(client):
    mapping = GroupMapping.objects.create(
        kind="role", source="Site.Read", django_group=group_with("Readers")
    )
    staff_with(client, *MAPPING_PERMISSIONS, "delete_groupmapping")

    response = client.post(
        MAPPINGS, {"action": "delete_selected", "_selected_action": [mapping.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert not GroupMapping.objects.exists()


def test_superuser_may_grant_anything(admin_client, superuser_mapping):
    admins = group_with("Admins", "change_user", "delete_user")

    added = admin_client.post(
        f"{MAPPINGS}add/",
        {
            "kind": "group",
            "source": str(uuid.uuid4()),
            "django_group": admins.pk,
            "is_staff": "on",
        },
    )
    changed = admin_client.post(
        f"{MAPPINGS}{superuser_mapping.pk}/change/",
        {"kind": "role", "source": "Site.Owner", "is_superuser": "on"},
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    assert GroupMapping.objects.filter(django_group=admins, is_staff=True).exists()
    superuser_mapping.refresh_from_db()
    assert superuser_mapping.source == "Site.Owner"
