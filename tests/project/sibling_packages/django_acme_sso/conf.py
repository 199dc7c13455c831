"""Settings of the Acme provider, read live: values or callables of the request."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ACME_SSO_ENABLED": True,
    "ACME_SSO_ADMIN_ENABLED": None,
    "ACME_SSO_PAGES_ENABLED": None,
    "ACME_SSO_LOGO_URL": "django_acme_sso/acme_logo.svg",
    "ACME_SSO_TEXT": "Sign in with Acme",
}


def __getattr__(name: str) -> Any:
    if name in DEFAULTS:
        return getattr(settings, name, DEFAULTS[name])
    raise AttributeError(name)
