"""``is_admin_path`` / ``is_page_path`` as switch settings, through whole sign-ins."""

import pytest
from django.contrib.messages import get_messages

from django_microsoft_sso.helpers import is_admin_path, is_page_path

pytestmark = pytest.mark.django_db


def text(response):
    """The page as the browser gets it."""
    return response.content.decode()


@pytest.fixture
def alice(alice, settings):
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["alice@contoso.com"]
    return alice


def refused(response):
    """The start view sent the browser back with the "not enabled" message."""
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    return response.status_code == 302 and messages == ["Sign in with Microsoft is not enabled."]


@pytest.mark.parametrize("next_url", ["/admin/", "/admin/auth/user/?q=x", "/%61dmin/"])
def test_enabled_for_the_admin_only_signs_in_to_the_admin(
    client, microsoft, alice, settings, next_url
):
    settings.MICROSOFT_SSO_ENABLED = is_admin_path

    response = microsoft.login(client, alice, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == next_url
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize("next_url", ["/private/", "/admin/../private/", "/"])
def test_enabled_for_the_admin_only_refuses_pages(client, microsoft, alice, settings, next_url):
    settings.MICROSOFT_SSO_ENABLED = is_admin_path

    response = microsoft.login(client, alice, next=next_url)

    assert response["Location"] == "/admin/login/"
    assert refused(response)
    assert microsoft.count("token") == 0
    assert "_auth_user_id" not in client.session


def test_admin_switched_to_page_paths_refuses_the_admin(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = is_page_path

    response = microsoft.login(client, alice, next="/admin/")

    assert refused(response)
    assert "_auth_user_id" not in client.session


def test_admin_switched_to_page_paths_signs_in_to_pages(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = is_page_path

    response = microsoft.login(client, alice, next="/private/")

    assert response["Location"] == "/private/"
    assert text(client.get("/private/")) == "private page of alice@contoso.com"


@pytest.mark.parametrize("next_url", ["/admin/", "/private/"])
def test_each_switch_on_its_own_area_lets_both_through(
    client, microsoft, alice, settings, next_url
):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = is_admin_path
    settings.MICROSOFT_SSO_PAGES_ENABLED = is_page_path

    response = microsoft.login(client, alice, next=next_url)

    assert response["Location"] == next_url
    assert client.session["_auth_user_id"]


def test_admin_route_setting_moves_the_admin(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_ENABLED = is_admin_path
    settings.SSO_ADMIN_ROUTE = "private"

    assert microsoft.login(client, alice, next="/private/")["Location"] == "/private/"
    assert refused(microsoft.login(client, alice, next="/admin/"))


def test_helpers_can_be_imported_by_a_settings_module():
    # A settings module imports them before Django is set up: they must not need the app registry.
    import subprocess
    import sys

    code = (
        "import sys; from django_microsoft_sso.helpers import is_admin_path, is_page_path; "
        "assert 'django_microsoft_sso.models' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
