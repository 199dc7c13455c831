"""Settings of the example project. Everything that differs between machines comes from the
environment:

| variable                          | meaning                                         | default                     |
|-----------------------------------|-------------------------------------------------|-----------------------------|
| MICROSOFT_SSO_APPLICATION_ID      | application (client) id of the app registration | unset: the demo (see below) |
| MICROSOFT_SSO_CLIENT_SECRET       | a client secret of that registration            | unset: the demo             |
| MICROSOFT_SSO_AUTHORITY           | the authority URL, used as given                |                             |
| MICROSOFT_SSO_TENANT_ID           | or just the tenant id (or domain)               | neither: ``common``         |
| MICROSOFT_SSO_ALLOWABLE_DOMAINS   | e-mail domains that may sign in, comma-separated | none                       |
| MICROSOFT_SSO_SUPERUSER_LIST      | addresses made superusers, comma-separated      | none                        |
| MICROSOFT_SSO_ADMIN_REQUIRE_MFA   | true: the admin only after a multi-factor sign-in | false                     |
| DJANGO_DEBUG                      | true / false                                    | true                        |
| DJANGO_SECRET_KEY                 | required when DJANGO_DEBUG is false             | a development-only key      |
| DJANGO_ALLOWED_HOSTS              | comma-separated                                 | localhost,127.0.0.1,[::1]   |

The demo: when none of the four MICROSOFT_SSO_ variables of the app registration above is set
and DEBUG is on, people sign in through a Microsoft emulator that ``manage.py runserver`` starts,
with the demo people of ``example_project/demo.py``. Setting any of them means the real Microsoft.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent

# Lower-case names: Django would take upper-case ones for settings.
true_words = {"1", "true", "yes", "on"}
false_words = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in true_words:
        return True
    if value.strip().lower() in false_words:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_text(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_text("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is false.")
    SECRET_KEY = "example-project-local-development-only"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    # Before django.contrib.admin, so that the admin's login page shows "Sign in with Microsoft".
    "django_microsoft_sso",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before django.contrib.staticfiles, so that its runserver (which starts the demo's
    # emulator) is the one manage.py runs.
    "example_project",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The admin's step-up, when MICROSOFT_SSO_ADMIN_REQUIRE_MFA is on (docs/step-up.md).
    "django_microsoft_sso.middleware.StrongSignInForAdminMiddleware",
]

ROOT_URLCONF = "example_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

# A page that needs login sends the browser to the admin's login page.
LOGIN_URL = "admin:login"

# Sign in with Microsoft: the real one when the app registration is in the environment, else the
# demo's emulator (never with DEBUG off: the emulator signs anyone in as anyone).
app_registration_variables = (
    "MICROSOFT_SSO_APPLICATION_ID",
    "MICROSOFT_SSO_CLIENT_SECRET",
    "MICROSOFT_SSO_TENANT_ID",
    "MICROSOFT_SSO_AUTHORITY",
)
EXAMPLE_USES_EMULATOR = DEBUG and not any(env_text(name) for name in app_registration_variables)

if EXAMPLE_USES_EMULATOR:
    from example_project import demo

    MICROSOFT_SSO_APPLICATION_ID = demo.CLIENT_ID
    MICROSOFT_SSO_CLIENT_SECRET = demo.CLIENT_SECRET
    MICROSOFT_SSO_AUTHORITY = demo.AUTHORITY
    MICROSOFT_SSO_ALLOWED_TENANTS = demo.ALLOWED_TENANTS
    MICROSOFT_SSO_ALLOWABLE_DOMAINS = demo.ALLOWABLE_DOMAINS
    MICROSOFT_SSO_SUPERUSER_LIST = demo.SUPERUSER_LIST
    # The package's HTTP client reaches the emulator at MICROSOFT_SSO_EMULATOR_URL.
    MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
    # Signing out passes through the emulator's sign-out page, as it would through Microsoft's.
    MICROSOFT_SSO_SLO_ENABLED = True
    # A demo person may call the API before signing in on the web: the token makes the user,
    # under the same tenant and domain rules (Mika of Fabrikam is still refused).
    MICROSOFT_SSO_API_CREATE_USERS = True
else:
    MICROSOFT_SSO_APPLICATION_ID = env_text("MICROSOFT_SSO_APPLICATION_ID")
    MICROSOFT_SSO_CLIENT_SECRET = env_text("MICROSOFT_SSO_CLIENT_SECRET")
    _tenant = env_text("MICROSOFT_SSO_TENANT_ID")
    MICROSOFT_SSO_AUTHORITY = env_text("MICROSOFT_SSO_AUTHORITY") or (
        f"https://login.microsoftonline.com/{_tenant}" if _tenant else None
    )
    MICROSOFT_SSO_ALLOWABLE_DOMAINS = env_list("MICROSOFT_SSO_ALLOWABLE_DOMAINS")
    MICROSOFT_SSO_SUPERUSER_LIST = env_list("MICROSOFT_SSO_SUPERUSER_LIST")
MICROSOFT_SSO_ADMIN_REQUIRE_MFA = env_bool("MICROSOFT_SSO_ADMIN_REQUIRE_MFA", False)
MICROSOFT_SSO_NEXT_URL = "home"
MICROSOFT_SSO_LOGOUT_REDIRECT_PATH = "home"

SILENCED_SYSTEM_CHECKS = []
if not (MICROSOFT_SSO_APPLICATION_ID and MICROSOFT_SSO_CLIENT_SECRET):
    # The example still starts without an app registration; example_project.W001 says what to
    # set and names these, and a sign-in attempt ends with a message instead of a login.
    SILENCED_SYSTEM_CHECKS += ["django_microsoft_sso.E001", "django_microsoft_sso.E002"]
