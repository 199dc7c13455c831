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
whoever administers a tenant decides its roles and groups. A flag it grants holds for sign-ins
through Microsoft only (``take_back_mapped_flags``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.http import HttpRequest

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.logs import log
from django_microsoft_sso.privileges import has_field, listed_flags

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from django_microsoft_sso.models import MicrosoftSSOUser

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


@dataclass(frozen=True)
class Memberships:
    """The person's Entra groups (object ids, lower case) and app roles, and the mapping in force."""

    mapping: Mapping
    group_ids: set[str]
    roles: set[str]


def apply_mapping(
    sso: Settings,
    user: AbstractBaseUser,
    link: MicrosoftSSOUser,
    facts: PersonFacts,
    mapping: Mapping,
    granted: Grant,
) -> tuple[str, set[str]]:
    """Set the mapped Django groups and flags; return (flags the mapping now grants, changed).

    Only Django groups some mapping names are added or removed. A flag is removed only when
    the mapping granted it before (``link.mapped_flags``) and neither the mapping nor
    ``STAFF_LIST`` / ``SUPERUSER_LIST`` grants it now. An account the mapping grants a flag
    signs in through Microsoft only: its password is made unusable.
    """
    set_mapped_groups(user, mapping.managed_groups, granted.groups)
    listed = listed_flags(sso, facts)
    before = {flag for flag in link.mapped_flags.split(",") if flag}
    after: set[str] = set()
    changed = set()
    for flag in FLAGS:
        if not has_field(flag):
            continue
        has = bool(getattr(user, flag))
        if flag in granted.flags:
            if not has:
                setattr(user, flag, True)
                changed.add(flag)
                after.add(flag)
            elif flag in before:
                after.add(flag)
        elif flag in before and has and flag not in listed:
            setattr(user, flag, False)
            changed.add(flag)
    if after and user.has_usable_password():
        # These flags hold while Entra grants them, and only a sign-in with Microsoft asks
        # Entra: a password would keep them after the role or group is taken away.
        user.set_unusable_password()
        changed.add("password")
    return ",".join(sorted(after)), changed


def set_mapped_groups(user: AbstractBaseUser, managed: set[str], granted: set[str]) -> None:
    """Add the granted Django groups and remove the managed ones no longer granted."""
    from django.contrib.auth.models import Group

    if not managed or not hasattr(user, "groups"):
        return
    current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    missing = granted - current
    if missing:
        user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in sorted(missing)))
    extra = current - granted
    if extra:
        user.groups.remove(*Group.objects.filter(name__in=extra))


# True while this package logs a person in: any other login did not ask Microsoft.
_signing_in_with_microsoft: ContextVar[bool] = ContextVar(
    "django_microsoft_sso_signing_in", default=False
)


@contextmanager
def signing_in_with_microsoft() -> Iterator[None]:
    """Mark the ``login()`` inside as a sign-in through Microsoft."""
    marker = _signing_in_with_microsoft.set(True)
    try:
        yield
    finally:
        _signing_in_with_microsoft.reset(marker)


def take_back_mapped_flags(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """At a login that did not come through Microsoft, take back the flags a mapping granted.

    A ``user_logged_in`` receiver. A mapping grants ``is_staff`` and ``is_superuser`` for as long
    as Entra grants the role or group, and only a sign-in with Microsoft asks Entra; the sync
    makes such an account's password unusable, and this covers a password set afterwards (or
    another way in). The next sign-in with Microsoft grants them again if Entra still does.
    """
    from django_microsoft_sso.models import MicrosoftSSOUser

    user_model = get_user_model()
    if _signing_in_with_microsoft.get() or not isinstance(user, user_model) or user.pk is None:
        return
    link = MicrosoftSSOUser.objects.filter(user_id=user.pk).exclude(mapped_flags="").first()
    if link is None:
        return
    fields = {field.name for field in user_model._meta.get_fields()}
    flags = [
        flag
        for flag in link.mapped_flags.split(",")
        if flag in FLAGS and flag in fields and getattr(user, flag)
    ]
    with transaction.atomic(using=router.db_for_write(MicrosoftSSOUser)):
        for flag in flags:
            setattr(user, flag, False)
        if flags:
            user.save(update_fields=flags)
        link.mapped_flags = ""
        link.save(update_fields=["mapped_flags"])
    if flags:
        log(
            Settings(request),
            "WARNING",
            "User {} signed in without Microsoft: {} a group mapping granted taken back",
            user.pk,
            ",".join(flags),
        )
