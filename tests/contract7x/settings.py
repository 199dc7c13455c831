"""Settings for 7.1.1's own tests (scripts/test-7x-contract), as 7.x's example project had them.

The test settings, plus the sites framework (7.x's tests read ``request.site``) and 7.x's
per-request settings from its docs (``pages.md``): the admin's or the pages' configuration,
picked with ``is_admin_path``. Its pages are ``index`` (``/``) and ``secret`` (``/secret/``).
"""

from typing import Any

from django.http import HttpRequest

from django_microsoft_sso.helpers import is_admin_path
from tests.project.settings import *  # noqa: F403
from tests.project.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sites"]
SITE_ID = 1
MIDDLEWARE = [*MIDDLEWARE, "django.contrib.sites.middleware.CurrentSiteMiddleware"]
ROOT_URLCONF = "tests.contract7x.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [__import__("pathlib").Path(__file__).parent / "templates"]}]


def get_sso_config(request: HttpRequest) -> dict[str, Any]:
    admin = {
        "allowable_domains": [],
        "login_failed_url": "admin:login",
        "next_url": "admin:index",
        "session_cookie_age": 3600,
        "auto_create_first_superuser": True,
    }
    pages = {
        "allowable_domains": ["*"],
        "login_failed_url": "index",
        "next_url": "secret",
        "session_cookie_age": 86400,
        "auto_create_first_superuser": False,
    }
    return admin if is_admin_path(request) else pages


MICROSOFT_SSO_ALLOWABLE_DOMAINS = lambda request: get_sso_config(request)["allowable_domains"]  # noqa: E731
MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER = lambda request: get_sso_config(request)[  # noqa: E731
    "auto_create_first_superuser"
]
MICROSOFT_SSO_NEXT_URL = lambda request: get_sso_config(request)["next_url"]  # noqa: E731
MICROSOFT_SSO_SESSION_COOKIE_AGE = lambda request: get_sso_config(request)[  # noqa: E731
    "session_cookie_age"
]
MICROSOFT_SSO_LOGIN_FAILED_URL = lambda request: get_sso_config(request)[  # noqa: E731
    "login_failed_url"
]
