"""What happens to a person's Django user when Entra disables, deletes or enables their account.

``deactivate`` makes the user inactive (``is_active = False``), records on their link that the
package did it, ends the server-side sessions they signed in to (their Microsoft tokens live in
those sessions, so they go too) and sends ``microsoft_sso_user_deactivated`` once the
transaction commits. ``reactivate`` undoes it, but only for a user the package deactivated: never
one an administrator deactivated by hand. ``apply`` decides, for one entry of the directory as
``microsoft_sso_sync`` read it, which of them (if any) to run; the sign-in and the token refresh
call ``deactivate`` when Microsoft answers that the account is disabled (AADSTS50057) or deleted
(AADSTS50034).

Sessions are found through ``UserSession``, written at each login of a linked user: Django keeps
no index from a user to their sessions. A note outlives its session at most by the session's
longest lifetime; a session that lives longer (``SESSION_SAVE_EVERY_REQUEST``) may be missed, and
is then refused at its next request, its user being inactive. A signed-cookie session cannot be ended from the server;
an inactive user's session is refused at its next request by Django's authentication (both
``ModelBackend`` and ``MicrosoftSSOBackend`` load no inactive user), which is what ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from django_microsoft_sso import client, pending_cookies, sessions, signals, tenants
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.logs import log
from django_microsoft_sso.models import MicrosoftSSOUser, UserSession

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from django_microsoft_sso.facts import PersonFacts
    from django_microsoft_sso.mapped_privileges import Memberships

DEACTIVATED = "deactivated"
REACTIVATED = "reactivated"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"

# Microsoft's error codes for an account it will no longer sign in, and the reason each gives.
ACCOUNT_DISABLED = 50057
ACCOUNT_DELETED = 50034
GONE_CODES = {ACCOUNT_DISABLED: "disabled", ACCOUNT_DELETED: "deleted"}
# The name a session key is sealed under in ``UserSession``.
SEALED_KEY_NAME = "django_microsoft_sso:user_session"


@dataclass(frozen=True)
class DirectoryPerson:
    """One ``/users/delta`` entry as the directory sync read it."""

    tenant_id: str
    object_id: str
    enabled: bool | None  # accountEnabled; None when the entry does not say
    deleted: bool  # "@removed" in the delta entry
    profile: dict[str, Any]  # the Graph user object's fields (for --update)


@dataclass
class Outcome:
    """What applying one entry did (or, in a dry run, would do)."""

    action: str  # deactivated | reactivated | updated | unchanged | skipped
    user_id: int | None
    detail: str = ""


class Lifecycle:
    """The sender of ``microsoft_sso_user_deactivated`` and ``microsoft_sso_user_reactivated``."""


def gone_reason(result: dict[str, Any]) -> str | None:
    """``disabled`` or ``deleted`` when a token answer says the account is; else None."""
    codes = result.get("error_codes")
    if not isinstance(codes, list):
        return None
    for code in codes:
        try:
            reason = GONE_CODES.get(int(code))
        except (TypeError, ValueError):
            continue
        if reason is not None:
            return reason
    return None


def deactivate(user: AbstractBaseUser, *, reason: str, request: HttpRequest | None = None) -> bool:
    """Deactivate ``user`` because Entra disabled or deleted them; False when already inactive.

    A user who is already inactive is left as they are, and not marked as deactivated by the
    package: whoever deactivated them decides when they come back.
    """
    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model._default_manager.select_for_update().filter(pk=user.pk).first()
        if locked is None or not locked.is_active:
            return False
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        MicrosoftSSOUser.objects.filter(user_id=user.pk).update(deactivated_by_sync=True)
        user.is_active = False
        user_pk = user.pk
        transaction.on_commit(lambda: _after_deactivation(user, user_pk, reason, request))
    return True


def _after_deactivation(
    user: AbstractBaseUser, user_pk: Any, reason: str, request: HttpRequest | None
) -> None:
    sso = Settings(request)
    ended = end_sessions(user_pk)
    log(sso, "INFO", "User {} deactivated ({}): {} sessions ended", user_pk, reason, ended)
    signals.send(
        signals.microsoft_sso_user_deactivated,
        request,
        sender=Lifecycle,
        user=user,
        reason=reason,
    )


def reactivate(user: AbstractBaseUser, *, request: HttpRequest | None = None) -> bool:
    """Re-activate ``user`` if the package deactivated them; False (nothing done) otherwise."""
    user_model = get_user_model()
    with transaction.atomic():
        link = (
            MicrosoftSSOUser.objects.select_for_update()
            .filter(user_id=user.pk, deactivated_by_sync=True)
            .first()
        )
        if link is None:
            return False
        locked = user_model._default_manager.select_for_update().get(pk=user.pk)
        link.deactivated_by_sync = False
        link.save(update_fields=["deactivated_by_sync"])
        if locked.is_active:
            return False  # an administrator let them back in already
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        user.is_active = True
        transaction.on_commit(lambda: _after_reactivation(user, request))
    return True


def _after_reactivation(user: AbstractBaseUser, request: HttpRequest | None) -> None:
    log(Settings(request), "INFO", "User {} re-activated: Entra enabled the account", user.pk)
    signals.send(signals.microsoft_sso_user_reactivated, request, sender=Lifecycle, user=user)


def apply(
    person: DirectoryPerson,
    *,
    update: bool,
    dry_run: bool,
    memberships: Memberships | None = None,
) -> Outcome:
    """Bring the linked user of one directory entry in line with Entra (see the module doc).

    Only people with a link row, of a tenant the project trusts for mapping, are touched: the
    others are ``skipped``. With ``update`` and ``memberships`` (the person's Entra groups and
    app roles, read by the sync), an active user's mapped groups and flags are set as a sign-in
    sets them.
    """
    sso = Settings()
    tenant_id = person.tenant_id.lower()
    if tenant_id not in trusted_tenants(sso):
        return Outcome(SKIPPED, None, "tenant not trusted for mapping")
    link = (
        MicrosoftSSOUser.objects.select_related("user")
        .defer("picture_raw")
        # Exact matches, not iexact: the identity index serves 100,000 look-ups a full run.
        .filter(
            tenant_id=tenant_id,
            microsoft_id__in={person.object_id, person.object_id.lower()},
        )
        .first()
    )
    if link is None:
        return Outcome(SKIPPED, None, "no linked user")
    user = link.user
    if person.deleted or person.enabled is False:
        reason = "deleted" if person.deleted else "disabled"
        if not user.is_active:
            return Outcome(UNCHANGED, user.pk, "already inactive")
        if not dry_run:
            deactivate(user, reason=reason)
        return Outcome(DEACTIVATED, user.pk, reason)
    action = UNCHANGED
    # Also when an administrator let them back in already: from then on they are not ours.
    ours = person.enabled is True and link.deactivated_by_sync
    if ours and ((not user.is_active) if dry_run else reactivate(user)):
        action = REACTIVATED
    if update:
        changed = refresh_profile(sso, link, person, dry_run=dry_run)
        if memberships is not None and user.is_active:
            changed |= refresh_mapping(sso, link, person, memberships, dry_run=dry_run)
        if changed:
            fields = ", ".join(sorted(changed))
            return Outcome(UPDATED if action == UNCHANGED else action, user.pk, fields)
    return Outcome(action, user.pk)


def trusted_tenants(sso: Settings) -> set[str]:
    return tenants.mapping_tenants(sso.mapping_tenants, client.tenant_metadata(sso).tenant_id)


def refresh_profile(
    sso: Settings, link: MicrosoftSSOUser, person: DirectoryPerson, *, dry_run: bool
) -> set[str]:
    """Copy names and e-mail from the directory as a sign-in would; the fields that changed.

    Done by the adapter's ``user_values``, the same call a sign-in with
    ``MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA`` makes; outside a request it gets a bare
    ``HttpRequest``. The link's UPN follows a renamed person.
    """
    from django_microsoft_sso.adapter import get_adapter
    from django_microsoft_sso.graph import MicrosoftProfile

    profile = MicrosoftProfile(person.profile)
    facts = _facts(sso, link, person)
    upn = facts.user_principal_name
    user = link.user
    values = get_adapter().user_values(HttpRequest(), facts, profile)
    changed = {name for name, value in values.items() if getattr(user, name) != value}
    upn_changed = bool(upn) and upn != link.user_principal_name
    if dry_run or not (changed or upn_changed):
        return changed | ({"user_principal_name"} if upn_changed else set())
    with transaction.atomic():
        for name in changed:
            setattr(user, name, values[name])
        if changed:
            user.save(update_fields=sorted(changed))
        if upn_changed:
            link.user_principal_name = upn[:255]
            link.save(update_fields=["user_principal_name"])
            changed.add("user_principal_name")
    return changed


def _facts(sso: Settings, link: MicrosoftSSOUser, person: DirectoryPerson) -> PersonFacts:
    from django_microsoft_sso.facts import PersonFacts
    from django_microsoft_sso.graph import MicrosoftProfile
    from django_microsoft_sso.tokens import MicrosoftIdentity

    profile = MicrosoftProfile(person.profile)
    allowed_trusted = tenants.allowed_and_trusted(
        sso.allowed_tenants, client.tenant_metadata(sso).tenant_id
    )[1]
    return PersonFacts(
        identity=MicrosoftIdentity(person.tenant_id.lower(), person.object_id, {}),
        user_principal_name=profile.user_principal_name or link.user_principal_name or "",
        mail=profile.mail,
        tenant_trusted=person.tenant_id.lower() in allowed_trusted,
    )


def refresh_mapping(
    sso: Settings,
    link: MicrosoftSSOUser,
    person: DirectoryPerson,
    memberships: Memberships,
    *,
    dry_run: bool,
) -> set[str]:
    """Set the mapped Django groups and flags as a sign-in would; what changed (``groups``,
    the flags, ``password``).

    The same calls as a sign-in (``UserSync.sync``): the adapter's ``granted``, then
    ``apply_mapping``, which also remembers the flags it granted on the link and makes the
    password of an account it grants a flag unusable. A dry run does it all and rolls it back.
    """
    from django_microsoft_sso.adapter import get_adapter
    from django_microsoft_sso.mapped_privileges import apply_mapping

    user = link.user
    mapping = memberships.mapping
    granted = get_adapter().granted(HttpRequest(), memberships)
    managed = mapping.managed_groups
    groups_changed = False
    if managed and hasattr(user, "groups"):
        current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
        groups_changed = current != granted.groups & managed
    facts = _facts(sso, link, person)
    with transaction.atomic():
        mapped_flags, changed = apply_mapping(sso, user, link, facts, mapping, granted)
        if changed:
            user.save(update_fields=sorted(changed))
        if mapped_flags != link.mapped_flags:
            link.mapped_flags = mapped_flags
            link.save(update_fields=["mapped_flags"])
        if dry_run:
            transaction.set_rollback(True)
    return changed | ({"groups"} if groups_changed else set())


# -- sessions -------------------------------------------------------------------------------


def remember_session(sender: Any, request: HttpRequest, user: AbstractBaseUser, **_: Any) -> None:
    """Note the session a linked user just logged in to (a ``user_logged_in`` receiver).

    Only server-side sessions (a signed cookie cannot be ended from here) and only users with a
    Microsoft link (known without a query after a sign-in with Microsoft). One query, the note's
    insert: notes older than any session can live are dropped by ``forget_expired_sessions``,
    which each directory sync runs, not by the sign-in.
    """
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if not key or sessions.cookie_sessions():
        return
    sso = Settings(request)
    try:
        if not _has_link(user):
            return
        UserSession.objects.create(
            user_id=user.pk, sealed_key=pending_cookies.seal(SEALED_KEY_NAME, {"k": key})
        )
    except Exception as error:  # a failed note costs the early end of this session, not the login
        log(sso, "WARNING", "Session of user {} not noted: {}", user.pk, type(error).__name__)


def forget_expired_sessions(sso: Settings) -> int:
    """Drop the notes of sessions that have expired by now, whoever they were; how many."""
    lifetime = max(int(settings.SESSION_COOKIE_AGE), int(sso.session_cookie_age))
    expired = UserSession.objects.filter(created__lt=timezone.now() - timedelta(seconds=lifetime))
    deleted: int = expired.delete()[0]
    return deleted


def _has_link(user: AbstractBaseUser) -> bool:
    # The reverse one-to-one: a sign-in loaded (or created) the link with the user, no query.
    try:
        user.microsoftssouser  # type: ignore[attr-defined]  # noqa: B018
    except MicrosoftSSOUser.DoesNotExist:
        return False
    return True


def end_sessions(user_pk: Any) -> int:
    """End every noted server-side session of the user; how many were noted.

    Works for the database, cache and cached_db engines (and any engine whose store deletes by
    key). A session whose key rotated since the login is not found here: Django refuses it at
    its next request anyway, the user being inactive.
    """
    rows = list(UserSession.objects.filter(user_id=user_pk))
    if not rows:
        return 0
    store = _session_store()
    for row in rows:
        key = _unseal(row.sealed_key)
        if key is not None:
            try:
                store.delete(key)
            except Exception as error:  # a cache that is down: the inactive flag still holds
                log(Settings(), "WARNING", "Session of user {} not ended: {}", user_pk, error)
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore()


def _unseal(sealed: str) -> str | None:
    opened = pending_cookies.unseal(SEALED_KEY_NAME, sealed)
    key = opened.get("k") if opened else None
    return key if isinstance(key, str) and key else None


# -- Microsoft's answer at a sign-in or a token refresh --------------------------------------


def deactivate_for_answer(request: HttpRequest, result: dict[str, Any]) -> str | None:
    """Deactivate the session's user when Microsoft's token answer says their account is gone.

    Returns ``disabled`` or ``deleted`` when the answer says so (whether or not anyone was
    deactivated), None otherwise. The answer names no one: the person is the user this session
    is signed in as, the one its refresh token (or the sign-in renewing it) belongs to. Only a
    user linked to a tenant trusted for mapping is deactivated, as with the directory sync.
    """
    reason = gone_reason(result)
    user = getattr(request, "user", None)
    if reason is None or user is None or not user.is_authenticated or not user.is_active:
        return reason
    sso = Settings(request)
    link = MicrosoftSSOUser.objects.filter(user_id=user.pk).only("tenant_id").first()
    if link is None or (link.tenant_id or "").lower() not in trusted_tenants(sso):
        return reason
    deactivate(user, reason=reason, request=request)
    return reason
