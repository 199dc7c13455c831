"""The one extension point: a class with a method for each decision a project may change.

A project subclasses ``MicrosoftSSOAdapter``, overrides the methods it needs, and points
``MICROSOFT_SSO_ADAPTER`` at its class. The default calls the 7.x hook settings
(``PRE_VALIDATE_CALLBACK``, ``PRE_CREATE_CALLBACK``, ``PRE_LOGIN_CALLBACK``), so a project that
sets those keeps working unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from django_microsoft_sso import conf, hooks
from django_microsoft_sso.conf import Settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from django_microsoft_sso.facts import PersonFacts
    from django_microsoft_sso.graph import MicrosoftProfile
    from django_microsoft_sso.groups import Grant
    from django_microsoft_sso.mapped_privileges import Memberships

ADAPTER_SETTING = "MICROSOFT_SSO_ADAPTER"


class MicrosoftSSOAdapter:
    """What happens to a person who signs in with Microsoft; override a method to change it."""

    def may_sign_in(self, request: HttpRequest, profile: MicrosoftProfile) -> bool:
        """Whether this person may sign in at all (after the tenant and domain rules)."""
        pre_validate = hooks.load("MICROSOFT_SSO_PRE_VALIDATE_CALLBACK")
        return bool(pre_validate(profile.user_info, request))

    def new_user_arguments(
        self, request: HttpRequest, profile: MicrosoftProfile, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        """The keyword arguments of ``get_or_create`` for a new user: the lookup and ``defaults``.

        ``arguments`` holds the username and, in ``defaults``, what ``user_values`` gave.
        """
        extra = hooks.load("MICROSOFT_SSO_PRE_CREATE_CALLBACK")(profile.user_info, request)
        if extra and Settings(request).pre_create_user_return_full_args:
            lookup = {key: value for key, value in extra.items() if key != "defaults"}
            defaults = {
                **{k: v for k, v in arguments["defaults"].items() if k not in lookup},
                **(extra.get("defaults") or {}),
            }
            return {**lookup, "defaults": defaults}
        if extra:
            # The hook's fields win over what Microsoft says.
            return {**arguments, "defaults": {**arguments["defaults"], **extra}}
        return arguments

    def user_values(
        self, request: HttpRequest, facts: PersonFacts, profile: MicrosoftProfile
    ) -> dict[str, Any]:
        """The fields copied from Microsoft: when a user is created, and at every sign-in with
        ``MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA``. Names and the e-mail that counts, cut to
        the user model's fields that exist."""
        from django.contrib.auth import get_user_model

        from django_microsoft_sso.privileges import has_field, max_length

        values = {
            "first_name": profile.text("givenName"),
            "last_name": profile.text("surname"),
            get_user_model().get_email_field_name(): facts.email,
        }
        return {
            name: value[: max_length(name)]
            for name, value in values.items()
            if value is not None and has_field(name)
        }

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Run in the sign-in's transaction, once the user is saved, just before ``login()``."""
        hooks.load("MICROSOFT_SSO_PRE_LOGIN_CALLBACK")(user, request)

    def granted(self, request: HttpRequest, memberships: Memberships) -> Grant:
        """The Django groups and flags the person's Entra groups and app roles give."""
        return memberships.mapping.granted(memberships.group_ids, memberships.roles)

    # -- what Microsoft must be asked ---------------------------------------------------------

    def judges_profile(self) -> bool:
        """Whether ``may_sign_in`` reads the Graph profile, which is then read at each sign-in."""
        return self.overrides("may_sign_in") or not hooks.is_default(
            "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK"
        )

    def reads_whole_profile(self) -> bool:
        """Whether project code sees the profile: then every ``/me`` field is asked for."""
        return (
            self.judges_profile()
            or self.overrides("new_user_arguments", "user_values")
            or not hooks.is_default("MICROSOFT_SSO_PRE_CREATE_CALLBACK")
        )

    def overrides(self, *names: str) -> bool:
        return any(
            getattr(type(self), name) is not getattr(MicrosoftSSOAdapter, name) for name in names
        )


def adapter_class() -> type[MicrosoftSSOAdapter]:
    """The class ``MICROSOFT_SSO_ADAPTER`` names (a dotted path or the class itself)."""
    configured = conf.raw(ADAPTER_SETTING)
    found = hooks.load_object(ADAPTER_SETTING) if isinstance(configured, str) else configured
    if not (isinstance(found, type) and issubclass(found, MicrosoftSSOAdapter)):
        raise ImproperlyConfigured(
            f"{ADAPTER_SETTING} must name a subclass of "
            f"django_microsoft_sso.adapter.MicrosoftSSOAdapter, not {configured!r}."
        )
    return found


def get_adapter() -> MicrosoftSSOAdapter:
    """The project's adapter; raises ``ImproperlyConfigured`` when the setting is wrong."""
    return adapter_class()()
