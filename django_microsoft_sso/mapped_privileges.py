"""What a group mapping grants, given to a user; and taken back where Microsoft was not asked.

``groups`` says what the person's Entra groups and app roles grant. Here the sync sets the
person's mapped Django groups and flags to that (``apply_mapping``), and a ``user_logged_in``
receiver takes a mapped flag back at any login that did not come through Microsoft
(``take_back_mapped_flags``): a flag a mapping grants holds while Entra grants the role or group,
and only a sign-in with Microsoft asks Entra.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.http import HttpRequest

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.groups import FLAGS, Grant, Mapping
from django_microsoft_sso.logs import log
from django_microsoft_sso.privileges import has_field, listed_flags

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from django_microsoft_sso.models import MicrosoftSSOUser


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
