"""The admin login page: the "Sign in with Microsoft" button, its switches, and sibling providers."""

import html
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders

from django_microsoft_sso.helpers import is_admin_path, is_page_path

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'<a class="sso-login__button sso-login__button--(\w+)[^"]*" href="([^"]*)"')
SIBLING_PACKAGES = Path(__file__).parent / "project" / "sibling_packages"


def text(response):
    """The page as the browser gets it."""
    return response.content.decode()


def buttons(response):
    """[(provider, start URL)] of the sign-in buttons on the page, in page order."""
    return [(name, html.unescape(href)) for name, href in BUTTON.findall(text(response))]


def test_button_above_the_password_form(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert buttons(response) == [("microsoft", "/microsoft_sso/login/?next=%2Fadmin%2F")]
    assert "Sign in with Microsoft" in text(response)
    assert 'src="/static/django_microsoft_sso/microsoft_logo.svg"' in text(response)
    assert 'href="/static/django_microsoft_sso/microsoft_button.css"' in text(response)
    assert text(response).index("sso-login__button") < text(response).index('id="login-form"')
    assert ">or<" in text(response)


def test_nothing_comes_from_another_site(client):
    response = client.get("/admin/login/")

    assert not re.search(r'(src|href)="(https?:)?//', text(response))
    assert "<script" not in text(response).split('id="content-start"')[1]


def test_next_is_kept_and_url_encoded(client):
    response = client.get("/admin/login/", {"next": "/admin/auth/user/?q=a b&o=1"})

    assert buttons(response) == [
        ("microsoft", "/microsoft_sso/login/?next=%2Fadmin%2Fauth%2Fuser%2F%3Fq%3Da+b%26o%3D1")
    ]


def test_button_signs_in_and_lands_on_next(client, microsoft, settings):
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["alice@contoso.com"]
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    page = client.get("/admin/login/", {"next": "/admin/auth/user/?q=a b"})
    [(_, start_url)] = buttons(page)

    response = microsoft.login(client, alice, start_url=start_url)

    assert response.status_code == 302
    assert response["Location"] == "/admin/auth/user/?q=a%20b"
    assert client.get("/admin/auth/user/", {"q": "a b"}).status_code == 200


def test_text_and_logo_from_settings(client, settings):
    settings.MICROSOFT_SSO_TEXT = "Contoso staff sign-in"
    settings.MICROSOFT_SSO_LOGO_URL = "https://intranet.contoso.com/logo.png"

    response = client.get("/admin/login/")

    assert "Contoso staff sign-in" in text(response)
    assert "Sign in with Microsoft" not in text(response)
    assert 'src="https://intranet.contoso.com/logo.png"' in text(response)


def test_logo_as_a_static_path(client, settings):
    settings.MICROSOFT_SSO_LOGO_URL = "branding/contoso.svg"

    response = client.get("/admin/login/")

    assert 'src="/static/branding/contoso.svg"' in text(response)


def test_text_and_logo_may_be_callables(client, settings):
    settings.MICROSOFT_SSO_TEXT = lambda request: f"Sign in to {request.get_host()}"
    settings.MICROSOFT_SSO_LOGO_URL = lambda request: f"/logos/{request.get_host()}.svg"

    response = client.get("/admin/login/", HTTP_HOST="app.example.com")

    assert "Sign in to app.example.com" in text(response)
    assert 'src="/logos/app.example.com.svg"' in text(response)


@pytest.mark.parametrize(
    ("switches", "shown"),
    [
        ({}, True),
        ({"MICROSOFT_SSO_ENABLED": False}, False),
        ({"MICROSOFT_SSO_ADMIN_ENABLED": False}, False),
        ({"MICROSOFT_SSO_ADMIN_ENABLED": True, "MICROSOFT_SSO_ENABLED": False}, False),
        ({"MICROSOFT_SSO_PAGES_ENABLED": False}, True),
        ({"MICROSOFT_SSO_ADMIN_ENABLED": None, "MICROSOFT_SSO_ENABLED": True}, True),
        ({"MICROSOFT_SSO_ADMIN_ENABLED": is_admin_path}, True),
        ({"MICROSOFT_SSO_ADMIN_ENABLED": is_page_path}, False),
        ({"MICROSOFT_SSO_ENABLED": is_admin_path}, True),
    ],
)
def test_switches(client, settings, switches, shown):
    for name, value in switches.items():
        setattr(settings, name, value)

    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert ("Sign in with Microsoft" in text(response)) is shown
    assert ("microsoft_button.css" in text(response)) is shown
    assert 'id="login-form"' in text(response)


@pytest.mark.parametrize("setting", ["MICROSOFT_SSO_ENABLED", "MICROSOFT_SSO_ADMIN_ENABLED"])
def test_switch_as_a_callable_of_the_request(client, settings, setting):
    setattr(settings, setting, lambda request: request.get_host() == "app.example.com")

    on_site = client.get("/admin/login/", HTTP_HOST="app.example.com")
    elsewhere = client.get("/admin/login/", HTTP_HOST="localhost")

    assert "Sign in with Microsoft" in text(on_site)
    assert "Sign in with Microsoft" not in text(elsewhere)


def test_admin_enabled_unset_follows_enabled_callable(client, settings):
    settings.MICROSOFT_SSO_ENABLED = lambda request: request.get_host() == "localhost"
    settings.MICROSOFT_SSO_ADMIN_ENABLED = None

    assert "Sign in with Microsoft" in text(client.get("/admin/login/", HTTP_HOST="localhost"))
    assert "Sign in with Microsoft" not in text(client.get("/admin/login/"))


def test_form_hidden_when_asked(client, settings):
    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = False

    response = client.get("/admin/login/", {"next": "/admin/auth/"})

    assert 'id="login-form"' not in text(response)
    assert 'name="password"' not in text(response)
    assert ">or<" not in text(response)
    assert buttons(response) == [("microsoft", "/microsoft_sso/login/?next=%2Fadmin%2Fauth%2F")]


def test_form_hidden_by_a_callable(client, settings):
    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = lambda request: request.get_host() == "localhost"

    assert 'id="login-form"' in text(client.get("/admin/login/", HTTP_HOST="localhost"))
    assert 'id="login-form"' not in text(client.get("/admin/login/"))


def test_form_stays_when_there_is_no_button_to_use_instead(client, settings):
    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = False
    settings.MICROSOFT_SSO_ADMIN_ENABLED = False

    response = client.get("/admin/login/")

    assert 'id="login-form"' in text(response)
    assert "sso-login" not in text(response)


def test_hidden_form_still_tells_a_signed_in_non_staff_user(client, settings):
    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = False
    client.force_login(get_user_model().objects.create_user("bob"))

    response = client.get("/admin/login/")

    assert "You are authenticated as bob, but are not authorized" in text(response)
    assert buttons(response)


def test_password_form_still_works(client):
    get_user_model().objects.create_user("carol", password="pw-carol", is_staff=True)

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "carol", "password": "pw-carol", "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_project_override_of_the_admin_login_keeps_the_button(client, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [Path(__file__).parent / "project" / "project_templates"],
        }
    ]

    response = client.get("/admin/login/")

    assert "Project notice above the sign-in choices." in text(response)
    assert buttons(response) == [("microsoft", "/microsoft_sso/login/?next=%2Fadmin%2F")]
    assert 'id="login-form"' in text(response)
    page = text(response)
    assert (
        page.index("project-notice") < page.index("sso-login__button") < page.index("login-form")
    )


def test_the_default_user_admin_is_not_touched(admin_client):
    user = get_user_model().objects.get(username="admin")

    response = admin_client.get(f"/admin/auth/user/{user.pk}/change/")

    assert response.status_code == 200
    assert "Microsoft identity" not in text(response)


def test_stylesheet_has_dark_mode_and_logo_is_shipped():
    stylesheet = Path(finders.find("django_microsoft_sso/microsoft_button.css")).read_text()
    logo = Path(finders.find("django_microsoft_sso/microsoft_logo.svg")).read_text()

    assert "@media (prefers-color-scheme: dark)" in stylesheet
    assert 'html[data-theme="dark"] .sso-login' in stylesheet
    assert 'html:not([data-theme="light"]) .sso-login' in stylesheet
    for colour in ("#F25022", "#7FBA00", "#00A4EF", "#FFB900"):
        assert colour in logo


# -- sibling provider apps --------------------------------------------------------------------


@pytest.fixture
def acme(settings, monkeypatch):
    """The fake provider app ``django_acme_sso`` importable, its URLs included; not yet installed.

    ``monkeypatch`` takes ``tests/project/sibling_packages`` off ``sys.path`` again after the test, and
    the ``settings`` fixture puts ``INSTALLED_APPS`` and ``ROOT_URLCONF`` back.
    """
    monkeypatch.syspath_prepend(str(SIBLING_PACKAGES))
    settings.ROOT_URLCONF = "tests.project.urls_with_sibling"
    return settings


def install_acme(settings, *, before_us):
    """Install ``django_acme_sso`` right before or right after ``django_microsoft_sso``."""
    apps = list(settings.INSTALLED_APPS)
    position = apps.index("django_microsoft_sso") + (0 if before_us else 1)
    apps.insert(position, "django_acme_sso")
    settings.INSTALLED_APPS = apps


@pytest.mark.parametrize(
    ("before_us", "order"), [(True, ["acme", "microsoft"]), (False, ["microsoft", "acme"])]
)
def test_sibling_buttons_in_installed_apps_order(client, acme, before_us, order):
    install_acme(acme, before_us=before_us)

    response = client.get("/admin/login/", {"next": "/admin/auth/"})

    assert [name for name, _ in buttons(response)] == order
    assert dict(buttons(response)) == {
        "acme": "/acme_sso/login/?next=%2Fadmin%2Fauth%2F",
        "microsoft": "/microsoft_sso/login/?next=%2Fadmin%2Fauth%2F",
    }
    assert "Sign in with Acme" in text(response)
    assert 'src="/static/django_acme_sso/acme_logo.svg"' in text(response)
    assert 'href="/static/django_acme_sso/acme_button.css"' in text(response)
    assert text(response).count("microsoft_button.css") == 1


def test_sibling_button_leads_to_its_start_view(client, acme):
    install_acme(acme, before_us=False)
    [_, (_, acme_start)] = buttons(client.get("/admin/login/", {"next": "/admin/auth/"}))

    assert text(client.get(acme_start)) == "Acme sign-in towards /admin/auth/"


@pytest.mark.parametrize(
    "switches",
    [
        {"ACME_SSO_ENABLED": False},
        {"ACME_SSO_ADMIN_ENABLED": False},
        {"ACME_SSO_ENABLED": lambda request: False},
        {"ACME_SSO_ADMIN_ENABLED": lambda request: request.path.startswith("/elsewhere/")},
    ],
)
def test_sibling_switched_off(client, acme, switches):
    install_acme(acme, before_us=True)
    for name, value in switches.items():
        setattr(acme, name, value)

    response = client.get("/admin/login/")

    assert [name for name, _ in buttons(response)] == ["microsoft"]
    assert "acme_button.css" not in text(response)


def test_sibling_settings_may_be_callables(client, acme):
    install_acme(acme, before_us=True)
    acme.ACME_SSO_TEXT = lambda request: f"Acme for {request.get_host()}"
    acme.ACME_SSO_LOGO_URL = lambda request: None

    response = client.get("/admin/login/", HTTP_HOST="app.example.com")

    assert "Acme for app.example.com" in text(response)
    assert "acme_logo.svg" not in text(response)


def test_sibling_alone_still_gets_our_layout(client, acme):
    install_acme(acme, before_us=False)
    acme.MICROSOFT_SSO_ENABLED = False

    response = client.get("/admin/login/")

    assert [name for name, _ in buttons(response)] == ["acme"]
    assert 'href="/static/django_microsoft_sso/microsoft_button.css"' in text(response)


def test_sibling_without_its_urls_shows_no_button(client, acme):
    install_acme(acme, before_us=True)
    acme.ROOT_URLCONF = "tests.project.urls"

    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert [name for name, _ in buttons(response)] == ["microsoft"]
