"""System checks: one test per check id, reported when the setting is wrong and absent when right."""

import os
import subprocess
import sys

import pytest
from django.core.checks import run_checks
from django.utils.translation import gettext_lazy
from msal.authority import AZURE_PUBLIC, AuthorityBuilder

from django_microsoft_sso import checks, conf
from tests.project.hooks_for_tests import MicrosoftBackend

BACKEND_PATH = "tests.project.hooks_for_tests.MicrosoftBackend"
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


def reported(databases=None):
    """{check id: [setting it names, …]} for this package's checks, as ``manage.py check`` runs them.

    With ``databases``, the checks that read the database run too (``check --database``).
    """
    found: dict[str, list[str]] = {}
    for message in run_checks(databases=databases):
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
        "tests.project.hooks_for_tests.no_such_hook",
        "no_such_module.hook",
        "tests.project.hooks_for_tests.NOT_CALLABLE",
        42,
    ],
)
def test_e004_hook_does_not_import_or_is_not_callable(settings, setting, value):
    setattr(settings, setting, value)
    assert reported() == {"E004": [setting]}


@pytest.mark.parametrize("setting", HOOK_SETTINGS)
@pytest.mark.parametrize("value", ["tests.project.hooks_for_tests.explode", lambda *args: None])
def test_e004_absent_for_a_hook_that_imports(settings, setting, value):
    setattr(settings, setting, value)
    assert "E004" not in reported()


# -- E005, E006: authentication backend -----------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["tests.project.hooks_for_tests.NoSuchBackend", "no_such_module.Backend", 42]
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
TRUSTED_PROXY = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.fixture
def form_post(settings):
    """form_post on a site whose redirect URI is https (W008 has its own tests)."""
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.SECURE_PROXY_SSL_HEADER = TRUSTED_PROXY


def test_e007_cache_name_not_in_caches(settings, form_post):
    settings.MICROSOFT_SSO_CACHE_NAME = "sign-ins"
    assert reported() == {"E007": ["MICROSOFT_SSO_CACHE_NAME"]}


def test_e007_absent_for_a_configured_cache(settings, form_post):
    settings.CACHES = {**settings.CACHES, "sign-ins": SHARED_CACHE}
    settings.MICROSOFT_SSO_CACHE_NAME = "sign-ins"
    assert reported() == {}


def test_e007_absent_when_the_cache_is_not_used(settings):
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = False
    settings.MICROSOFT_SSO_CACHE_NAME = "sign-ins"
    assert reported() == {}


def test_w003_form_post_state_in_a_per_process_cache(settings, form_post):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert reported() == {"W003": ["MICROSOFT_SSO_CACHE_NAME"]}


@pytest.mark.parametrize("legacy_id", ["sso.W001", "sso.E001"])
def test_w003_silenced_by_the_7x_id_of_the_same_problem(settings, form_post, legacy_id):
    # 7.x's callback.md: SILENCED_SYSTEM_CHECKS = ["sso.W001"] for a per-process cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SILENCED_SYSTEM_CHECKS = [legacy_id]
    assert "W003" not in reported()


def test_w003_not_silenced_by_another_7x_id(settings, form_post):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SILENCED_SYSTEM_CHECKS = ["sso.W003"]
    assert reported() == {"W003": ["MICROSOFT_SSO_CACHE_NAME"]}


def test_w001_of_version_8_is_not_silenced_by_7x_w001(settings):
    # 7.x's sso.W001 meant the cache; our W001 (any domain may create accounts) stays loud.
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.SILENCED_SYSTEM_CHECKS = ["sso.W001"]
    assert "W001" in reported()


def test_w003_absent_for_a_shared_cache(settings, form_post):
    settings.CACHES = {"default": SHARED_CACHE}
    assert "W003" not in reported()


# -- W008, E026: form_post needs an https redirect URI --------------------------------------------


@pytest.mark.parametrize(
    "callback_domain", [None, "app.example.com", "http://app.example.com"], ids=str
)
def test_w008_form_post_where_the_redirect_uri_may_be_http(settings, callback_domain):
    settings.CACHES = {"default": SHARED_CACHE}
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = callback_domain
    assert reported() == {"W008": ["MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK"]}


@pytest.mark.parametrize(
    "more",
    [
        {"SECURE_PROXY_SSL_HEADER": TRUSTED_PROXY},
        {"MICROSOFT_SSO_CALLBACK_DOMAIN": "https://app.example.com"},
        {"DEBUG": True},
        {"MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK": False},
    ],
    ids=["proxy-header", "https-callback-domain", "debug", "query-mode"],
)
def test_w008_absent_where_the_redirect_uri_is_https_or_form_post_is_off(settings, more):
    settings.CACHES = {"default": SHARED_CACHE}
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    for name, value in more.items():
        setattr(settings, name, value)
    assert reported() == {}


def test_w008_absent_when_callback_domain_is_a_callable(settings):
    settings.CACHES = {"default": SHARED_CACHE}
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = lambda request: "http://app.example.com"
    assert reported() == {}


@pytest.mark.parametrize(
    "domain", ["https://app.example.com/sso/", "ftp://app.example.com", "app.example.com/sso"]
)
def test_e026_callback_domain_neither_a_host_nor_an_origin(settings, domain):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = domain
    assert reported() == {"E026": ["MICROSOFT_SSO_CALLBACK_DOMAIN"]}


@pytest.mark.parametrize(
    "domain", ["app.example.com", "app.example.com:8443", "https://app.example.com/"]
)
def test_e026_absent_for_a_host_or_an_origin(settings, domain):
    settings.MICROSOFT_SSO_CALLBACK_DOMAIN = domain
    assert reported() == {}


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
        (
            "MICROSOFT_SSO_CACHE_NAME",
            "nope",
            {
                "MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK": True,
                "SECURE_PROXY_SSL_HEADER": TRUSTED_PROXY,
            },
        ),
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
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.project.settings_emulator_in_production",
    }
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


# -- W005, E015: Microsoft's tokens and a session kept in the browser's cookie --------------------

COOKIE_ENGINES = [
    "django.contrib.sessions.backends.signed_cookies",
    "tests.project.app.cookie_sessions",  # a project's subclass of it
]
SERVER_ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
]
FOLLOWS_MIDDLEWARE = "django_microsoft_sso.middleware.SessionFollowsTokenMiddleware"


@pytest.mark.parametrize("engine", COOKIE_ENGINES)
def test_w005_access_token_in_a_cookie_session(settings, engine):
    settings.SESSION_ENGINE = engine
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    assert reported() == {"W005": ["SESSION_ENGINE"]}


@pytest.mark.parametrize("engine", COOKIE_ENGINES)
def test_e015_session_follows_token_with_a_cookie_session(settings, engine):
    settings.SESSION_ENGINE = engine
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, FOLLOWS_MIDDLEWARE]
    assert reported() == {"E015": ["SESSION_ENGINE"]}


@pytest.mark.parametrize("engine", SERVER_ENGINES)
def test_w005_e015_absent_for_a_server_side_session(settings, engine):
    settings.SESSION_ENGINE = engine
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, FOLLOWS_MIDDLEWARE]
    assert reported() == {}


# -- E017, E055: mappings with a multi-tenant authority -------------------------------------------

COMMON = "https://login.microsoftonline.com/common"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.mark.parametrize(
    "maps",
    [
        {"MICROSOFT_SSO_ROLES_MAP": {"Site.Admin": "is_superuser"}},
        {"MICROSOFT_SSO_GROUPS_MAP": {"6f2c1b1e-4c3a-4a8e-9d55-2f1e0b9c7a10": "Editors"}},
    ],
)
@pytest.mark.parametrize(
    "authority", [None, COMMON, "https://login.microsoftonline.com/organizations"]
)
def test_e101_mapping_with_a_multi_tenant_authority_and_no_mapping_tenant(
    settings, maps, authority
):
    settings.MICROSOFT_SSO_AUTHORITY = authority
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    for name, value in maps.items():
        setattr(settings, name, value)
    assert reported() == {"E017": ["MICROSOFT_SSO_MAPPING_TENANTS"]}


@pytest.mark.django_db
def test_e101_mapping_rows_with_a_multi_tenant_authority(settings):
    from django_microsoft_sso.models import GroupMapping

    settings.MICROSOFT_SSO_AUTHORITY = COMMON
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    assert "E017" not in reported(databases=["default"])
    GroupMapping.objects.create(kind=GroupMapping.ROLE, source="Site.Admin", is_superuser=True)

    assert reported() == {}  # the rows are read only when the database checks run
    assert reported(databases=["default"]) == {"E017": ["MICROSOFT_SSO_MAPPING_TENANTS"]}
    settings.MICROSOFT_SSO_MAPPING_TENANTS = [TENANT]
    assert reported(databases=["default"]) == {}


@pytest.mark.parametrize(
    ("authority", "mapping_tenants"),
    [
        (COMMON, [TENANT]),
        (COMMON, lambda request: [TENANT]),
        (f"https://login.microsoftonline.com/{TENANT}", []),
    ],
    ids=["common-with-a-tenant", "common-with-a-callable", "single-tenant-authority"],
)
def test_e101_absent_with_a_named_tenant(settings, authority, mapping_tenants):
    settings.MICROSOFT_SSO_AUTHORITY = authority
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ROLES_MAP = {"Site.Admin": "is_superuser"}
    settings.MICROSOFT_SSO_MAPPING_TENANTS = mapping_tenants
    assert reported() == {}


@pytest.mark.parametrize(
    "value",
    [
        TENANT,  # a string, not a list
        ["*"],
        [TENANT, " * "],
        ["9188040d-6c67-4c5b-b112-36a304b66dad"],  # personal accounts: open to anyone
        ["contoso.com"],
        [""],
        [None],
    ],
)
def test_e102_mapping_tenants_not_a_list_of_tenant_ids(settings, value):
    settings.MICROSOFT_SSO_MAPPING_TENANTS = value
    assert reported() == {"E055": ["MICROSOFT_SSO_MAPPING_TENANTS"]}


@pytest.mark.parametrize("value", [[], None, [TENANT, TENANT.upper(), f" {TENANT} "]])
def test_e102_absent_with_tenant_ids(settings, value):
    settings.MICROSOFT_SSO_MAPPING_TENANTS = value
    assert "E055" not in reported()


# -- E018…E054: the type and shape of each setting -----------------------------------------------

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"

# (check id, setting, wrong values, right values): one row per check id.
SHAPE_CASES = [
    ("E018", "MICROSOFT_SSO_ENABLED", ["False", 1, None], [True, False]),
    ("E019", "MICROSOFT_SSO_ENABLE_LOGS", ["yes", 0], [True, False]),
    ("E020", "MICROSOFT_SSO_ENABLE_MESSAGES", ["True"], [True, False]),
    ("E021", "MICROSOFT_SSO_APPLICATION_ID", [1234, b"app-id"], [TENANT]),
    ("E022", "MICROSOFT_SSO_CLIENT_SECRET", [b"a-secret", ["a-secret"]], ["a-secret"]),
    (
        "E023",
        "MICROSOFT_SSO_SCOPES",
        ["User.Read", ["User.Read Mail.Read"], [""], [None]],
        [[], ["User.Read"], ("User.Read", "Mail.Read")],
    ),
    ("E024", "MICROSOFT_SSO_TIMEOUT", ["10", 0, -1, True], [10, 2.5]),
    ("E025", "MICROSOFT_SSO_GRAPH_TIMEOUT", ["10", 0], [10, 0.5]),
    (
        "E026",
        "MICROSOFT_SSO_CALLBACK_DOMAIN",
        ["https://app.example.com/sso/", "app.example.com/", "app.example.com:https", 42],
        [None, "", "app.example.com", "app.example.com:8443", "https://app.example.com"],
    ),
    ("E027", "MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK", ["on"], [False]),
    ("E028", "MICROSOFT_SSO_CACHE_NAME", [["default"], None], ["default"]),
    (
        "E029",
        "MICROSOFT_SSO_ALLOWABLE_DOMAINS",
        ["contoso.com", ["*."], [" * "], ["*.*"], ["@contoso.com"], ["contoso.com", None]],
        [["contoso.com", "*.contoso.com", "Contoso.COM."], ("contoso.com",)],
    ),
    (
        "E030",
        "MICROSOFT_SSO_ALLOWED_TENANTS",
        ["*", [" * "], ["contoso.onmicrosoft.com"], TENANT],
        [None, ["*"], [TENANT.upper()]],
    ),
    ("E031", "MICROSOFT_SSO_AUTO_CREATE_USERS", ["False"], [True, False]),
    ("E032", "MICROSOFT_SSO_UNIQUE_EMAIL", [1], [True]),
    (
        "E033",
        "MICROSOFT_SSO_STAFF_LIST",
        ["ada@contoso.com", ["ada"], [None]],
        [[], ["Ada@Contoso.com"]],
    ),
    (
        "E034",
        "MICROSOFT_SSO_SUPERUSER_LIST",
        ["ada@contoso.com", ["ada @contoso.com"]],
        [[], ["ada@contoso.com"]],
    ),
    ("E035", "MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER", ["True"], [True]),
    ("E036", "MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA", ["False"], [True]),
    ("E037", "MICROSOFT_SSO_SAVE_BASIC_MICROSOFT_INFO", [None], [False]),
    ("E038", "MICROSOFT_SSO_SAVE_ACCESS_TOKEN", ["False"], [True]),
    ("E039", "MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN", ["False"], [False]),
    ("E040", "MICROSOFT_SSO_SESSION_CHECK_MINUTES", ["15", 0], [15, 0.5]),
    ("E041", "MICROSOFT_SSO_SESSION_COOKIE_AGE", ["3600", -1, 1.5], [0, 3600]),
    ("E042", "MICROSOFT_SSO_SLO_ENABLED", ["False"], [True]),
    ("E043", "MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS", ["False"], [True]),
    ("E044", "MICROSOFT_SSO_SHOW_FAILED_LOGIN_MESSAGE", ["False"], [True]),
    ("E045", "MICROSOFT_SSO_ADMIN_ENABLED", ["False", 0], [None, True, False]),
    ("E046", "MICROSOFT_SSO_PAGES_ENABLED", ["False"], [None, False]),
    ("E047", "MICROSOFT_SSO_LOGO_URL", [42], [None, "img/logo.svg"]),
    ("E048", "MICROSOFT_SSO_TEXT", [None, 42], ["Sign in", gettext_lazy("Sign in")]),
    ("E049", "MICROSOFT_SSO_MAX_PICTURE_BYTES", ["100KB", -1], [0, 102400]),
    ("E050", "MICROSOFT_SSO_GROUPS_MAX_PAGES", [0, "10"], [1, 10]),
    ("E051", "SSO_ADMIN_ROUTE", ["no-such-url-name", 42], ["admin:index", "home"]),
    ("E052", "SSO_SHOW_FORM_ON_ADMIN_PAGE", ["False"], [False]),
    ("E053", "SSO_USE_ALTERNATE_W003", ["True"], [True]),
    (
        "E054",
        "MICROSOFT_SSO_HTTP_TRANSPORT",
        ["no_such_module.transport", "tests.project.hooks_for_tests.NOT_CALLABLE", 42],
        [None, "tests.project.hooks_for_tests.explode"],
    ),
    (
        "E057",
        "MICROSOFT_SSO_API_AUDIENCES",
        ["api://x", ["api://a b"], [""], [42]],
        [None, [], ["api://reports.contoso.com", "11111111-2222-3333-4444-555555555555"]],
    ),
    (
        "E058",
        "MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS",
        [TENANT, ["daemon"], None],
        [[], [TENANT], (TENANT.upper(),)],
    ),
    ("E059", "MICROSOFT_SSO_API_CREATE_USERS", ["True"], [True, False]),
    (
        "E070",
        "MICROSOFT_SSO_ADMIN_AUTH_CONTEXT",
        ["C1", "c0", "c100", "c01", "", 1, ["c1"]],
        [None, "c1", "c99"],
    ),
    ("E071", "MICROSOFT_SSO_ADMIN_REQUIRE_MFA", ["True", 1], [True, False]),
    ("E072", "MICROSOFT_SSO_ADMIN_STRONG_SIGN_IN_MAX_AGE", [0, "3600", 1.5], [None, 1, 3600]),
    (
        "E075",
        "MICROSOFT_SSO_PROMPT",
        ["select-account", "Login", "", ["login"], 1],
        [None, "select_account", "login", "consent", "none"],
    ),
    ("E076", "MICROSOFT_SSO_REMEMBER_ACCOUNT", ["True", 1], [True, False]),
]


def shape_cases(which):
    """One param per (check id, setting, value), for the ``"wrong"`` or the ``"right"`` values."""
    return [
        pytest.param(check_id, setting, value, id=f"{check_id}-{setting}-{value!r}")
        for check_id, setting, wrong, right in SHAPE_CASES
        for value in (wrong if which == "wrong" else right)
    ]


def test_every_shape_check_has_a_row():
    assert [(shape.check_id, shape.setting) for shape in checks.SHAPES] == [
        (f"django_microsoft_sso.{check_id}", setting) for check_id, setting, *_ in SHAPE_CASES
    ]


@pytest.mark.parametrize(("check_id", "setting", "value"), shape_cases("wrong"))
def test_setting_of_the_wrong_type_or_shape(settings, check_id, setting, value):
    setattr(settings, setting, value)

    assert reported()[check_id] == [setting]


@pytest.mark.parametrize(("check_id", "setting", "value"), shape_cases("right"))
def test_shape_check_absent_for_a_right_value(settings, check_id, setting, value):
    setattr(settings, setting, value)

    assert check_id not in reported()


@pytest.mark.parametrize("check_id", [row[0] for row in SHAPE_CASES])
def test_shape_check_skips_a_callable_of_the_request(settings, check_id):
    setting = next(row[1] for row in SHAPE_CASES if row[0] == check_id)
    if setting in conf.NOT_REQUEST_CALLABLE:
        pytest.skip("a function here is the value itself")
    setattr(settings, setting, lambda request: "wrong")

    assert check_id not in reported()


def test_shape_check_never_shows_the_secret(settings):
    settings.MICROSOFT_SSO_CLIENT_SECRET = b"Q7w8Q~very-secret"

    shown = [str(message) for message in run_checks()]

    assert any("django_microsoft_sso.E022" in line for line in shown)
    assert not any("very-secret" in line for line in shown)


def test_e028_cache_name_of_the_wrong_type_with_form_post(settings, form_post):
    """The cache check (E007) must not crash on it: E028 says what is wrong."""
    settings.MICROSOFT_SSO_CACHE_NAME = ["default"]

    assert reported() == {"E028": ["MICROSOFT_SSO_CACHE_NAME"]}


@pytest.mark.parametrize("setting", URL_SETTINGS)
@pytest.mark.parametrize("value", [None, 42, ["/"]])
def test_e008_url_setting_that_is_not_a_string(settings, setting, value):
    setattr(settings, setting, value)
    assert reported() == {"E008": [setting]}


def test_w001_absent_for_a_star_that_is_not_alone(settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = [" * ", "contoso.com"]
    assert reported() == {"E029": ["MICROSOFT_SSO_ALLOWABLE_DOMAINS"]}


# -- W006: nobody can sign in ---------------------------------------------------------------------


@pytest.mark.parametrize("domains", [[], (), ["*."], "contoso.com"])
def test_w006_nobody_can_sign_in(settings, domains):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = domains
    assert reported()["W006"] == ["MICROSOFT_SSO_ALLOWABLE_DOMAINS"]


def test_w006_is_the_default(settings):
    del settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS
    assert reported() == {"W006": ["MICROSOFT_SSO_ALLOWABLE_DOMAINS"]}


@pytest.mark.parametrize("domains", [["contoso.com"], ["*.", "contoso.com"], ["*"]])
def test_w006_absent_when_someone_can_sign_in(settings, domains):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = domains
    assert "W006" not in reported()


def test_w006_absent_when_sign_in_is_off(settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = []
    settings.MICROSOFT_SSO_ENABLED = False
    assert reported() == {}


# -- W007: several 7.x rows for one identity ----------------------------------------------------


@pytest.mark.django_db
def test_several_7x_rows_for_one_identity_are_reported_with_the_database_checks():
    from django.contrib.auth import get_user_model

    from django_microsoft_sso.models import MicrosoftSSOUser

    oid = "5f0b1c1e-2a38-4d2e-9f6b-0c1d2e3f4a5b"
    renamed = "9a8b7c6d-1111-2222-3333-444455556666"
    users = [get_user_model().objects.create_user(f"user{n}") for n in range(5)]
    MicrosoftSSOUser.objects.create(user=users[0], tenant_id=None, microsoft_id=oid)
    MicrosoftSSOUser.objects.create(user=users[1], tenant_id=None, microsoft_id=oid.upper())
    # A 7.x row beside the row its person's sign-in already claimed.
    MicrosoftSSOUser.objects.create(user=users[2], tenant_id=None, microsoft_id=renamed)
    MicrosoftSSOUser.objects.create(user=users[3], tenant_id="t", microsoft_id=renamed)
    MicrosoftSSOUser.objects.create(user=users[4], tenant_id=None, microsoft_id="single")

    assert reported() == {}  # a plain check does not read the database
    [warning] = [
        message
        for message in run_checks(databases=["default"])
        if message.id == "django_microsoft_sso.W007"
    ]
    assert warning.obj == "microsoft_sso_user"
    assert "2 Microsoft identities" in warning.msg
    assert oid in warning.msg
    assert renamed in warning.msg


@pytest.mark.django_db
def test_one_row_per_identity_passes_the_database_checks():
    from django.contrib.auth import get_user_model

    from django_microsoft_sso.models import MicrosoftSSOUser

    users = [get_user_model().objects.create_user(f"user{n}") for n in range(2)]
    MicrosoftSSOUser.objects.create(user=users[0], tenant_id=None, microsoft_id="a")
    MicrosoftSSOUser.objects.create(user=users[1], tenant_id="t", microsoft_id="b")

    assert not [m for m in run_checks(databases=["default"]) if m.id.startswith("django_micro")]


STRONG_SIGN_IN_MIDDLEWARE = "django_microsoft_sso.middleware.StrongSignInForAdminMiddleware"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("MICROSOFT_SSO_ADMIN_AUTH_CONTEXT", "c1"),
        ("MICROSOFT_SSO_ADMIN_REQUIRE_MFA", True),
        ("MICROSOFT_SSO_ADMIN_REQUIRE_MFA", lambda request: True),
    ],
)
def test_admin_step_up_without_its_middleware(settings, setting, value):
    setattr(settings, setting, value)

    assert reported()["E073"] == ["MIDDLEWARE"]


def test_admin_step_up_with_its_middleware_before_authentication(settings):
    settings.MICROSOFT_SSO_ADMIN_REQUIRE_MFA = True
    settings.MIDDLEWARE = [STRONG_SIGN_IN_MIDDLEWARE, *settings.MIDDLEWARE]

    assert reported()["E073"] == ["MIDDLEWARE"]


def test_admin_step_up_with_its_middleware_in_place(settings):
    settings.MICROSOFT_SSO_ADMIN_AUTH_CONTEXT = "c1"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, STRONG_SIGN_IN_MIDDLEWARE]

    assert "E073" not in reported()


def test_no_step_up_check_when_the_admin_asks_for_nothing_more(settings):
    assert "E073" not in reported()
