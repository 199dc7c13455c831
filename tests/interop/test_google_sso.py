"""django-google-sso 10.x installed beside this package (tox -e google-sso, with
tests.project.settings_google_sso).

That package renders the admin login page with its own template, which draws one button per
installed provider app through the sibling contract (``conf`` attributes, the start URL's name,
the stylesheet). These tests read that page as a browser gets it: both buttons, once each, in
``INSTALLED_APPS`` order, ours with its logo and stylesheet, and ours starting our sign-in.
"""

import html
import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.checks import run_checks
from django.core.management import call_command

if importlib.util.find_spec("django_google_sso") is None:
    pytest.skip("django-google-sso is not installed: tox -e google-sso", allow_module_level=True)
if not apps.is_installed("django_google_sso"):
    pytest.skip(
        "needs tests.project.settings_google_sso: tox -e google-sso", allow_module_level=True
    )

pytestmark = pytest.mark.django_db

# Their markup: <div class="google-login-btn"><a class="btn-content" href="…" role="button">
THEIR_BUTTON = re.compile(r'<div class="(\w+)-login-btn">\s*<a class="btn-content" href="([^"]*)"')
OUR_BUTTON = re.compile(r'class="sso-login__button')
GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/auth?"


def page(response):
    return response.content.decode()


def buttons(response):
    """[(provider, link)] of the sign-in buttons on the page, in page order."""
    return [(name, html.unescape(href)) for name, href in THEIR_BUTTON.findall(page(response))]


def follow_their_script(link, login_page_query):
    """The link as their page's script rewrites it on click: ``?next=`` and the page's ``next``.

    The script appends ``"?next=" + URLSearchParams(location.search).get("next")``, which is
    the text ``null`` when the login page has no ``next``.
    """
    return f"{link}?next={login_page_query.get('next', 'null')}"


def in_order(settings, *first):
    """Put ``first`` (app names) at the head of ``INSTALLED_APPS``, in that order."""
    rest = [app for app in settings.INSTALLED_APPS if app not in first]
    settings.INSTALLED_APPS = [*first, *rest]


@pytest.mark.parametrize(
    ("installed", "order"),
    [
        (("django_microsoft_sso", "django_google_sso"), ["microsoft", "google"]),
        (("django_google_sso", "django_microsoft_sso"), ["google", "microsoft"]),
    ],
)
def test_both_buttons_once_each_in_installed_apps_order(client, settings, installed, order):
    in_order(settings, *installed)

    response = client.get("/admin/login/", {"next": "/admin/auth/user/"})

    assert response.status_code == 200
    assert [name for name, _ in buttons(response)] == order
    assert dict(buttons(response)) == {
        "microsoft": "/microsoft_sso/login/",
        "google": "/google_sso/login/",
    }
    assert not OUR_BUTTON.search(page(response)), "our own buttons drawn a second time"
    assert page(response).count('id="login-form"') == 1
    assert page(response).count("Sign in with Microsoft") == 1
    assert page(response).count("Sign in with Google") == 1


def test_buttons_show_when_the_admin_comes_before_both(client, settings):
    """Their template draws the page: our own admin/login.html is not needed, and W004 is quiet."""
    admin = "django.contrib.admin"
    rest = [app for app in settings.INSTALLED_APPS if app != admin]
    settings.INSTALLED_APPS = [admin, *rest]

    response = client.get("/admin/login/")

    assert [name for name, _ in buttons(response)] == ["microsoft", "google"]
    assert [m.id for m in run_checks() if m.id.startswith("django_microsoft_sso.")] == []


def test_our_button_has_our_logo_and_stylesheet(client):
    response = client.get("/admin/login/")

    assert 'src="/static/django_microsoft_sso/microsoft_logo.svg"' in page(response)
    assert 'src="None"' not in page(response)
    assert page(response).count('href="/static/django_microsoft_sso/microsoft_button.css"') == 1
    assert finders.find("django_microsoft_sso/microsoft_logo.svg")
    stylesheet = Path(finders.find("django_microsoft_sso/microsoft_button.css")).read_text()
    for their_class in (".microsoft-login-btn", ".microsoft-btn-logo", ".microsoft-btn-label"):
        assert their_class in stylesheet
    assert 'html[data-theme="dark"] .microsoft-login-btn' in stylesheet


def test_our_text_and_logo_settings_reach_their_page(client, settings):
    settings.MICROSOFT_SSO_TEXT = lambda request: f"Staff of {request.get_host()}"
    settings.MICROSOFT_SSO_LOGO_URL = "branding/contoso.svg"

    response = client.get("/admin/login/", HTTP_HOST="app.example.com")

    assert "Staff of app.example.com" in page(response)
    assert 'src="/static/branding/contoso.svg"' in page(response)


@pytest.mark.parametrize(
    ("switch", "value"),
    [
        ("MICROSOFT_SSO_ENABLED", False),
        ("MICROSOFT_SSO_ADMIN_ENABLED", lambda request: False),
    ],
)
def test_our_switches_hide_our_button_on_their_page(client, settings, switch, value):
    setattr(settings, switch, value)

    response = client.get("/admin/login/")

    assert [name for name, _ in buttons(response)] == ["google"]
    assert "Sign in with Microsoft" not in page(response)


@pytest.mark.parametrize(
    "switches",
    [
        {"MICROSOFT_SSO_PAGES_ENABLED": False},
        {"MICROSOFT_SSO_ADMIN_ENABLED": True, "MICROSOFT_SSO_PAGES_ENABLED": False},
        {"MICROSOFT_SSO_ENABLED": lambda request: True, "MICROSOFT_SSO_PAGES_ENABLED": False},
    ],
)
def test_admin_only_sign_in_keeps_our_button_on_their_page(client, settings, switches):
    """An unset switch follows MICROSOFT_SSO_ENABLED on their page too, as on ours."""
    for name, value in switches.items():
        setattr(settings, name, value)

    response = client.get("/admin/login/")

    assert [name for name, _ in buttons(response)] == ["microsoft", "google"]


def test_without_the_password_form_both_buttons_stay(client, settings):
    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = False

    response = client.get("/admin/login/")

    assert [name for name, _ in buttons(response)] == ["microsoft", "google"]
    assert 'id="login-form"' not in page(response)


def test_our_button_starts_our_sign_in_and_keeps_next(client, microsoft, django_user_model):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    query = {"next": "/private/?tab=2"}
    [(_, link)] = [b for b in buttons(client.get("/admin/login/", query)) if b[0] == "microsoft"]

    start = client.get(follow_their_script(link, query))
    assert start.status_code == 302
    assert microsoft.is_authorize_url(start["Location"])

    response = microsoft.login(client, alice, start_url=follow_their_script(link, query))
    assert (response.status_code, response["Location"]) == (302, "/private/?tab=2")
    assert client.get("/private/", {"tab": "2"}).content == b"private page of alice@contoso.com"
    assert django_user_model.objects.get().email == "alice@contoso.com"


def test_their_null_next_lands_on_next_url(client, microsoft, settings):
    """Without ``next`` on the login page their script sends ``next=null``: not a place to land."""
    settings.MICROSOFT_SSO_NEXT_URL = "/private/"
    alice = microsoft.add_user("alice@contoso.com")
    [(_, link)] = [b for b in buttons(client.get("/admin/login/")) if b[0] == "microsoft"]

    response = microsoft.login(client, alice, start_url=follow_their_script(link, {}))

    assert (response.status_code, response["Location"]) == (302, "/private/")


def test_their_button_still_goes_to_google(client):
    [(_, link)] = [b for b in buttons(client.get("/admin/login/")) if b[0] == "google"]

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"].startswith(GOOGLE_AUTHORIZE)


@pytest.mark.parametrize(
    "installed",
    [("django_microsoft_sso", "django_google_sso"), ("django_google_sso", "django_microsoft_sso")],
)
def test_manage_py_check_is_quiet(settings, capsys, installed):
    in_order(settings, *installed)

    call_command("check", fail_level="WARNING")

    assert capsys.readouterr().out == "System check identified no issues (0 silenced).\n"


# -- 7.x's tag libraries (how.md, third_party_admins.md), which both packages name alike --------


@pytest.mark.parametrize(
    "installed",
    [("django_microsoft_sso", "django_google_sso"), ("django_google_sso", "django_microsoft_sso")],
)
def test_7x_tag_libraries_draw_both_buttons_in_either_order(rf, settings, installed):
    from django.template import RequestContext, Template

    in_order(settings, *installed)
    request = rf.get("/admin/login/")
    source = (
        "{% load sso_tags show_form %}{% define_sso_providers as providers %}"
        "{% define_show_form as show_form %}"
        "{% for p in providers %}{{ p.name }} {% endfor %}{{ show_form }}"
    )

    output = Template(source).render(RequestContext(request))

    assert sorted(output.split()[:-1]) == ["google", "microsoft"]
    assert output.split()[-1] == "True"


def test_our_async_helpers_list_both_providers(rf):
    from asgiref.sync import async_to_sync

    from django_microsoft_sso.utils import adefine_sso_providers

    providers = async_to_sync(adefine_sso_providers)(rf.get("/admin/login/"))

    assert [provider["name"] for provider in providers] == ["microsoft", "google"]
