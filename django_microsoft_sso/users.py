"""The user-sync service: from a validated Microsoft identity to a Django user.

A person is the pair (tenant id, object id). Their user principal name and Graph ``mail`` help to
find an account on the first sign-in and to apply the domain and privilege settings, but only as
far as the person's tenant can vouch for them: see ``PersonFacts.email``.

Each decision is a small method of ``UserSync``; a project that needs another rule subclasses it
and points ``django_microsoft_sso.flow.LoginFlow.user_sync_class`` at the subclass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import hooks, tenants
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import RefusedError
from django_microsoft_sso.graph import MicrosoftProfile
from django_microsoft_sso.groups import FLAGS, Mapping
from django_microsoft_sso.logs import log
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.tokens import MicrosoftIdentity

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# More rows than 7.x ever left for one person: enough to see that there is a choice to make.
MAX_LEGACY_LINKS = 10


def email_domain(address: str | None) -> str | None:
    """The lower-cased domain of an e-mail address or UPN, or None when it has none."""
    if not address or address.count("@") != 1:
        return None
    local, domain = address.rsplit("@", 1)
    domain = domain.strip().rstrip(".").lower()
    return domain if local and domain else None


def hold_lock(name: str, model: Any) -> bool:
    """Hold the lock ``name`` until the current transaction ends (PostgreSQL only).

    Return whether a lock was taken: only then may another transaction have committed what the
    caller must read again.

    PostgreSQL runs transactions side by side, so two first sign-ins could each see "no link yet"
    (or "no superuser yet") and both act on it. With a transaction-level advisory lock the second
    waits until the first has committed, and then sees what it wrote. Elsewhere (SQLite) the
    unique constraints, ``UserSync.sync`` finding the person's own link after all, and the retry
    in ``LoginFlow.sync_and_login`` (which SQLite's "database is locked" also runs) remain.
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    digest = hashlib.sha256(f"django_microsoft_sso:{name}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
    return True


@dataclass(frozen=True)
class Memberships:
    """The person's Entra groups (object ids, lower case) and app roles, and the mapping in force."""

    mapping: Mapping
    group_ids: set[str]
    roles: set[str]


# A domain name: labels of letters, digits and hyphens, joined by single dots. No space, no "*".
DOMAIN_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)*")


def domain_pattern(entry: Any) -> str | None:
    """One ``ALLOWABLE_DOMAINS`` entry made comparable, or None when it has no meaning.

    ``"*"`` (exactly), ``"example.com"`` or ``"*.example.com"``, in any case and with one
    trailing dot at most. Anything else (``"*."``, ``" * "``, ``"@example.com"``, a non-string)
    is a typing mistake: it must never grow into "everyone", so it matches no one, and
    ``manage.py check`` reports it (E029).
    """
    if not isinstance(entry, str):
        return None
    if entry == "*":
        return entry
    prefix = "*." if entry.startswith("*.") else ""
    name = entry[len(prefix) :]
    name = name[:-1] if name.endswith(".") else name
    if not DOMAIN_NAME.fullmatch(name):
        return None
    return prefix + name.lower()


def domain_patterns(setting: Any) -> list[str]:
    """The usable entries of ``ALLOWABLE_DOMAINS``; a string or other non-list gives none.

    A plain string would otherwise be read letter by letter, and ``"*.contoso.com"`` would
    contain the entry ``"*"``.
    """
    if not isinstance(setting, list | tuple):
        return []
    return [pattern for pattern in map(domain_pattern, setting) if pattern is not None]


def domain_allowed(domain: str | None, patterns: Any) -> bool:
    """Whether ``domain`` is one of ``patterns``: exact, ``*.example.com`` for subdomains, ``*``."""
    if not domain:
        return False
    for pattern in domain_patterns(patterns):
        if pattern == "*":
            return True
        if pattern.startswith("*."):
            if domain.endswith(pattern[1:]):
                return True
        elif domain == pattern:
            return True
    return False


@dataclass(frozen=True)
class PersonFacts:
    """What is known of the person signing in, with the trust each fact deserves."""

    identity: MicrosoftIdentity
    user_principal_name: str
    mail: str | None
    tenant_trusted: bool

    @property
    def upn_domain_verified(self) -> bool:
        """A work account's UPN domain is a domain its tenant has verified."""
        return tenants.upn_domain_verified(self.identity.tenant_id)

    @property
    def email(self) -> str | None:
        """The Graph ``mail``, when it may be believed; else None.

        ``mail`` is whatever the person's tenant wrote there. It counts when that tenant is one
        this project trusts, when it is in the UPN's own (verified) domain, or when the id_token
        says the tenant owns the e-mail domain (``xms_edov``).
        """
        if not self.mail or not email_domain(self.mail):
            return None
        same_domain = self.upn_domain_verified and email_domain(self.mail) == email_domain(
            self.user_principal_name
        )
        if self.tenant_trusted or same_domain or self.identity.email_domain_owner_verified:
            return self.mail
        return None

    @property
    def judged_address(self) -> str:
        """The address the domain policy looks at: the e-mail that counts, else the UPN."""
        return self.email or self.user_principal_name

    def addresses(self) -> set[str]:
        """Addresses that may match ``STAFF_LIST`` and ``SUPERUSER_LIST``."""
        found = {self.user_principal_name.lower()}
        if self.email:
            found.add(self.email.lower())
        return found


class UserSync:
    """Find, create or update the Django user for one sign-in, in one transaction."""

    def __init__(self, sso: Settings, request: HttpRequest) -> None:
        self.sso = sso
        self.request = request
        self.user_model = get_user_model()
        # What the last ``sync`` did, for the signals sent once its transaction commits.
        self.created = False
        self.changed_fields: set[str] = set()

    # -- lookups ------------------------------------------------------------------------------

    def find_link(self, identity: MicrosoftIdentity) -> MicrosoftSSOUser | None:
        """The stored link for this identity, in one query; 7.x rows (no tenant yet) included.

        7.x could leave several rows for one object id (a renamed person got a second user):
        see ``choose_legacy_link``.
        """
        links = MicrosoftSSOUser.objects.select_related("user")
        if not self.sso.always_update_user_data:
            # The stored picture is compared only when it may be replaced: leave it unread.
            links = links.defer("picture_raw")
        found = list(
            links.filter(
                Q(tenant_id=identity.tenant_id, microsoft_id=identity.object_id)
                | self.legacy_link_filter(identity)
            ).order_by(F("tenant_id").asc(nulls_last=True), "pk")[:MAX_LEGACY_LINKS]
        )
        for link in found:
            if link.tenant_id is not None:
                return link  # type: ignore[no-any-return]
        return self.choose_legacy_link(identity, found)

    @staticmethod
    def legacy_link_filter(identity: MicrosoftIdentity) -> Q:
        """The rows 7.x wrote for this identity: no tenant, and the object id as ``microsoft_id``.

        Migration 0003 wrote those ids in lower case; a row added since by hand may not be.
        Compared exactly, variant by variant, so that the unique index on (tenant, object id)
        serves the lookup, as it does for the rows of 8.x.
        """
        ids = {identity.object_id}
        for graph_id in identity.graph_ids:  # a personal account's 7.x row holds Graph's short id
            ids |= {graph_id, graph_id.upper()}
        return Q(tenant_id__isnull=True, microsoft_id__in=ids)

    def choose_legacy_link(
        self, identity: MicrosoftIdentity, links: list[MicrosoftSSOUser]
    ) -> MicrosoftSSOUser | None:
        """Among 7.x rows of one identity, the active user whose username is the UPN.

        7.x gave a renamed person a second user and a second row: the first one is often
        deactivated since. When that still leaves a choice, an administrator must make it.
        """
        if len(links) < 2:
            return links[0] if links else None
        upn = (identity.preferred_username or "").lower()

        def rank(link: MicrosoftSSOUser) -> tuple[bool, bool]:
            user = link.user
            return bool(user.is_active), str(user.get_username()).lower() == upn

        ranked = sorted(links, key=rank, reverse=True)
        if rank(ranked[0]) > rank(ranked[1]):
            return ranked[0]
        raise RefusedError(
            f"several 7.x links for one identity: users {sorted(link.user_id for link in links)}",
            _(
                "Several accounts are linked to your Microsoft account. "
                "Please contact your administrator."
            ),
        )

    def facts(
        self,
        identity: MicrosoftIdentity,
        profile: MicrosoftProfile | None,
        link: MicrosoftSSOUser | None,
        tenant_trusted: bool,
    ) -> PersonFacts:
        """Gather what is known: the fresh Graph profile, else what the last sign-in stored."""
        if profile is not None:
            upn = profile.user_principal_name or ""
            mail = profile.mail
        else:
            assert link is not None
            assert link.user_principal_name
            upn = link.user_principal_name
            mail = getattr(link.user, self.user_model.get_email_field_name(), None) or None
        return PersonFacts(identity, upn, mail, tenant_trusted)

    # -- policy -------------------------------------------------------------------------------

    def verify_domain(self, facts: PersonFacts) -> None:
        """Refuse an address outside ``ALLOWABLE_DOMAINS``."""
        address = facts.judged_address
        if not domain_allowed(email_domain(address), self.sso.allowable_domains):
            raise RefusedError(
                "domain not allowed",
                _("Email address not allowed: %(email)s. Please contact your administrator.")
                % {"email": address},
            )

    def verify_with_hook(self, profile: MicrosoftProfile) -> None:
        """Run ``PRE_VALIDATE_CALLBACK``; False refuses."""
        pre_validate = hooks.load("MICROSOFT_SSO_PRE_VALIDATE_CALLBACK")
        if not pre_validate(profile.user_info, self.request):
            raise RefusedError(
                "pre_validate hook refused",
                _("You are not allowed to sign in here. Please contact your administrator."),
            )

    # -- the sync -----------------------------------------------------------------------------

    def sync(
        self,
        facts: PersonFacts,
        profile: MicrosoftProfile | None,
        link: MicrosoftSSOUser | None,
        memberships: Memberships | None = None,
    ) -> AbstractBaseUser:
        """Return the active user for this person, creating or updating rows as settings say.

        ``memberships`` (the person's Entra groups and app roles, with the mapping in force)
        sets their mapped Django groups and flags; see ``django_microsoft_sso.groups``.

        Runs inside the caller's transaction: any error leaves nothing behind.
        """
        created = False
        user: AbstractBaseUser
        if link is None:
            # Two first sign-ins of one person at once (a double click, two tabs): the second
            # waits here until the first commits, then finds the link the first one wrote.
            identity = facts.identity
            if hold_lock(f"identity:{identity.tenant_id}:{identity.object_id}", MicrosoftSSOUser):
                link = self.find_link(identity)
        if link is not None:
            user = link.user
        else:
            try:
                user, created = self.find_or_create_user(facts, profile)
            except RefusedError:
                # An account that is taken or already linked may be this person's own: another
                # sign-in of theirs (a double click, a second tab, another worker) may have
                # committed it since this one looked. Then they are a returning person.
                link = self.find_link(facts.identity)
                if link is None:
                    raise
                user = link.user
            else:
                link = MicrosoftSSOUser(user=user)  # type: ignore[misc]
        if not user.is_active:
            raise RefusedError(
                "user inactive",
                _("Your account is inactive. Please contact your administrator."),
            )

        changed = set[str]()
        if profile is not None and self.sso.always_update_user_data and not created:
            changed |= self.update_user(user, facts, profile)
        if profile is not None and (created or self.sso.always_update_user_data):
            changed |= self.grant_listed_privileges(user, facts)
        if self.sso.auto_create_first_superuser:
            changed |= self.grant_first_superuser(user)
        mapped_flags = link.mapped_flags
        if memberships is not None:
            mapped_flags, flags_changed = self.apply_mapping(user, link, facts, memberships)
            changed |= flags_changed
        if changed:
            user.save(update_fields=sorted(changed))
        flags_written = mapped_flags != link.mapped_flags
        link.mapped_flags = mapped_flags
        self.update_link(link, facts, profile, created)
        if flags_written and link.pk is not None:
            link.save(update_fields=["mapped_flags"])
        self.created, self.changed_fields = created, changed
        return user

    def find_or_create_user(
        self, facts: PersonFacts, profile: MicrosoftProfile | None
    ) -> tuple[AbstractBaseUser, bool]:
        """First sign-in: link an existing account the way 7.x did, or create one."""
        assert profile is not None
        existing = self.find_existing_user(facts)
        if existing is not None:
            return existing, False
        if not self.sso.auto_create_users:
            raise RefusedError(
                "user does not exist and auto-create is off",
                _("There is no account for %(upn)s. Please contact your administrator.")
                % {"upn": facts.user_principal_name},
            )
        return self.create_user(facts, profile)

    def find_existing_user(self, facts: PersonFacts) -> AbstractBaseUser | None:
        """An account whose username is the UPN or, with ``UNIQUE_EMAIL``, whose e-mail matches.

        Never one that another Microsoft identity already signs in as.
        """
        manager = self.user_model._default_manager
        candidates = []
        by_upn = {f"{self.user_model.USERNAME_FIELD}__iexact": facts.user_principal_name}
        upn_vouched_for = facts.upn_domain_verified or facts.tenant_trusted
        if upn_vouched_for:
            candidates = list(manager.filter(**by_upn)[:2])
        if not candidates and self.sso.unique_email and facts.email:
            lookup = {f"{self.user_model.get_email_field_name()}__iexact": facts.email}
            candidates = list(manager.filter(**lookup)[:2])
        if len(candidates) > 1:
            raise RefusedError(
                "several accounts match",
                _("Several accounts match %(address)s. Please contact your administrator.")
                % {"address": facts.judged_address},
            )
        if not candidates:
            if not upn_vouched_for and manager.filter(**by_upn).exists():
                # Creating a user under that username would hand this person the account.
                raise RefusedError(
                    "username taken and the UPN is not verified",
                    _(
                        "An account named %(username)s already exists. Please contact your administrator."
                    )
                    % {"username": facts.user_principal_name},
                )
            return None
        user: AbstractBaseUser = candidates[0]
        self.refuse_if_linked(user)
        return user

    def refuse_if_linked(self, user: AbstractBaseUser) -> None:
        if MicrosoftSSOUser.objects.filter(user=user).exists():
            raise RefusedError(
                "account already linked to another Microsoft identity",
                _(
                    "This account is already linked to another Microsoft account. "
                    "Please contact your administrator."
                ),
            )

    def create_user(
        self, facts: PersonFacts, profile: MicrosoftProfile
    ) -> tuple[AbstractBaseUser, bool]:
        """Create the user (``PRE_CREATE_CALLBACK`` may add fields, or choose every argument)."""
        username_field = self.user_model.USERNAME_FIELD
        email_field = self.user_model.get_email_field_name()
        username = facts.email if username_field == email_field else facts.user_principal_name
        kwargs: dict[str, Any] = {
            username_field: (username or facts.user_principal_name)[
                : self._max_length(username_field)
            ],
            # The hook's fields win over what Microsoft says.
            "defaults": self.profile_values(facts, profile),
        }
        extra = hooks.load("MICROSOFT_SSO_PRE_CREATE_CALLBACK")(profile.user_info, self.request)
        if extra and self.sso.pre_create_user_return_full_args:
            lookup = {key: value for key, value in extra.items() if key != "defaults"}
            defaults = {
                **{k: v for k, v in kwargs["defaults"].items() if k not in lookup},
                **(extra.get("defaults") or {}),
            }
            kwargs = {**lookup, "defaults": defaults}
        elif extra:
            kwargs["defaults"].update(extra)
        # Created with an unusable password (as ``set_unusable_password`` makes), in one INSERT.
        kwargs["defaults"] = {**kwargs["defaults"], "password": make_password(None)}
        manager = self.user_model._default_manager
        if kwargs.keys() == {username_field, "defaults"} and (
            kwargs[username_field] == facts.user_principal_name
        ):
            # ``find_existing_user`` found no account of that name: no need to look again. One
            # that another sign-in creates meanwhile is an IntegrityError, which
            # ``LoginFlow.sync_and_login`` answers by looking the person up by identity.
            defaults = kwargs.pop("defaults")
            return manager.create(**{**kwargs, **defaults}), True
        user, created = manager.get_or_create(**kwargs)
        if not created:
            # The hook's lookup found an account: treat it like any other existing account.
            self.refuse_if_linked(user)
        return user, created

    def profile_values(self, facts: PersonFacts, profile: MicrosoftProfile) -> dict[str, str]:
        """The names and the e-mail that counts, for the user model's fields that exist."""
        values = {
            "first_name": profile.text("givenName"),
            "last_name": profile.text("surname"),
            self.user_model.get_email_field_name(): facts.email,
        }
        return {
            name: value[: self._max_length(name)]
            for name, value in values.items()
            if value is not None and self._has_field(name)
        }

    def update_user(
        self, user: AbstractBaseUser, facts: PersonFacts, profile: MicrosoftProfile
    ) -> set[str]:
        """Copy names and the e-mail that counts; return the fields that changed."""
        changed = set()
        for name, value in self.profile_values(facts, profile).items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed.add(name)
        if self.sso.always_update_user_data and user.has_usable_password():
            user.set_unusable_password()
            changed.add("password")
        return changed

    def grant_listed_privileges(self, user: AbstractBaseUser, facts: PersonFacts) -> set[str]:
        """``STAFF_LIST`` and ``SUPERUSER_LIST`` match the UPN or the e-mail that counts."""
        addresses = facts.addresses()
        staff = {entry.lower() for entry in self.sso.staff_list}
        superusers = {entry.lower() for entry in self.sso.superuser_list}
        changed = set()
        grants = []
        if addresses & (staff | superusers):
            grants.append("is_staff")
        if addresses & superusers:
            grants.append("is_superuser")
        for flag in grants:
            if self._has_field(flag) and not getattr(user, flag):
                setattr(user, flag, True)
                changed.add(flag)
        return changed

    def grant_first_superuser(self, user: AbstractBaseUser) -> set[str]:
        """With ``AUTO_CREATE_FIRST_SUPERUSER``, the first person when there is no superuser."""
        if not self._has_field("is_superuser") or user.is_superuser:  # type: ignore[attr-defined]
            return set()
        manager = self.user_model._default_manager
        superusers = manager.filter(is_superuser=True)
        if superusers.exists():
            return set()
        # There is none yet, so there is no row to lock: two first sign-ins at once would both
        # see none. The second waits here for the first to commit, then sees its superuser.
        if hold_lock("first-superuser", self.user_model) and superusers.exists():
            return set()
        user.is_superuser = True  # type: ignore[attr-defined]
        user.is_staff = True  # type: ignore[attr-defined]
        return {"is_superuser", "is_staff"}

    def apply_mapping(
        self,
        user: AbstractBaseUser,
        link: MicrosoftSSOUser,
        facts: PersonFacts,
        memberships: Memberships,
    ) -> tuple[str, set[str]]:
        """Set the mapped Django groups and flags; return (flags the mapping now grants, changed).

        Only Django groups some mapping names are added or removed. A flag is removed only when
        the mapping granted it before (``link.mapped_flags``) and neither the mapping nor
        ``STAFF_LIST`` / ``SUPERUSER_LIST`` grants it now. An account the mapping grants a flag
        signs in through Microsoft only: its password is made unusable.
        """
        from django.contrib.auth.models import Group

        mapping = memberships.mapping
        granted = mapping.granted(memberships.group_ids, memberships.roles)
        managed = mapping.managed_groups
        if managed and hasattr(user, "groups"):
            current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
            missing = granted.groups - current
            if missing:
                user.groups.add(
                    *(Group.objects.get_or_create(name=name)[0] for name in sorted(missing))
                )
            extra = current - granted.groups
            if extra:
                user.groups.remove(*Group.objects.filter(name__in=extra))

        addresses = facts.addresses()
        listed = set()
        superusers = {entry.lower() for entry in self.sso.superuser_list}
        if addresses & ({entry.lower() for entry in self.sso.staff_list} | superusers):
            listed.add("is_staff")
        if addresses & superusers:
            listed.add("is_superuser")
        before = {flag for flag in link.mapped_flags.split(",") if flag}
        after: set[str] = set()
        changed = set()
        for flag in FLAGS:
            if not self._has_field(flag):
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

    def update_link(
        self,
        link: MicrosoftSSOUser,
        facts: PersonFacts,
        profile: MicrosoftProfile | None,
        created: bool,
    ) -> None:
        """Store the identity, the current UPN and, as settings say, picture and locale."""
        upn_column: Any = MicrosoftSSOUser._meta.get_field("user_principal_name")
        values: dict[str, Any] = {
            "tenant_id": facts.identity.tenant_id,
            "microsoft_id": facts.identity.object_id,
            # Cut to the column (Entra allows 113 characters; a longer one is no valid UPN).
            "user_principal_name": facts.user_principal_name[: upn_column.max_length],
        }
        keep_info = self.sso.save_basic_microsoft_info
        if (
            profile is not None
            and keep_info
            and (link.pk is None or self.sso.always_update_user_data)
        ):
            values["picture_raw"] = profile.picture
            values["locale"] = profile.text("preferredLanguage", max_length=35)
        changed = [name for name, value in values.items() if getattr(link, name) != value]
        for name in changed:
            setattr(link, name, values[name])
        if link.pk is None:
            link.save()
        elif changed:
            link.save(update_fields=changed)

    # -- helpers ------------------------------------------------------------------------------

    def _has_field(self, name: str) -> bool:
        try:
            self.user_model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return True

    def _max_length(self, name: str) -> int | None:
        field: Any = self.user_model._meta.get_field(name)
        return getattr(field, "max_length", None)


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
