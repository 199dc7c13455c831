"""The user-sync service: from what is known of a person to their Django user, saved.

Runs inside the sign-in's transaction (``accounts.AccountSync``): any error leaves nothing behind.
Which account is the person's is ``linking``'s job, what is copied from Microsoft the adapter's
(``adapter.MicrosoftSSOAdapter``), the listed privileges ``privileges``' and the group mapping
``groups``'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import linking, locks, privileges
from django_microsoft_sso.adapter import MicrosoftSSOAdapter
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import RefusedError
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.graph import MicrosoftProfile
from django_microsoft_sso.mapped_privileges import Memberships, apply_mapping
from django_microsoft_sso.models import MicrosoftSSOUser

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class SyncResult:
    """What one sync did: the user, whether it created them, and the user fields it changed."""

    user: AbstractBaseUser
    created: bool
    changed_fields: set[str] = field(default_factory=set)


class UserSync:
    """Find, create or update the Django user for one sign-in, in the caller's transaction."""

    def __init__(self, sso: Settings, request: HttpRequest, adapter: MicrosoftSSOAdapter) -> None:
        self.sso = sso
        self.request = request
        self.adapter = adapter
        self.user_model = get_user_model()

    def sync(
        self,
        facts: PersonFacts,
        profile: MicrosoftProfile | None,
        link: MicrosoftSSOUser | None,
        memberships: Memberships | None = None,
    ) -> SyncResult:
        """Return the active user for this person, creating or updating rows as settings say.

        ``memberships`` (the person's Entra groups and app roles, with the mapping in force)
        sets their mapped Django groups and flags; see ``django_microsoft_sso.groups``.
        """
        user, link, created = self.account(facts, profile, link)
        if not user.is_active:
            raise RefusedError(
                "user inactive",
                _("Your account is inactive. Please contact your administrator."),
            )
        changed = set[str]()
        if profile is not None and self.sso.always_update_user_data and not created:
            changed |= self.update_user(user, facts, profile)
        if profile is not None and (created or self.sso.always_update_user_data):
            changed |= privileges.grant_listed_privileges(self.sso, user, facts)
        if self.sso.auto_create_first_superuser:
            changed |= privileges.grant_first_superuser(user)
        mapped_flags = link.mapped_flags
        if memberships is not None:
            granted = self.adapter.granted(self.request, memberships)
            mapped_flags, flags_changed = apply_mapping(
                self.sso, user, link, facts, memberships.mapping, granted
            )
            changed |= flags_changed
        if changed:
            user.save(update_fields=sorted(changed))
        flags_written = mapped_flags != link.mapped_flags
        link.mapped_flags = mapped_flags
        self.update_link(link, facts, profile, created)
        if flags_written and link.pk is not None:
            link.save(update_fields=["mapped_flags"])
        return SyncResult(user, created, changed)

    def account(
        self,
        facts: PersonFacts,
        profile: MicrosoftProfile | None,
        link: MicrosoftSSOUser | None,
    ) -> tuple[AbstractBaseUser, MicrosoftSSOUser, bool]:
        """(user, link, created): the linked user, or the account a first sign-in gets."""
        identity = facts.identity
        if link is None:
            # Two first sign-ins of one person at once (a double click, two tabs): the second
            # waits here until the first commits, then finds the link the first one wrote.
            lock = f"identity:{identity.tenant_id}:{identity.object_id}"
            if locks.hold_lock(lock, MicrosoftSSOUser):
                link = linking.find_link(self.sso, identity)
        if link is not None:
            return link.user, link, False
        try:
            user, created = self.find_or_create_user(facts, profile)
        except RefusedError:
            # An account that is taken or already linked may be this person's own: another
            # sign-in of theirs (a double click, a second tab, another worker) may have
            # committed it since this one looked. Then they are a returning person.
            link = linking.find_link(self.sso, identity)
            if link is None:
                raise
            return link.user, link, False
        return user, MicrosoftSSOUser(user=user), created  # type: ignore[misc]

    def find_or_create_user(
        self, facts: PersonFacts, profile: MicrosoftProfile | None
    ) -> tuple[AbstractBaseUser, bool]:
        """First sign-in: link an existing account the way 7.x did, or create one."""
        assert profile is not None
        existing = linking.find_existing_user(self.sso, facts)
        if existing is not None:
            return existing, False
        if not self.sso.auto_create_users:
            raise RefusedError(
                "user does not exist and auto-create is off",
                _("There is no account for %(upn)s. Please contact your administrator.")
                % {"upn": facts.user_principal_name},
            )
        return self.create_user(facts, profile)

    def create_user(
        self, facts: PersonFacts, profile: MicrosoftProfile
    ) -> tuple[AbstractBaseUser, bool]:
        """Create the user with the arguments the adapter gives (7.x: ``PRE_CREATE_CALLBACK``)."""
        username_field = self.user_model.USERNAME_FIELD
        email_field = self.user_model.get_email_field_name()
        username = facts.email if username_field == email_field else facts.user_principal_name
        proposed: dict[str, Any] = {
            username_field: (username or facts.user_principal_name)[
                : privileges.max_length(username_field)
            ],
            "defaults": self.adapter.user_values(self.request, facts, profile),
        }
        kwargs = self.adapter.new_user_arguments(self.request, profile, proposed)
        # Created with an unusable password (as ``set_unusable_password`` makes), in one INSERT.
        kwargs = {
            **kwargs,
            "defaults": {**kwargs.get("defaults", {}), "password": make_password(None)},
        }
        manager = self.user_model._default_manager
        if kwargs.keys() == {username_field, "defaults"} and (
            kwargs[username_field] == facts.user_principal_name
        ):
            # ``find_existing_user`` found no account of that name: no need to look again. One
            # that another sign-in creates meanwhile is an IntegrityError, which
            # ``accounts.AccountSync`` answers by looking the person up by identity.
            defaults = kwargs.pop("defaults")
            return manager.create(**{**kwargs, **defaults}), True
        user, created = manager.get_or_create(**kwargs)
        if not created:
            # The adapter's lookup found an account: treat it like any other existing account.
            linking.refuse_if_linked(user)
        return user, created

    def update_user(
        self, user: AbstractBaseUser, facts: PersonFacts, profile: MicrosoftProfile
    ) -> set[str]:
        """Copy what the adapter's ``user_values`` gives; return the fields that changed."""
        changed = set()
        for name, value in self.adapter.user_values(self.request, facts, profile).items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed.add(name)
        if self.sso.always_update_user_data and user.has_usable_password():
            user.set_unusable_password()
            changed.add("password")
        return changed

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
