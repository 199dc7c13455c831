"""Say at start-up what the example still needs before people can sign in with Microsoft."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

CREDENTIALS = ("MICROSOFT_SSO_APPLICATION_ID", "MICROSOFT_SSO_CLIENT_SECRET")
# What example_project/settings.py silences while CREDENTIALS are unset.
SILENCED_WITHOUT_CREDENTIALS = ("django_microsoft_sso.E001", "django_microsoft_sso.E002")


def settings_silenced() -> list[str]:
    return list(getattr(settings, "SILENCED_SYSTEM_CHECKS", []))


@register()
def check_microsoft_sign_in_setup(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [name for name in CREDENTIALS if not getattr(settings, name, None)]
    if missing:
        # The settings silence the package's own errors for these (so that the site starts):
        # say so here, or "(2 silenced)" is all a reader learns of them.
        silenced = [
            check for check in SILENCED_WITHOUT_CREDENTIALS if check in settings_silenced()
        ]
        note = (
            f" {' and '.join(silenced)}, which say the same, are silenced until they are set."
            if silenced
            else ""
        )
        return [
            Warning(
                f"Sign in with Microsoft is not set up: {' and '.join(missing)} not set. "
                "The site runs, but signing in with Microsoft shows an error until they are."
                + note,
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
