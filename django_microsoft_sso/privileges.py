"""``is_staff`` and ``is_superuser`` from ``STAFF_LIST``, ``SUPERUSER_LIST`` and
``AUTO_CREATE_FIRST_SUPERUSER``; and the user model's fields, which a custom model may lack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.locks import hold_lock

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def has_field(name: str) -> bool:
    try:
        get_user_model()._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def max_length(name: str) -> int | None:
    field: Any = get_user_model()._meta.get_field(name)
    return getattr(field, "max_length", None)


def listed_flags(sso: Settings, facts: PersonFacts) -> set[str]:
    """The flags ``STAFF_LIST`` and ``SUPERUSER_LIST`` give: they match the UPN or the e-mail."""
    addresses = facts.addresses()
    superusers = {entry.lower() for entry in sso.superuser_list}
    flags = set()
    if addresses & ({entry.lower() for entry in sso.staff_list} | superusers):
        flags.add("is_staff")
    if addresses & superusers:
        flags.add("is_superuser")
    return flags


def grant_listed_privileges(sso: Settings, user: AbstractBaseUser, facts: PersonFacts) -> set[str]:
    """Set the flags the lists give (never take one away); return those that changed."""
    changed = set()
    for flag in sorted(listed_flags(sso, facts)):
        if has_field(flag) and not getattr(user, flag):
            setattr(user, flag, True)
            changed.add(flag)
    return changed


def grant_first_superuser(user: AbstractBaseUser) -> set[str]:
    """With ``AUTO_CREATE_FIRST_SUPERUSER``, the first person when there is no superuser."""
    if not has_field("is_superuser") or user.is_superuser:  # type: ignore[attr-defined]
        return set()
    user_model = get_user_model()
    superusers = user_model._default_manager.filter(is_superuser=True)
    if superusers.exists():
        return set()
    # There is none yet, so there is no row to lock: two first sign-ins at once would both
    # see none. The second waits here for the first to commit, then sees its superuser.
    if hold_lock("first-superuser", user_model) and superusers.exists():
        return set()
    user.is_superuser = True  # type: ignore[attr-defined]
    user.is_staff = True  # type: ignore[attr-defined]
    return {"is_superuser", "is_staff"}
