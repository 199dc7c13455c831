"""The example project: its pages, a sign-in through the fake Microsoft, and its settings.

The pages run against the example's own URLconf and templates; the settings are read in a
separate ``manage.py`` process, as they are when someone starts the example.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from django_microsoft_sso.testing import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
)
from example_project import settings as example_settings

MANAGE = Path(example_settings.BASE_DIR) / "manage.py"
START = "/microsoft_sso/login/"
# The package's own button (microsoft_sso/buttons.html), logo and all.
BUTTON = re.compile(
    r'<a class="sso-login__button sso-login__button--microsoft[^"]*" href="([^"]+)">\s*'
    r'<img class="sso-login__logo[^>]*>\s*<span[^>]*>Sign in with Microsoft</span>'
)


@pytest.fixture
def example(settings):
    """Serve the example project's URLs and templates, with its sign-in settings."""
    settings.ROOT_URLCONF = "example_project.urls"
    settings.TEMPLATES = example_settings.TEMPLATES
    settings.MIDDLEWARE = example_settings.MIDDLEWARE
    settings.LOGIN_URL = example_settings.LOGIN_URL
    settings.MICROSOFT_SSO_NEXT_URL = example_settings.MICROSOFT_SSO_NEXT_URL
    settings.MICROSOFT_SSO_LOGOUT_REDIRECT_PATH = (
        example_settings.MICROSOFT_SSO_LOGOUT_REDIRECT_PATH
    )
    return settings


@pytest.fixture
def alice(alice):
    alice.surname = "Liddell"
    return alice


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


@pytest.mark.django_db
def test_home_offers_sign_in_with_microsoft(client, example):
    html = page(client, "/")

    assert "You are not signed in." in html
    button = BUTTON.search(html)
    assert button is not None, "the package's branded button"
    assert button.group(1) == f"{START}?next=%2Fprivate%2F"
    assert '<link rel="stylesheet" href="/static/django_microsoft_sso/' in html
    assert "Sign out" not in html


@pytest.mark.django_db
def test_private_page_sends_anonymous_visitor_to_admin_login(client, example):
    response = client.get("/private/")

    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/private/"
    assert 'id="login-form"' in page(client, response.url)


@pytest.mark.django_db
def test_sign_in_from_home_page_reaches_private_page(client, example, microsoft, alice):
    start_link = BUTTON.search(page(client, "/"))
    assert start_link is not None

    response = microsoft.login(client, alice, start_url=start_link.group(1).replace("&amp;", "&"))

    assert response.status_code == 302
    assert response.url == "/private/"
    html = page(client, "/private/")
    assert "Hello Alice Liddell, only signed-in people see this page." in html
    assert "<dd>alice@contoso.com</dd>" in html
    assert f"<dd>{DEFAULT_TENANT_ID}</dd>" in html
    assert "You are signed in as <strong>alice@contoso.com</strong>." in page(client, "/")


@pytest.mark.django_db
def test_sign_out_form_logs_out(example, microsoft, alice):
    client = Client(enforce_csrf_checks=True)
    microsoft.login(client, alice, next="/private/")
    html = page(client, "/")
    form = re.search(r'<form method="post" action="([^"]+)">\s*(.*?)</form>', html, re.DOTALL)
    assert form is not None
    assert form.group(1) == "/microsoft_sso/logout/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2))
    assert token is not None

    assert client.get(form.group(1)).status_code == 405
    response = client.post(form.group(1), {"csrfmiddlewaretoken": token.group(1)})

    assert response.status_code == 302
    assert response.url == "/"
    assert "You are not signed in." in page(client, "/")
    assert client.get("/private/").url == "/admin/login/?next=/private/"


@pytest.mark.django_db
def test_sign_in_without_app_registration_explains_on_login_page(client, example, settings):
    settings.MICROSOFT_SSO_APPLICATION_ID = None
    settings.MICROSOFT_SSO_CLIENT_SECRET = None

    response = client.get(START, {"next": "/private/"})

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert (
        "Sign in with Microsoft is not configured correctly. Please contact your administrator."
        in page(client, response.url)
    )
    assert client.get("/private/").status_code == 302


# -- settings from the environment, read by a fresh ``manage.py`` ------------------------------


def manage(*args, **environ):
    """Run the example's manage.py with only ``environ`` set of the variables it reads."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MICROSOFT_SSO_"))
    }
    env.update(environ)
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_of(result):
    """``diffsettings --all`` output as {name: repr} (it marks values with "###")."""
    assert result.returncode == 0, result.stderr
    lines = (
        line.removeprefix("### ").removesuffix("  ###") for line in result.stdout.splitlines()
    )
    return dict(line.split(" = ", 1) for line in lines)


def test_settings_come_from_environment():
    result = manage(
        "diffsettings",
        "--all",
        MICROSOFT_SSO_APPLICATION_ID="my-app-id",
        MICROSOFT_SSO_CLIENT_SECRET="my-secret",
        MICROSOFT_SSO_TENANT_ID=DEFAULT_TENANT_ID,
        MICROSOFT_SSO_ALLOWABLE_DOMAINS="contoso.com, fabrikam.com,",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-real-secret-key",
        DJANGO_ALLOWED_HOSTS="sso.example.com,localhost",
    )

    found = settings_of(result)
    assert found["MICROSOFT_SSO_APPLICATION_ID"] == "'my-app-id'"
    assert found["MICROSOFT_SSO_CLIENT_SECRET"] == "'my-secret'"
    assert (
        found["MICROSOFT_SSO_AUTHORITY"]
        == f"'https://login.microsoftonline.com/{DEFAULT_TENANT_ID}'"
    )
    assert found["MICROSOFT_SSO_ALLOWABLE_DOMAINS"] == "['contoso.com', 'fabrikam.com']"
    assert found["DEBUG"] == "False"
    assert found["SECRET_KEY"] == "'a-real-secret-key'"
    assert found["ALLOWED_HOSTS"] == "['sso.example.com', 'localhost']"


def test_defaults_without_environment_are_the_demo():
    found = settings_of(manage("diffsettings", "--all"))

    assert found["EXAMPLE_USES_EMULATOR"] == "True"
    assert found["MICROSOFT_SSO_APPLICATION_ID"] == f"'{DEFAULT_CLIENT_ID}'"
    assert found["MICROSOFT_SSO_CLIENT_SECRET"] == f"'{DEFAULT_CLIENT_SECRET}'"
    assert (
        found["MICROSOFT_SSO_HTTP_TRANSPORT"]
        == "'django_microsoft_sso.testing.emulator.transport'"
    )
    assert found["MICROSOFT_SSO_AUTHORITY"] == "'https://login.microsoftonline.com/organizations'"
    assert found["MICROSOFT_SSO_ALLOWED_TENANTS"] == f"['{DEFAULT_TENANT_ID}']"
    assert found["MICROSOFT_SSO_ALLOWABLE_DOMAINS"] == "['contoso.com']"
    assert found["MICROSOFT_SSO_SUPERUSER_LIST"] == "['ada@contoso.com', 'noor@contoso.com']"
    assert found["MICROSOFT_SSO_SLO_ENABLED"] == "True"
    assert found["DEBUG"] == "True"
    assert found["ALLOWED_HOSTS"] == "['localhost', '127.0.0.1', '[::1]']"
    assert f"'NAME': PosixPath('{MANAGE.with_name('db.sqlite3')}')" in found["DATABASES"]


def test_authority_from_environment_wins_over_tenant_id():
    result = manage(
        "diffsettings",
        "--all",
        MICROSOFT_SSO_AUTHORITY="https://login.microsoftonline.com/organizations",
        MICROSOFT_SSO_TENANT_ID=DEFAULT_TENANT_ID,
    )

    assert (
        settings_of(result)["MICROSOFT_SSO_AUTHORITY"]
        == "'https://login.microsoftonline.com/organizations'"
    )


def test_production_mode_without_secret_key_refuses_to_start():
    result = manage("check", DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is false." in result.stderr


def test_debug_flag_that_is_not_a_boolean_refuses_to_start():
    result = manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'maybe'." in result.stderr


def test_demo_passes_checks():
    result = manage("check")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_any_app_registration_variable_means_the_real_microsoft():
    found = settings_of(manage("diffsettings", "--all", MICROSOFT_SSO_TENANT_ID=DEFAULT_TENANT_ID))

    assert found["EXAMPLE_USES_EMULATOR"] == "False"
    assert found["MICROSOFT_SSO_APPLICATION_ID"] == "None"
    assert "MICROSOFT_SSO_HTTP_TRANSPORT" not in found


def test_production_mode_never_uses_the_emulator():
    found = settings_of(
        manage("diffsettings", "--all", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="a-real-key")
    )

    assert found["EXAMPLE_USES_EMULATOR"] == "False"
    assert found["MICROSOFT_SSO_APPLICATION_ID"] == "None"


def test_starts_without_app_registration_and_says_what_to_set():
    result = manage("check", MICROSOFT_SSO_TENANT_ID=DEFAULT_TENANT_ID)

    assert result.returncode == 0, result.stderr
    assert "(example_project.W001) Sign in with Microsoft is not set up" in result.stderr
    assert "MICROSOFT_SSO_APPLICATION_ID and MICROSOFT_SSO_CLIENT_SECRET not set" in result.stderr


def test_deploy_check_names_the_checks_it_silences():
    result = manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "(2 silenced)" in result.stdout + result.stderr
    assert (
        "django_microsoft_sso.E001 and django_microsoft_sso.E002, which say the same, are "
        "silenced until they are set." in result.stderr
    )


def test_app_registration_without_domains_warns_that_nobody_gets_in():
    result = manage(
        "check",
        MICROSOFT_SSO_APPLICATION_ID="my-app-id",
        MICROSOFT_SSO_CLIENT_SECRET="my-secret",
        MICROSOFT_SSO_TENANT_ID=DEFAULT_TENANT_ID,
    )

    assert result.returncode == 0, result.stderr
    assert "example_project.W001" not in result.stderr
    assert (
        "(django_microsoft_sso.W006) MICROSOFT_SSO_ALLOWABLE_DOMAINS has no usable entry, so "
        "every sign-in with Microsoft is refused." in result.stderr
    )


def test_app_registration_from_environment_passes_checks():
    result = manage(
        "check",
        MICROSOFT_SSO_APPLICATION_ID="my-app-id",
        MICROSOFT_SSO_CLIENT_SECRET="my-secret",
        MICROSOFT_SSO_TENANT_ID=DEFAULT_TENANT_ID,
        MICROSOFT_SSO_ALLOWABLE_DOMAINS="contoso.com",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
