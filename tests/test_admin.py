"""The admin of Microsoft identities, and the inline a project adds to its user admin."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from django_microsoft_sso.models import MicrosoftSSOUser
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


# -- the inline, on a user admin set up as the docs say (tests/inline_admin.py) -----------------


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
