"""The picture view: to the person and to staff, with an ETag, never to anyone else."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, TINY_PNG

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x00"


def linked_user(username, picture=TINY_PNG, **fields):
    user = get_user_model().objects.create_user(username, **fields)
    MicrosoftSSOUser.objects.create(
        user=user,
        tenant_id=DEFAULT_TENANT_ID,
        microsoft_id=f"oid-{username}",
        user_principal_name=f"{username}@contoso.com",
        picture_raw=picture,
    )
    return user


def url(user):
    return f"/microsoft_sso/picture/{user.pk}/"


def etag_of(data):
    return f'"{hashlib.sha256(data).hexdigest()}"'


def test_the_person_gets_their_picture(client):
    alice = linked_user("alice")
    client.force_login(alice)

    response = client.get(url(alice))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == TINY_PNG
    assert response["ETag"] == etag_of(TINY_PNG)
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_same_etag_answers_not_modified(client):
    alice = linked_user("alice")
    client.force_login(alice)

    response = client.get(url(alice), HTTP_IF_NONE_MATCH=etag_of(TINY_PNG))

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag_of(TINY_PNG)


def test_a_new_picture_gets_a_new_etag(client):
    alice = linked_user("alice")
    client.force_login(alice)
    old_etag = client.get(url(alice))["ETag"]
    MicrosoftSSOUser.objects.filter(user=alice).update(picture_raw=JPEG)

    response = client.get(url(alice), HTTP_IF_NONE_MATCH=old_etag)

    assert response.status_code == 200
    assert response.content == JPEG
    assert response["ETag"] != old_etag


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(TINY_PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_content_type_from_the_image_itself(client, data, content_type):
    alice = linked_user("alice", picture=data)
    client.force_login(alice)

    response = client.get(url(alice))

    assert response["Content-Type"] == content_type
    assert response.content == data


@pytest.mark.parametrize("data", [None, b"", b"<svg onload=alert(1)>", b"<html>not an image"])
def test_no_picture_is_not_found(client, data):
    alice = linked_user("alice", picture=data)
    client.force_login(alice)

    assert client.get(url(alice)).status_code == 404


def test_user_without_microsoft_identity_is_not_found(client):
    carol = get_user_model().objects.create_user("carol")
    client.force_login(carol)

    assert client.get(url(carol)).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    alice = linked_user("alice")

    response = client.get(url(alice))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/microsoft_sso/picture/{alice.pk}/"


def test_another_user_gets_nothing(client):
    alice = linked_user("alice")
    client.force_login(linked_user("bob"))

    response = client.get(url(alice))

    assert response.status_code == 404
    assert TINY_PNG not in response.content


def test_staff_without_permission_gets_nothing(client):
    alice = linked_user("alice")
    client.force_login(get_user_model().objects.create_user("sam", is_staff=True))

    assert client.get(url(alice)).status_code == 404


@pytest.mark.parametrize(
    "permission", [("auth", "view_user"), ("django_microsoft_sso", "view_microsoftssouser")]
)
def test_staff_who_may_view_users_get_it(client, permission):
    alice = linked_user("alice")
    staff = get_user_model().objects.create_user("sam", is_staff=True)
    app_label, codename = permission
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    client.force_login(staff)

    response = client.get(url(alice))

    assert response.status_code == 200
    assert response.content == TINY_PNG


def test_permission_without_staff_status_is_not_enough(client):
    alice = linked_user("alice")
    viewer = get_user_model().objects.create_user("val")
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)

    assert client.get(url(alice)).status_code == 404


def test_superuser_gets_it(admin_client):
    alice = linked_user("alice")

    assert admin_client.get(url(alice)).content == TINY_PNG


def test_an_etag_does_not_answer_someone_not_allowed(client):
    alice = linked_user("alice")
    client.force_login(linked_user("bob"))

    response = client.get(url(alice), HTTP_IF_NONE_MATCH=etag_of(TINY_PNG))

    assert response.status_code == 404


@pytest.mark.parametrize("pk", ["abc", "1.5", "-"])
def test_not_a_user_id_is_not_found(client, pk):
    client.force_login(linked_user("alice"))

    assert client.get(f"/microsoft_sso/picture/{pk}/").status_code == 404


def test_only_reading_is_allowed(client):
    alice = linked_user("alice")
    client.force_login(alice)

    assert client.post(url(alice)).status_code == 405
    assert client.head(url(alice)).status_code == 200


def test_picture_saved_by_a_sign_in_is_served(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", photo=TINY_PNG)
    microsoft.login(client, alice, next="/private/")
    user = get_user_model().objects.get(username="alice@contoso.com")

    response = client.get(f"/microsoft_sso/picture/{user.pk}/")

    assert response.status_code == 200
    assert response.content == TINY_PNG
