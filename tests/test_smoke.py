import pytest
from django.contrib.auth import get_user_model

from django_microsoft_sso.models import MicrosoftSSOUser

pytestmark = pytest.mark.django_db


def test_first_sign_in_creates_user(client, microsoft, logs):
    alice = microsoft.add_user(
        "alice@contoso.com",
        mail="alice@contoso.com",
        given_name="Alice",
        surname="Liddell",
        photo=b"\x89PNG\r\n\x1a\n" + b"0" * 20,
    )
    response = microsoft.login(client, alice, next="/private/?a=1")
    print(logs)
    assert response.status_code == 302, response
    assert response.url == "/private/?a=1"
    user = get_user_model().objects.get()
    assert user.username == "alice@contoso.com"
    link = MicrosoftSSOUser.objects.get()
    assert link.microsoft_id == alice.object_id
    assert client.get("/private/?a=1").content == b"private page of alice@contoso.com"
    print(microsoft.calls)
