"""Say at start-up what the example still needs before people can sign in with Microsoft."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

CREDENTIALS = ("MICROSOFT_SSO_APPLICATION_ID", "MICROSOFT_SSO_CLIENT_SECRET")


@register()
def check_microsoft_sign_in_setup(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [name for name in CREDENTIALS if not getattr(settings, name, None)]
    if missing:
        return [
            Warning(
                f"Sign in with Microsoft is not set up: {' and '.join(missing)} not set. "
                "The site runs, but signing in with Microsoft shows an error until they are.",
                hint=(
                    "Register an application in Microsoft Entra (redirect URI "
                    "http://localhost:8000/microsoft_sso/callback/), then export "
                    "MICROSOFT_SSO_APPLICATION_ID, MICROSOFT_SSO_CLIENT_SECRET, "
                    "MICROSOFT_SSO_TENANT_ID and MICROSOFT_SSO_ALLOWABLE_DOMAINS before "
                    "starting the example. With none of them set (and DJANGO_DEBUG on), the "
                    "example runs its demo with the Microsoft emulator instead."
                ),
                id="example_project.W001",
            )
        ]
    # An empty MICROSOFT_SSO_ALLOWABLE_DOMAINS is the package's own django_microsoft_sso.W006.
    return []
