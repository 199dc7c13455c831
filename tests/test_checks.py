"""System checks: one test per check id, reported when the setting is wrong and absent when right."""

import os
import subprocess
import sys

import pytest
from django.core.checks import run_checks
from msal.authority import AZURE_PUBLIC, AuthorityBuilder

from tests.hooks_for_tests import MicrosoftBackend

BACKEND_PATH = "tests.hooks_for_tests.MicrosoftBackend"
HOOK_SETTINGS = [
    "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
    "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
    "MICROSOFT_SSO_PRE_LOGIN_CALLBACK",
]
URL_SETTINGS = [
    "MICROSOFT_SSO_NEXT_URL",
    "MICROSOFT_SSO_LOGIN_FAILED_URL",
    "MICROSOFT_SSO_LOGOUT_REDIRECT_PATH",
]


def reported():
    """{check id: [setting it names, …]} for this package's checks, as ``manage.py check`` runs them."""
    found: dict[str, list[str]] = {}
    for message in run_checks():
        if message.id and message.id.startswith("django_microsoft_sso."):
            found.setdefault(message.id.rsplit(".", 1)[1], []).append(message.obj)
    return found


def test_test_settings_pass_every_check():
    assert reported() == {}


# -- E001, E002: credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ""])
def test_e001_application_id_missing(settings, value):
    settings.MICROSOFT_SSO_APPLICATION_ID = value
    assert reported() == {"E001": ["MICROSOFT_SSO_APPLICATION_ID"]}


def test_e001_absent_when_application_id_is_set(settings):
    settings.MICROSOFT_SSO_APPLICATION_ID = "11111111-2222-3333-4444-555555555555"
    assert "E001" not in reported()


@pytest.mark.parametrize("value", [None, ""])
def test_e002_client_secret_missing(settings, value):
    settings.MICROSOFT_SSO_CLIENT_SECRET = value
    assert reported() == {"E002": ["MICROSOFT_SSO_CLIENT_SECRET"]}


def test_e002_absent_when_client_secret_is_set(settings):
    settings.MICROSOFT_SSO_CLIENT_SECRET = "a secret"
    assert "E002" not in reported()


# -- E003: authority ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authority",
    [
        "http://login.microsoftonline.com/contoso.com",
        "login.microsoftonline.com/contoso.com",
        "https://login.microsoftonline.com",
        "https://login.microsoftonline.com/",
    ],
)
def test_e003_authority_not_an_https_authority_url(settings, authority):
    settings.MICROSOFT_SSO_AUTHORITY = authority
    assert reported()["E003"] == ["MICROSOFT_SSO_AUTHORITY"]


@pytest.mark.parametrize(
    "authority",
    [
        None,
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47",
        AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com"),
    ],
)
def test_e003_absent_for_an_https_authority(settings, authority):
    settings.MICROSOFT_SSO_AUTHORITY = authority
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    assert "E003" not in reported()


# -- E004: hooks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", HOOK_SETTINGS)
@pytest.mark.parametrize(
    "value",
    [
        "tests.hooks_for_tests.no_such_hook",
        "no_such_module.hook",
        "tests.hooks_for_tests.NOT_CALLABLE",
        42,
    ],
)
def test_e004_hook_does_not_import_or_is_not_callable(settings, setting, value):
    setattr(settings, setting, value)
    assert reported() == {"E004": [setting]}


@pytest.mark.parametrize("setting", HOOK_SETTINGS)
@pytest.mark.parametrize("value", ["tests.hooks_for_tests.explode", lambda *args: None])
def test_e004_absent_for_a_hook_that_imports(settings, setting, value):
    setattr(settings, setting, value)
    assert "E004" not in reported()


# -- E005, E006: authentication backend -----------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["tests.hooks_for_tests.NoSuchBackend", "no_such_module.Backend", 42]
)
def test_e005_authentication_backend_does_not_import(settings, value):
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = value
    assert reported() == {"E005": ["MICROSOFT_SSO_AUTHENTICATION_BACKEND"]}


@pytest.mark.parametrize("value", [BACKEND_PATH, MicrosoftBackend])
def test_e006_authentication_backend_not_in_authentication_backends(settings, value):
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = value
    assert reported() == {"E006": ["MICROSOFT_SSO_AUTHENTICATION_BACKEND"]}


@pytest.mark.parametrize("value", [BACKEND_PATH, MicrosoftBackend, None])
def test_e005_e006_absent_for_a_listed_backend(settings, value):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", BACKEND_PATH]
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = value
    assert reported() == {}


# -- E007, W003: the cache of form_post sign-ins --------------------------------------------------

SHARED_CACHE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "sso"}


def test_e007_cache_name_not_in_caches(settings):
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.MICROSOFT_SSO_CACHE_NAME = "sign-ins"
    assert reported() == {"E007": ["MICROSOFT_SSO_CACHE_NAME"]}


def test_e007_absent_for_a_configured_cache(settings):
    settings.CACHES = {**settings.CACHES, "sign-ins": SHARED_CACHE}
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.MICROSOFT_SSO_CACHE_NAME = "sign-ins"
    assert reported() == {}


def test_e007_absent_when_the_cache_is_not_used(settings):
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = False
    settings.MICROSOFT_SSO_CACHE_NAME = "sign-ins"
    assert reported() == {}


def test_w003_form_post_state_in_a_per_process_cache(settings):
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    assert reported() == {"W003": ["MICROSOFT_SSO_CACHE_NAME"]}


@pytest.mark.parametrize("legacy_id", ["sso.W001", "sso.E001"])
def test_w003_silenced_by_the_7x_id_of_the_same_problem(settings, legacy_id):
    # 7.x's callback.md: SILENCED_SYSTEM_CHECKS = ["sso.W001"] for a per-process cache.
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.SILENCED_SYSTEM_CHECKS = [legacy_id]
    assert "W003" not in reported()


def test_w003_not_silenced_by_another_7x_id(settings):
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.SILENCED_SYSTEM_CHECKS = ["sso.W003"]
    assert reported() == {"W003": ["MICROSOFT_SSO_CACHE_NAME"]}


def test_w001_of_version_8_is_not_silenced_by_7x_w001(settings):
    # 7.x's sso.W001 meant the cache; our W001 (any domain may create accounts) stays loud.
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.SILENCED_SYSTEM_CHECKS = ["sso.W001"]
    assert "W001" in reported()


def test_w003_absent_for_a_shared_cache(settings):
    settings.CACHES = {"default": SHARED_CACHE}
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    assert "W003" not in reported()


# -- E008: URL settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("setting", URL_SETTINGS)
@pytest.mark.parametrize("value", ["no-such-url-name", "admin:no_such_page"])
def test_e008_url_setting_does_not_resolve(settings, setting, value):
    setattr(settings, setting, value)
    assert reported() == {"E008": [setting]}


@pytest.mark.parametrize("setting", URL_SETTINGS)
@pytest.mark.parametrize("value", ["home", "admin:index", "/private/", "https://example.com/"])
def test_e008_absent_for_a_url_name_or_path(settings, setting, value):
    setattr(settings, setting, value)
    assert "E008" not in reported()


# -- E009: messages -------------------------------------------------------------------------------


@pytest.fixture
def without_messages_app(settings):
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "django.contrib.messages"
    ]


def test_e009_messages_app_missing_while_messages_are_on(settings, without_messages_app):
    assert reported() == {"E009": ["MICROSOFT_SSO_ENABLE_MESSAGES"]}


def test_e009_absent_when_messages_are_off(settings, without_messages_app):
    settings.MICROSOFT_SSO_ENABLE_MESSAGES = False
    assert "E009" not in reported()


# -- W001: anyone may create an account -----------------------------------------------------------


def test_w001_any_domain_with_auto_create(settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    assert reported() == {"W001": ["MICROSOFT_SSO_ALLOWABLE_DOMAINS"]}


def test_w001_absent_without_auto_create(settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = False
    assert "W001" not in reported()


def test_w001_absent_for_listed_domains(settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com", "*.contoso.com"]
    assert "W001" not in reported()


# -- W002: multi-tenant authority -----------------------------------------------------------------


@pytest.mark.parametrize(
    "authority",
    [
        None,
        "https://login.microsoftonline.com/common",
        "https://login.microsoftonline.com/Organizations/",
        AuthorityBuilder(AZURE_PUBLIC, "common"),
    ],
)
def test_w002_multi_tenant_authority_without_allowed_tenants(settings, authority):
    settings.MICROSOFT_SSO_AUTHORITY = authority
    assert reported() == {"W002": ["MICROSOFT_SSO_ALLOWED_TENANTS"]}


@pytest.mark.parametrize("allowed", [["*"], ["72f988bf-86f1-41af-91ab-2d7cd011db47"]])
def test_w002_absent_with_allowed_tenants(settings, allowed):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/common"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = allowed
    assert "W002" not in reported()


# -- settings given as callables of the request cannot be judged ----------------------------------


@pytest.mark.parametrize(
    ("setting", "value_for_request", "other_settings"),
    [
        ("MICROSOFT_SSO_APPLICATION_ID", None, {}),
        ("MICROSOFT_SSO_CLIENT_SECRET", "", {}),
        ("MICROSOFT_SSO_AUTHORITY", "http://login.microsoftonline.com/common", {}),
        ("MICROSOFT_SSO_ALLOWABLE_DOMAINS", ["*"], {}),
        ("MICROSOFT_SSO_AUTO_CREATE_USERS", True, {"MICROSOFT_SSO_ALLOWABLE_DOMAINS": ["*"]}),
        (
            "MICROSOFT_SSO_ALLOWED_TENANTS",
            None,
            {"MICROSOFT_SSO_AUTHORITY": "https://login.microsoftonline.com/common"},
        ),
        ("MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK", True, {"MICROSOFT_SSO_CACHE_NAME": "nope"}),
        ("MICROSOFT_SSO_CACHE_NAME", "nope", {"MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK": True}),
        ("MICROSOFT_SSO_NEXT_URL", "no-such-url-name", {}),
        ("MICROSOFT_SSO_LOGIN_FAILED_URL", "no-such-url-name", {}),
        ("MICROSOFT_SSO_LOGOUT_REDIRECT_PATH", "no-such-url-name", {}),
    ],
)
def test_callable_settings_are_skipped(settings, setting, value_for_request, other_settings):
    for name, value in other_settings.items():
        setattr(settings, name, value)
    setattr(settings, setting, lambda request: value_for_request)

    assert reported() == {}


def test_callable_enable_messages_is_skipped(settings, without_messages_app):
    settings.MICROSOFT_SSO_ENABLE_MESSAGES = lambda request: True
    assert reported() == {}


# -- W004: the order of INSTALLED_APPS ------------------------------------------------------------


@pytest.fixture
def admin_login_template():
    """The default admin site's login template, put back after the test."""
    from django.contrib.admin import site

    saved = site.login_template
    yield site
    site.login_template = saved


def test_w004_admin_listed_before_this_app_with_its_own_login_template(
    settings, admin_login_template
):
    admin_login_template.login_template = "project/login.html"
    apps = [app for app in settings.INSTALLED_APPS if app != "django_microsoft_sso"]
    settings.INSTALLED_APPS = [*apps, "django_microsoft_sso"]
    assert reported() == {"W004": ["INSTALLED_APPS"]}


def test_w004_absent_when_the_admin_listed_first_gets_our_login_template(
    settings, admin_login_template
):
    admin_login_template.login_template = None
    apps = [app for app in settings.INSTALLED_APPS if app != "django_microsoft_sso"]
    settings.INSTALLED_APPS = [*apps, "django_microsoft_sso"]

    assert admin_login_template.login_template == "microsoft_sso/login.html"
    assert "W004" not in reported()


def test_w004_absent_when_this_app_comes_first():
    assert "W004" not in reported()


# -- E010: the Microsoft emulator outside DEBUG and tests -----------------------------------------


def run_outside_pytest(*args):
    """Run ``python *args`` in a fresh process, where no test runner is active."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_emulator_in_production"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=environment, check=False
    )


def test_e010_emulator_in_production():
    result = run_outside_pytest("-m", "django", "check")
    assert result.returncode != 0
    assert "django_microsoft_sso.E010" in result.stderr


def test_e010_absent_with_debug(settings):
    settings.DEBUG = True
    settings.MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
    assert "E010" not in reported()


def test_emulator_refuses_to_serve_a_project_in_production():
    code = (
        "import django; django.setup()\n"
        "from django_microsoft_sso.testing.emulator import transport\n"
        "transport()\n"
    )
    result = run_outside_pytest("-c", code)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG = True" in result.stderr
