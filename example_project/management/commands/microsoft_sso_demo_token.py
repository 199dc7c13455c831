"""``manage.py microsoft_sso_demo_token [PERSON]``: an access token for the example's API, signed
by the demo's Microsoft emulator, and the curl lines that call the API with it.

A real client (a single-page app, a mobile app, another service) gets its token from Microsoft
with msal; in the demo, the emulator's key signs one directly, as Entra would sign it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from django_microsoft_sso.testing.emulator import check_allowed
from example_project.api_common import API_SCOPE


class Command(BaseCommand):
    help = "Prints an access token of a demo person for the example's API, and curl lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "person",
            nargs="?",
            default="ada@contoso.com",
            help="the demo person's user principal name (default: ada@contoso.com)",
        )
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            help=f"a delegated scope in the token, repeatable (default: {API_SCOPE})",
        )
        parser.add_argument(
            "--site",
            default="http://127.0.0.1:8000",
            help="where the example runs, for the curl lines (default: http://127.0.0.1:8000)",
        )
        parser.add_argument(
            "--token-only", action="store_true", help="print the token alone, for scripts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "EXAMPLE_USES_EMULATOR", False):
            raise CommandError(
                "The example signs in with the real Microsoft: get a token from it (msal, or "
                "az account get-access-token --scope api://<application id>/access_as_user)."
            )
        check_allowed()
        from example_project.demo import PEOPLE, demo_microsoft

        fake = demo_microsoft()
        person = next(
            (u for u in fake.users if u.user_principal_name == options["person"].lower()), None
        )
        if person is None:
            names = ", ".join(p.user_principal_name for p in PEOPLE)
            raise CommandError(f"No demo person {options['person']!r}; pick one of {names}.")
        token = fake.access_token(person, scopes=options["scopes"] or [API_SCOPE])
        if options["token_only"]:
            self.stdout.write(token)
            return
        site = options["site"].rstrip("/")
        self.stdout.write(f"An access token of {person.display_name} for the example's API:\n")
        self.stdout.write(token + "\n")
        self.stdout.write("Call the API with it (the example must be running):\n")
        for path in api_paths():
            self.stdout.write(f'  curl -H "Authorization: Bearer {token}" {site}{path}')


def api_paths() -> list[str]:
    """The example's API URLs, of the frameworks that are installed."""
    paths = []
    for name in ("api-drf-me", "example-ninja:me"):
        with contextlib.suppress(NoReverseMatch):
            paths.append(reverse(name))
    return paths
