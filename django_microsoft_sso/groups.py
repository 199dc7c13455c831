"""Entra groups and app roles → Django groups, ``is_staff`` and ``is_superuser``.

A mapping says what one Entra group (by object id) or app role (by value) grants: Django groups
by name, and the flags ``is_staff`` and ``is_superuser`` (which grants ``is_staff`` too). It comes
from ``MICROSOFT_SSO_GROUPS_MAP`` / ``MICROSOFT_SSO_ROLES_MAP`` and from ``GroupMapping`` rows the
admin edits; both count.

At each sign-in the person's Django groups that some mapping names are set to what their current
groups and roles grant (added and removed); groups no mapping names are left alone. A flag is
taken away only when a mapping granted it: ``MicrosoftSSOUser.mapped_flags`` remembers which, so
a flag an administrator, ``STAFF_LIST`` or ``SUPERUSER_LIST`` gave stays.

A mapping counts only for people of tenants the project names (``tenants.mapping_tenants``):
whoever administers a tenant decides its roles and groups. This module says what a mapping grants;
``mapped_privileges`` gives it to a user, and takes a mapped flag back at a login that did not
come through Microsoft.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

FLAGS = ("is_staff", "is_superuser")


def entries(spec: Any) -> list[str]:
    """The entries of one mapping value: a string is one entry, a list or tuple many."""
    if isinstance(spec, str):
        return [spec]
    return list(spec)


def map_errors(value: Any) -> list[str]:
    """What is wrong with the shape of a map setting (empty when nothing is)."""
    if not isinstance(value, dict):
        return [f"must be a dict, not {type(value).__name__}"]
    problems = []
    for key, spec in value.items():
        if not isinstance(key, str) or not key.strip():
            problems.append(f"key {key!r} must be a non-empty string")
        if isinstance(spec, str):
            spec = [spec]
        if not isinstance(spec, list | tuple) or not spec:
            problems.append(f"{key!r} must map to a string or a non-empty list of strings")
            continue
        for entry in spec:
            if not isinstance(entry, str) or not entry.strip():
                problems.append(f"{key!r}: entry {entry!r} must be a non-empty string")
    return problems


def unknown_flags(value: Any) -> list[str]:
    """Entries that look like a user flag (``is_…``) but are none this package sets."""
    if not isinstance(value, dict):
        return []
    found = []
    for spec in value.values():
        if not isinstance(spec, str | list | tuple):
            continue
        for entry in entries(spec):
            if isinstance(entry, str) and entry.startswith("is_") and entry not in FLAGS:
                found.append(entry)
    return found


@dataclass
class Grant:
    """What one group or role grants."""

    groups: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)

    def add(self, entry: str) -> None:
        if entry in FLAGS:
            self.flags.add(entry)
            if entry == "is_superuser":
                self.flags.add("is_staff")
        elif not entry.startswith("is_"):  # an unknown flag (check E012) grants nothing
            self.groups.add(entry)


@dataclass
class Mapping:
    """Every mapping in force: settings and database rows together."""

    by_group: dict[str, Grant] = field(default_factory=dict)
    by_role: dict[str, Grant] = field(default_factory=dict)

    @classmethod
    def load(cls, groups_map: dict[str, Any], roles_map: dict[str, Any]) -> Mapping:
        from django_microsoft_sso.models import GroupMapping

        mapping = cls()
        for key, spec in groups_map.items():
            for entry in entries(spec):
                mapping.grant(mapping.by_group, key.lower(), entry)
        for key, spec in roles_map.items():
            for entry in entries(spec):
                mapping.grant(mapping.by_role, key, entry)
        for kind, source, group_name, flags in database_rows():
            target = mapping.by_group if kind == GroupMapping.GROUP else mapping.by_role
            key = source.strip().lower() if kind == GroupMapping.GROUP else source.strip()
            for entry in ([group_name] if group_name else []) + flags:
                mapping.grant(target, key, entry)
            target.setdefault(key, Grant())
        return mapping

    @staticmethod
    def grant(target: dict[str, Grant], key: str, entry: str) -> None:
        target.setdefault(key.strip(), Grant()).add(entry.strip())

    def __bool__(self) -> bool:
        return bool(self.by_group or self.by_role)

    @property
    def managed_groups(self) -> set[str]:
        """The Django groups some mapping names: the only ones sign-in adds or removes."""
        return {name for grant in self.all_grants() for name in grant.groups}

    def all_grants(self) -> Iterable[Grant]:
        yield from self.by_group.values()
        yield from self.by_role.values()

    def granted(self, group_ids: set[str], roles: set[str]) -> Grant:
        """What a person in ``group_ids`` with ``roles`` is given."""
        result = Grant()
        matched = [self.by_group[g] for g in group_ids if g in self.by_group]
        matched += [self.by_role[r] for r in roles if r in self.by_role]
        for grant in matched:
            result.groups |= grant.groups
            result.flags |= grant.flags
        return result


# The mapping rows, read once and kept for a short while: a returning person's sign-in costs no
# query for them. Saving or deleting a row (or renaming a Django group) forgets them in this
# process at once; other processes read them again within ``DATABASE_ROWS_SECONDS``.
DATABASE_ROWS_SECONDS = 30
Row = tuple[str, str, str | None, list[str]]
_rows: tuple[float, list[Row]] | None = None
_rows_lock = threading.Lock()


def database_rows() -> list[Row]:
    """The ``GroupMapping`` rows as (kind, source, Django group name, flags)."""
    global _rows
    from django_microsoft_sso.models import GroupMapping

    with _rows_lock:
        kept = _rows
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    rows: list[Row] = [
        (
            row.kind,
            row.source,
            row.django_group.name if row.django_group else None,
            [flag for flag in FLAGS if getattr(row, flag)],
        )
        for row in GroupMapping.objects.select_related("django_group")
    ]
    with _rows_lock:
        _rows = (time.monotonic() + DATABASE_ROWS_SECONDS, rows)
    return rows


def forget_database_rows(**_: Any) -> None:
    """Read the mapping rows again at the next sign-in (a signal receiver, too)."""
    global _rows
    with _rows_lock:
        _rows = None


def claimed_groups(claims: dict[str, Any]) -> set[str] | None:
    """The ``groups`` claim as lower-cased ids; None when the token does not carry them all.

    Entra leaves the claim out when the person is in more groups than a token holds (the
    "overage"), and says so with ``_claim_names`` (or ``hasgroups``); it also leaves it out when
    the app registration does not ask for group claims.
    """
    names = claims.get("_claim_names")
    if claims.get("hasgroups") or (isinstance(names, dict) and "groups" in names):
        return None
    value = claims.get("groups")
    if not isinstance(value, list):
        return None
    return {item.lower() for item in value if isinstance(item, str)}


def claimed_roles(claims: dict[str, Any]) -> set[str]:
    value = claims.get("roles")
    if not isinstance(value, list):
        return set()
    return {item for item in value if isinstance(item, str)}
