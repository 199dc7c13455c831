"""``manage.py microsoft_sso_sync``: apply Entra's disabled, deleted and re-enabled people."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_microsoft_sso import directory
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.lifecycle import DirectoryPerson, Outcome

# Without a terminal, a progress line every this many pages: a cron mail stays short.
PAGES_PER_LOG_LINE = 10
_WOULD = {
    "deactivated": "would deactivate",
    "reactivated": "would re-activate",
    "updated": "would update",
}


class Command(BaseCommand):
    help = (
        "Read the directory of each tenant trusted for mapping through Microsoft Graph and "
        "deactivate the Django users of people Entra disabled or deleted (re-activating those "
        "this command deactivated once Entra enables them again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read everyone, not only the changes since the last complete run.",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help=(
                "Also refresh names, e-mail and the user principal name from the directory, and "
                "(when a mapping exists) mapped Django groups and staff/superuser flags from "
                "the person's Entra groups and app roles, as a sign-in would."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sso = Settings()
        dry_run = bool(options["dry_run"])
        if not directory.trusted_tenants(sso):
            raise CommandError(
                "No tenant to read: set MICROSOFT_SSO_AUTHORITY to your tenant, or list the "
                "tenants in MICROSOFT_SSO_MAPPING_TENANTS."
            )
        self._terminal = self.stdout.isatty()
        self._pages = 0
        summary = directory.run(
            full=bool(options["full"]),
            update=bool(options["update"]),
            dry_run=dry_run,
            progress=self._progress,
            report=lambda person, outcome: self._report(person, outcome, dry_run),
            sso=sso,
        )
        if self._terminal:
            self.stdout.write("")
        counts = ", ".join(f"{name} {count}" for name, count in summary.as_dict().items())
        self.stdout.write(("Dry run, nothing changed: " if dry_run else "") + counts)
        if summary.failed_tenants:
            for tenant_id, detail in summary.failed_tenants.items():
                self.stderr.write(f"Tenant {tenant_id}: {detail}")
            raise CommandError(
                f"{len(summary.failed_tenants)} tenant(s) could not be read; nobody of theirs "
                "was deactivated."
            )

    def _progress(self, tenant_id: str, read: int) -> None:
        self._pages += 1
        if self._terminal:
            self.stdout.write(f"\r{tenant_id}: {read} people read", ending="")
            self.stdout.flush()
        elif self._pages % PAGES_PER_LOG_LINE == 0:
            self.stdout.write(f"{tenant_id}: {read} people read")

    def _report(self, person: DirectoryPerson, outcome: Outcome, dry_run: bool) -> None:
        verb = _WOULD.get(outcome.action, outcome.action) if dry_run else outcome.action
        who = f"user {outcome.user_id}" if outcome.user_id is not None else "no user"
        detail = f" ({outcome.detail})" if outcome.detail else ""
        line = f"{verb}: {who}, {person.tenant_id}/{person.object_id}{detail}"
        if self._terminal:
            line = "\r" + line
        self.stdout.write(line)
