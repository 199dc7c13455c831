"""Sign-in with a project's own user model: e-mail as the username and a ``job_title`` field.

These run under ``tests.project.settings_custom_user`` only (``tox -e custom-user``, and the second run
of ``scripts/test``); under the default settings the module is skipped.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from django_microsoft_sso.models import MicrosoftSSOUser

if django_settings.AUTH_USER_MODEL != "custom_user.User":
    pytest.skip(
        "needs the custom user model: pytest --ds=tests.project.settings_custom_user",
        allow_module_level=True,
    )

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parent.parent / "README.md"
HOOK = Path(__file__).resolve().parent / "project" / "custom_user" / "hooks.py"
HOOK_PATH = "tests.project.custom_user.hooks.pre_login_user"


@pytest.fixture
def readme_hook(settings):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = HOOK_PATH


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_first_sign_in_creates_custom_user(client, microsoft):
    alice = microsoft.add_user(
        "alice@contoso.com", mail="alice@contoso.com", given_name="Alice", surname="Liddell"
    )

    response = microsoft.login(client, alice, next="/private/")

    assert response.status_code == 302
    assert response.url == "/private/"
    user = get_user_model().objects.get()
    assert user.email == "alice@contoso.com"
    assert (user.first_name, user.last_name, user.job_title) == ("Alice", "Liddell", "")
    assert not user.has_usable_password()
    assert not hasattr(user, "username")
    link = MicrosoftSSOUser.objects.get()
    assert (link.user, link.microsoft_id) == (user, alice.object_id)
    assert client.get("/private/").content == b"private page of alice@contoso.com"


def test_first_sign_in_links_existing_custom_user_whose_email_is_the_upn(client, microsoft):
    User = get_user_model()
    bob = User.objects.create_user("bob@contoso.com", "pw", job_title="Engineer")
    microsoft_bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com", given_name="Bob")

    response = microsoft.login(client, microsoft_bob, next="/private/")

    assert response.url == "/private/"
    assert User.objects.get() == bob
    bob.refresh_from_db()
    assert bob.job_title == "Engineer"
    assert MicrosoftSSOUser.objects.get().user == bob
    assert client.get("/private/").content == b"private page of bob@contoso.com"


@pytest.fixture
def alice(alice):
    alice.surname, alice.job_title = "Liddell", "Product Manager"
    return alice


def test_readme_hook_copies_graph_profile_into_custom_user(client, microsoft, readme_hook, alice):

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    user = get_user_model().objects.get()
    assert user.job_title == "Product Manager"
    token = client.session["microsoft_sso_access_token"]
    [(_, hook_request)] = [call for call in microsoft.calls if call[0] == "me"]
    assert str(hook_request.url) == "https://graph.microsoft.com/v1.0/me/"
    assert hook_request.headers["Authorization"] == f"Bearer {token}"


def test_readme_hook_updates_custom_user_at_every_sign_in(client, microsoft, readme_hook, alice):
    microsoft.login(client, alice)
    # Her profile changes in Microsoft; ALWAYS_UPDATE_USER_DATA is off, so only the hook
    # brings the change in.
    alice.given_name, alice.surname = "Alicia", "Hargreaves"
    alice.mail, alice.job_title = "alicia.hargreaves@contoso.com", "Director"
    client.post("/microsoft_sso/logout/")

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    user = get_user_model().objects.get()
    assert (user.first_name, user.last_name) == ("Alicia", "Hargreaves")
    assert (user.email, user.job_title) == ("alicia.hargreaves@contoso.com", "Director")
    assert MicrosoftSSOUser.objects.get().user == user
    assert client.get("/private/").content == b"private page of alicia.hargreaves@contoso.com"


def test_readme_hook_without_saved_token_refuses_and_keeps_nothing(client, microsoft, settings):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = HOOK_PATH  # SAVE_ACCESS_TOKEN left off
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    response = microsoft.login(client, alice, next="/private/")

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert shown_messages(response) == [
        "Your sign-in could not be completed. Please contact your administrator."
    ]
    assert not get_user_model().objects.exists()
    assert not MicrosoftSSOUser.objects.exists()
    assert "_auth_user_id" not in client.session
    assert client.get("/private/").status_code == 302


def test_readme_documents_this_hook_word_for_word():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert HOOK.read_text(encoding="utf-8") in blocks


def test_flags_a_mapping_granted_hold_for_microsoft_sign_ins_only(client, microsoft, settings):
    """The custom model's e-mail signs in on the admin's form; the mapped flags need Microsoft."""
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser"}
    User = get_user_model()
    User.objects.create_user("alice@contoso.com", "old password")
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", roles=["Site.Admin"])
    microsoft.login(client, alice)
    client.logout()
    user = User.objects.get()
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, True, False)
    credentials = {"username": "alice@contoso.com", "next": "/admin/"}

    response = client.post("/admin/login/", {**credentials, "password": "old password"})
    assert response.status_code == 200  # refused: the password no longer signs in

    user.set_password("set by an administrator")
    user.save()
    response = client.post("/admin/login/", {**credentials, "password": "set by an administrator"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert client.get("/admin/").status_code == 302
