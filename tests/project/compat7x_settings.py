"""Per-request settings written the way 7.x's docs (``pages.md``) teach them.

One function picks the admin's or the pages' configuration with ``is_admin_path(request)``, and
each setting is a lambda of the request that reads it. Tests apply these with the ``settings``
fixture (``apply(settings)``); ``private`` stands in for the docs' ``secret`` page.
"""

from typing import Any

from django.http import HttpRequest

from django_microsoft_sso.helpers import is_admin_path

ADMIN = {
    "allowable_domains": ["contoso.com"],
    "login_failed_url": "admin:login",
    "next_url": "admin:index",
    "session_cookie_age": 3600,
    "staff_list": [],
    "superuser_list": [],
    "auto_create_first_superuser": True,
}
PAGES = {
    "allowable_domains": ["*"],
    "login_failed_url": "home",
    "next_url": "private",
    "session_cookie_age": 86400,
    "staff_list": [],
    "superuser_list": [],
    "auto_create_first_superuser": False,
}


def get_sso_config(request: HttpRequest) -> dict[str, Any]:
    return ADMIN if is_admin_path(request) else PAGES


SETTINGS = {
    "MICROSOFT_SSO_ALLOWABLE_DOMAINS": lambda request: get_sso_config(request)[
        "allowable_domains"
    ],
    "MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER": lambda request: get_sso_config(request)[
        "auto_create_first_superuser"
    ],
    "MICROSOFT_SSO_STAFF_LIST": lambda request: get_sso_config(request)["staff_list"],
    "MICROSOFT_SSO_SUPERUSER_LIST": lambda request: get_sso_config(request)["superuser_list"],
    "MICROSOFT_SSO_NEXT_URL": lambda request: get_sso_config(request)["next_url"],
    "MICROSOFT_SSO_SESSION_COOKIE_AGE": lambda request: get_sso_config(request)[
        "session_cookie_age"
    ],
    "MICROSOFT_SSO_LOGIN_FAILED_URL": lambda request: get_sso_config(request)["login_failed_url"],
}


def apply(settings: Any) -> None:
    for name, value in SETTINGS.items():
        setattr(settings, name, value)
