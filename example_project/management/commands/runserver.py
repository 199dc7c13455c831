"""``runserver`` that starts the demo's Microsoft emulator beside the site, and says how to sign in.

In the demo (no app registration in the environment, see ``example_project/settings.py``) the
emulator runs in a thread of the serving process. With the autoreloader, that is the child
process Django restarts after each change, so every restart brings a fresh emulator and the
watching parent never starts one. An emulator already running elsewhere is used instead when
``MICROSOFT_SSO_EMULATOR_URL`` is set.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import (
    Command as StaticFilesRunserverCommand,
)
from django.urls import reverse

from django_microsoft_sso.testing.emulator import (
    EMULATOR_URL_VARIABLE,
    EmulatorServer,
    check_allowed,
)
from example_project.views import EMULATOR_PAGES_PATH

# Addresses a browser on this machine reaches as "localhost", the one host name for which
# Microsoft accepts a plain-http redirect URI.
LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1", "0", "0.0.0.0", "::"}


class Command(StaticFilesRunserverCommand):
    help = "Starts the development server; in the demo, with the Microsoft emulator beside it."

    emulator: EmulatorServer | None = None

    def inner_run(self, *args: Any, **options: Any) -> None:
        if settings.EXAMPLE_USES_EMULATOR and not os.environ.get(EMULATOR_URL_VARIABLE):
            check_allowed()
            from example_project.demo import demo_microsoft

            self.emulator = EmulatorServer(
                demo_microsoft(), browser_base_url=EMULATOR_PAGES_PATH
            ).start()
            os.environ[EMULATOR_URL_VARIABLE] = self.emulator.url
        try:
            super().inner_run(*args, **options)
        finally:
            if self.emulator is not None:
                self.emulator.stop()

    def on_bind(self, server_port: int) -> None:
        super().on_bind(server_port)
        host = "localhost" if self.addr in LOCAL_ADDRESSES else self.addr
        if self._raw_ipv6 and host != "localhost":
            host = f"[{host}]"
        self.stdout.write(banner(f"{self.protocol}://{host}:{server_port}"))


def banner(site: str) -> str:
    """Where to go, and whom sign-ins with Microsoft reach: the emulator or the real Microsoft."""
    admin = site + reverse("admin:index")
    rule = "-" * 78
    lines = [rule]
    if settings.EXAMPLE_USES_EMULATOR:
        from example_project.demo import PEOPLE

        lines += [
            "Sign in with Microsoft: DEMO, through the Microsoft emulator at "
            + os.environ.get(EMULATOR_URL_VARIABLE, "(not running)"),
            "No Microsoft tenant is needed and no request leaves this machine.",
            "",
            f"Open {admin} and click 'Sign in with Microsoft', then pick someone:",
        ]
        lines += [
            f"  {person.display_name:<16} {person.user_principal_name:<19} {person.shows}"
            for person in PEOPLE
        ]
        from example_project.management.commands.microsoft_sso_demo_token import api_paths

        if api_paths():
            lines += [
                "",
                f"The API ({', '.join(api_paths())}) takes an access token of a demo person:",
                "  python example_project/manage.py microsoft_sso_demo_token ada@contoso.com",
                "prints one, and the curl lines that call the API with it.",
            ]
        lines += [
            "",
            "To sign in with the real Microsoft instead, set MICROSOFT_SSO_APPLICATION_ID,",
            "MICROSOFT_SSO_CLIENT_SECRET and MICROSOFT_SSO_TENANT_ID (README.md, Quick start).",
        ]
    else:
        authority = settings.MICROSOFT_SSO_AUTHORITY or "https://login.microsoftonline.com/common"
        callback = site + reverse("django_microsoft_sso:oauth_callback")
        lines += [
            f"Sign in with Microsoft: the real Microsoft, authority {authority}",
            "",
            f"Open {admin} and click 'Sign in with Microsoft'.",
            f"The app registration needs the Web redirect URI {callback}",
        ]
        if not (settings.MICROSOFT_SSO_APPLICATION_ID and settings.MICROSOFT_SSO_CLIENT_SECRET):
            lines.append(
                "It is not set up yet: the warning example_project.W001 above says what to set."
            )
    lines.append(rule)
    return "\n".join(lines)
