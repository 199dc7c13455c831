"""Which account a sign-in belongs to: the stored link, or an existing account on a first sign-in.

A person is the pair (tenant id, object id), and the link table says which user each pair signs in
as. On a first sign-in an existing account may be taken over the way 7.x did (username is the UPN,
or with ``UNIQUE_EMAIL`` the e-mail), but only as far as the person's tenant vouches for the UPN
or the e-mail, and never an account another identity already signs in as.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import RefusedError
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.tokens import MicrosoftIdentity

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# More rows than 7.x ever left for one person: enough to see that there is a choice to make.
MAX_LEGACY_LINKS = 10


def find_link(sso: Settings, identity: MicrosoftIdentity) -> MicrosoftSSOUser | None:
    """The stored link for this identity, in one query; 7.x rows (no tenant yet) included.

    7.x could leave several rows for one object id (a renamed person got a second user):
    see ``choose_legacy_link``.
    """
    links = MicrosoftSSOUser.objects.select_related("user")
    if not sso.always_update_user_data:
        # The stored picture is compared only when it may be replaced: leave it unread.
        links = links.defer("picture_raw")
    found = list(
        links.filter(
            Q(tenant_id=identity.tenant_id, microsoft_id=identity.object_id)
            | legacy_link_filter(identity)
        ).order_by(F("tenant_id").asc(nulls_last=True), "pk")[:MAX_LEGACY_LINKS]
    )
    for link in found:
        if link.tenant_id is not None:
            return link  # type: ignore[no-any-return]
    return choose_legacy_link(identity, found)


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
    identity: MicrosoftIdentity, links: list[MicrosoftSSOUser]
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


def find_existing_user(sso: Settings, facts: PersonFacts) -> AbstractBaseUser | None:
    """An account whose username is the UPN or, with ``UNIQUE_EMAIL``, whose e-mail matches.

    Never one that another Microsoft identity already signs in as.
    """
    user_model = get_user_model()
    manager = user_model._default_manager
    candidates = []
    by_upn = {f"{user_model.USERNAME_FIELD}__iexact": facts.user_principal_name}
    upn_vouched_for = facts.upn_domain_verified or facts.tenant_trusted
    if upn_vouched_for:
        candidates = list(manager.filter(**by_upn)[:2])
    if not candidates and sso.unique_email and facts.email:
        lookup = {f"{user_model.get_email_field_name()}__iexact": facts.email}
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
    refuse_if_linked(user)
    return user


def refuse_if_linked(user: AbstractBaseUser) -> None:
    if MicrosoftSSOUser.objects.filter(user=user).exists():
        raise RefusedError(
            "account already linked to another Microsoft identity",
            _(
                "This account is already linked to another Microsoft account. "
                "Please contact your administrator."
            ),
        )
