"""The directory sync: Entra's people read through Graph, each applied to their Django user.

``run`` reads, for each tenant the project trusts for mapping, the people of ``/users/delta``
(everyone the first time; afterwards only what changed since the delta link of the last
complete run) and hands each to ``lifecycle.apply``. Pages are read one at a time and nothing
of the directory is kept, but for the people who would be deactivated: they are deactivated
only once the whole read has succeeded, so a read that fails halfway deactivates nobody (a
person missing from a cut-short read is not a leaver). The delta link is saved only after a
run that read everything and applied everything without error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from django_microsoft_sso import client, clouds, discovery, graph, lifecycle, tenants
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import (
    ConfigurationError,
    GraphError,
    LoginError,
    MicrosoftUnavailableError,
)
from django_microsoft_sso.groups import Mapping
from django_microsoft_sso.lifecycle import DirectoryPerson, Outcome
from django_microsoft_sso.logs import log
from django_microsoft_sso.mapped_privileges import Memberships
from django_microsoft_sso.models import DirectorySyncState, MicrosoftSSOUser

ACTIONS = ("deactivated", "reactivated", "updated", "unchanged", "skipped")


class DirectorySyncError(Exception):
    """A tenant's directory could not be read whole; nothing was deactivated."""

    def __init__(self, tenant_id: str, detail: str) -> None:
        super().__init__(f"{tenant_id}: {detail}")
        self.tenant_id = tenant_id
        self.detail = detail


@dataclass
class SyncSummary:
    """What a run did (or, dry, would do)."""

    read: int = 0
    deactivated: int = 0
    reactivated: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    # Tenants whose read failed, with why (no token, no permission, Graph down).
    failed_tenants: dict[str, str] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        if outcome.action in ACTIONS:
            setattr(self, outcome.action, getattr(self, outcome.action) + 1)

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": self.errors,
        }


# Called after each page with (tenant id, people read so far in that tenant).
Progress = Callable[[str, int], None]
# Called with each applied outcome (a dry run's too): what the command prints.
Report = Callable[[DirectoryPerson, Outcome], None]


class MembershipReader:
    """A person's Entra groups and app roles for ``--update``, read with the application's token.

    Only what a mapping needs is read: groups when a group is mapped, roles when a role is;
    nothing at all (and no mapped group or flag changes) when nothing is mapped. The mapping is
    loaded once a run; the application's service principal (its id and app roles) once a tenant.
    """

    def __init__(self, sso: Settings, sleep: Callable[[float], None]) -> None:
        self.sso = sso
        self.sleep = sleep
        self.mapping = Mapping.load(sso.groups_map, sso.roles_map)
        self._applications: dict[str, graph.ApplicationRoles | LoginError] = {}

    def read(self, tenant_id: str, object_id: str) -> Memberships | None:
        """The person's memberships; None when nothing is mapped. Raises ``GraphError``,
        ``MicrosoftUnavailableError`` or ``ConfigurationError`` when Graph could not say."""
        if not self.mapping:
            return None
        token = _token_of(self.sso, tenant_id)
        root = clouds.cloud(self.sso).graph_root
        group_ids: set[str] = set()
        roles: set[str] = set()
        if self.mapping.by_group:
            group_ids = graph.fetch_user_group_ids(
                token,
                object_id,
                timeout=self.sso.graph_timeout,
                max_pages=self.sso.groups_max_pages,
                graph_root=root,
                sleep=self.sleep,
            )
        if self.mapping.by_role:
            roles = graph.fetch_user_roles(
                token,
                object_id,
                self._application(tenant_id),
                timeout=self.sso.graph_timeout,
                max_pages=self.sso.groups_max_pages,
                graph_root=root,
                sleep=self.sleep,
            )
        return Memberships(self.mapping, group_ids, roles)

    def _application(self, tenant_id: str) -> graph.ApplicationRoles:
        # A failure is kept too: asked again for each person, it would cost a request each.
        known = self._applications.get(tenant_id)
        if known is None:
            try:
                known = graph.fetch_application_roles(
                    _token_of(self.sso, tenant_id),
                    self.sso.application_id or "",
                    timeout=self.sso.graph_timeout,
                    graph_root=clouds.cloud(self.sso).graph_root,
                    sleep=self.sleep,
                )
            except (GraphError, MicrosoftUnavailableError, ConfigurationError) as error:
                known = error
            self._applications[tenant_id] = known
        if isinstance(known, LoginError):
            raise known
        return known


def trusted_tenants(sso: Settings) -> list[str]:
    """The tenants whose people the sync may touch: those trusted for mapping."""
    authority_tenant_id = discovery.tenant_metadata(sso).tenant_id
    return sorted(tenants.mapping_tenants(sso.mapping_tenants, authority_tenant_id))


def run(
    *,
    full: bool = False,
    update: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    report: Report | None = None,
    sleep: Callable[[float], None] = time.sleep,
    sso: Settings | None = None,
) -> SyncSummary:
    """Sync every trusted tenant; a tenant that fails is noted and the others still run."""
    sso = sso or Settings()
    summary = SyncSummary()
    reader = MembershipReader(sso, sleep) if update else None
    if not dry_run:
        # The sign-in only adds session notes; the sync, which runs every few minutes, drops them.
        lifecycle.forget_expired_sessions(sso)
    for tenant_id in trusted_tenants(sso):
        try:
            sync_tenant(
                sso,
                tenant_id,
                summary,
                full=full,
                update=update,
                dry_run=dry_run,
                progress=progress,
                report=report,
                sleep=sleep,
                reader=reader,
            )
        except DirectorySyncError as error:
            summary.failed_tenants[tenant_id] = error.detail
            log(sso, "ERROR", "directory sync of tenant {} failed: {}", tenant_id, error.detail)
    return summary


def sync_tenant(
    sso: Settings,
    tenant_id: str,
    summary: SyncSummary,
    *,
    full: bool = False,
    update: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    report: Report | None = None,
    sleep: Callable[[float], None] = time.sleep,
    reader: MembershipReader | None = None,
) -> None:
    """Read one tenant's directory and apply it; raises ``DirectorySyncError``.

    With ``update``, ``reader`` (one a run) reads the memberships the mapping needs."""
    if update and reader is None:
        reader = MembershipReader(sso, sleep)
    state = DirectorySyncState.objects.filter(tenant_id=tenant_id).first()
    delta_link = None if full or state is None else state.delta_link or None
    errors_before = summary.errors
    try:
        try:
            new_link, leavers = _read(
                sso,
                tenant_id,
                delta_link,
                summary,
                update,
                dry_run,
                progress,
                report,
                sleep,
                reader,
            )
        except graph.DeltaLinkExpiredError:
            if delta_link is None:
                raise
            log(sso, "INFO", "delta link of tenant {} expired: reading everyone", tenant_id)
            new_link, leavers = _read(
                sso, tenant_id, None, summary, update, dry_run, progress, report, sleep, reader
            )
    except (GraphError, MicrosoftUnavailableError, ConfigurationError) as error:
        raise _read_error(tenant_id, error) from error
    # The read is complete: now, and only now, the leavers it found.
    for person in leavers:
        _apply(sso, person, summary, update=False, dry_run=dry_run, report=report)
    if dry_run or summary.errors > errors_before:
        # A dry run changes nothing; a run with errors is read again from the old link.
        return
    DirectorySyncState.objects.update_or_create(
        tenant_id=tenant_id, defaults={"delta_link": new_link}
    )


def sync_people(
    links: Iterable[MicrosoftSSOUser],
    *,
    update: bool,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    sso: Settings | None = None,
) -> list[Outcome]:
    """Read the people of ``links`` from Graph (``/users/{id}``) and apply each; one outcome a
    link, in order. The admin action's path. With ``update``, their mapped groups and flags are
    refreshed too, as ``--update`` does.

    Everyone is read before anyone is changed: a read that fails raises
    ``DirectorySyncError`` and nobody is changed. A person Graph no longer knows is deleted. A
    link of a tenant not trusted for mapping (or of 7.x, without a tenant) is ``skipped``
    without asking Microsoft.
    """
    sso = sso or Settings()
    trusted = set(trusted_tenants(sso))
    reader = MembershipReader(sso, sleep) if update else None
    read: list[DirectoryPerson | Outcome] = []
    memberships: dict[tuple[str, str], Memberships | None] = {}
    for link in links:
        tenant_id = (link.tenant_id or "").lower()
        if tenant_id not in trusted or not link.microsoft_id:
            read.append(Outcome("skipped", link.user_id, "tenant not trusted for mapping"))
            continue
        try:
            entry = graph.fetch_directory_user(
                _token_of(sso, tenant_id),
                link.microsoft_id,
                timeout=sso.graph_timeout,
                graph_root=clouds.cloud(sso).graph_root,
                sleep=sleep,
            )
        except (GraphError, MicrosoftUnavailableError, ConfigurationError) as error:
            raise _read_error(tenant_id, error) from error
        if entry is None:
            entry = {"id": link.microsoft_id, "@removed": {"reason": "deleted"}}
        person = directory_person(tenant_id, entry)
        if person is not None and reader is not None and not person.deleted:
            # Read with the rest, before anyone changes: the same rule as for the profile.
            try:
                memberships[(person.tenant_id, person.object_id)] = reader.read(
                    person.tenant_id, person.object_id
                )
            except (GraphError, MicrosoftUnavailableError, ConfigurationError) as error:
                raise _read_error(tenant_id, error) from error
        read.append(person if person is not None else Outcome("skipped", link.user_id))
    outcomes = []
    for item in read:
        if isinstance(item, Outcome):
            outcomes.append(item)
            continue
        try:
            outcomes.append(
                lifecycle.apply(
                    item,
                    update=update,
                    dry_run=dry_run,
                    memberships=memberships.get((item.tenant_id, item.object_id)),
                )
            )
        except Exception as error:  # one person's failure must not stop the others
            log(
                sso,
                "ERROR",
                "directory sync: applying {}/{} failed: {}",
                item.tenant_id,
                item.object_id,
                type(error).__name__,
            )
            outcomes.append(Outcome("error", None, type(error).__name__))
    return outcomes


def _token_of(sso: Settings, tenant_id: str) -> Callable[[], str]:
    return lambda: client.application_token(sso, tenant_id)


def _read_error(tenant_id: str, error: LoginError) -> DirectorySyncError:
    """What to tell whoever runs the sync when a tenant's directory could not be read."""
    if isinstance(error, graph.DirectoryPermissionError):
        return DirectorySyncError(
            tenant_id,
            "Graph refused to list users: grant the application the User.Read.All "
            "application permission, with an administrator's consent, in this tenant "
            f"({error.detail})",
        )
    if isinstance(error, ConfigurationError):
        return DirectorySyncError(
            tenant_id,
            "Microsoft refused the application's own token (client credentials): check the "
            "credentials and that the application is consented in this tenant, with the "
            f"User.Read.All application permission ({error.detail})",
        )
    return DirectorySyncError(
        tenant_id,
        f"the directory could not be read whole, nobody deactivated ({error.detail})",
    )


def _read(
    sso: Settings,
    tenant_id: str,
    delta_link: str | None,
    summary: SyncSummary,
    update: bool,
    dry_run: bool,
    progress: Progress | None,
    report: Report | None,
    sleep: Callable[[float], None],
    reader: MembershipReader | None = None,
) -> tuple[str, list[DirectoryPerson]]:
    """Apply the pages of one read but its leavers; return its delta link and the leavers."""
    # Graph may list a person more than once in one read; the last entry is what holds.
    leavers: dict[str, DirectoryPerson] = {}
    read_here = 0
    pages = graph.read_user_delta(
        _token_of(sso, tenant_id),
        delta_link=delta_link,
        timeout=sso.graph_timeout,
        graph_root=clouds.cloud(sso).graph_root,
        sleep=sleep,
    )
    for page in pages:
        linked = _linked_users(tenant_id, page.users)
        for entry in page.users:
            person = directory_person(tenant_id, entry)
            if person is None:
                continue
            summary.read += 1
            read_here += 1
            state = linked.get(person.object_id)
            if state is None:
                summary.skipped += 1
                continue
            is_active, deactivated_by_sync = state
            if person.deleted or person.enabled is False:
                if is_active:
                    # Only noted now; deactivated once the whole read has succeeded.
                    leavers[person.object_id] = DirectoryPerson(
                        tenant_id=person.tenant_id,
                        object_id=person.object_id,
                        enabled=person.enabled,
                        deleted=person.deleted,
                        profile={},
                    )
                else:
                    summary.unchanged += 1
                    leavers.pop(person.object_id, None)
                continue
            leavers.pop(person.object_id, None)
            if not update and (is_active or not deactivated_by_sync):
                # Nothing for lifecycle.apply to do: most of a full read, at no query per person.
                summary.unchanged += 1
                continue
            # An inactive user is read only when Entra gives them back now (it was the sync's
            # doing); one an administrator deactivated keeps what they have.
            wanted = is_active or (deactivated_by_sync and person.enabled is True)
            _apply(
                sso,
                person,
                summary,
                update=update,
                dry_run=dry_run,
                report=report,
                reader=reader if wanted else None,
            )
        if progress is not None:
            progress(tenant_id, read_here)
        if page.delta_link is not None:
            return page.delta_link, list(leavers.values())
    raise GraphError("graph: users/delta ended without a delta link")  # pragma: no cover


def _apply(
    sso: Settings,
    person: DirectoryPerson,
    summary: SyncSummary | None,
    *,
    update: bool,
    dry_run: bool,
    report: Report | None,
    reader: MembershipReader | None = None,
) -> Outcome | None:
    """``lifecycle.apply``, counted; a failure for one person is logged and the run goes on.

    With ``reader``, the person's groups and roles are read first: when Graph cannot say, the
    person is an error and nothing of theirs changes (not even their names).
    """
    memberships = None
    if update and reader is not None:
        try:
            memberships = reader.read(person.tenant_id, person.object_id)
        except (GraphError, MicrosoftUnavailableError, ConfigurationError) as error:
            log(
                sso,
                "ERROR",
                "directory sync: groups and roles of {}/{} not read, nothing changed: {}",
                person.tenant_id,
                person.object_id,
                error.detail,
            )
            if summary is not None:
                summary.errors += 1
            return None
    try:
        outcome = lifecycle.apply(person, update=update, dry_run=dry_run, memberships=memberships)
    except Exception as error:  # one person's failure must not stop the others
        log(
            sso,
            "ERROR",
            "directory sync: applying {}/{} failed: {}",
            person.tenant_id,
            person.object_id,
            type(error).__name__,
        )
        if summary is not None:
            summary.errors += 1
        return None
    if summary is not None:
        summary.count(outcome)
    if report is not None and outcome.action not in ("unchanged", "skipped"):
        report(person, outcome)
    return outcome


def directory_person(tenant_id: str, entry: dict[str, Any]) -> DirectoryPerson | None:
    """One ``/users/delta`` entry as the lifecycle reads it; None without an id."""
    object_id = entry.get("id")
    if not isinstance(object_id, str) or not object_id:
        return None
    enabled = entry.get("accountEnabled")
    return DirectoryPerson(
        tenant_id=tenant_id,
        object_id=object_id.lower(),
        enabled=enabled if isinstance(enabled, bool) else None,
        deleted="@removed" in entry,
        profile={name: value for name, value in entry.items() if not name.startswith("@")},
    )


def _linked_users(
    tenant_id: str, entries: Iterable[dict[str, Any]]
) -> dict[str, tuple[bool, bool]]:
    """The people of a page who have a link row: id -> (user is active, deactivated by the
    sync). One query a page, so that a person the sync has nothing to do for costs none of
    their own. Rows of 7.x, which have no tenant, may be anyone's: ``lifecycle.apply`` decides.
    """
    ids = {entry["id"] for entry in entries if isinstance(entry.get("id"), str)}
    ids |= {object_id.lower() for object_id in ids}
    if not ids:
        return {}
    found = MicrosoftSSOUser.objects.filter(
        Q(tenant_id=tenant_id) | Q(tenant_id__isnull=True) | Q(tenant_id=""),
        microsoft_id__in=ids,
    ).values_list("microsoft_id", "user__is_active", "deactivated_by_sync")
    return {
        str(object_id).lower(): (bool(is_active), bool(by_sync))
        for object_id, is_active, by_sync in found
    }
