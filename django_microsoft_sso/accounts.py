"""The account step of a sign-in, run by ``backends.MicrosoftSSOBackend``.

From a validated identity: find the person's link, read from Microsoft what the sync needs (the
Graph profile, the groups), apply the domain rule and the adapter's ``may_sign_in``, then sync
the user, store the tokens and run the adapter's ``pre_login`` in one transaction, run again when
a concurrent sign-in of the same person wrote first.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import clouds, graph, linking, sessions, signals
from django_microsoft_sso.adapter import MicrosoftSSOAdapter
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.domains import verify_domain
from django_microsoft_sso.exceptions import GraphError, RefusedError, TokenError
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.graph import MicrosoftProfile
from django_microsoft_sso.groups import Mapping, claimed_groups, claimed_roles
from django_microsoft_sso.logs import log
from django_microsoft_sso.mapped_privileges import Memberships
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.tokens import MicrosoftIdentity
from django_microsoft_sso.users import SyncResult, UserSync

# A sign-in's transaction runs again when another one wrote first (see lost_to_another_writer).
SYNC_ATTEMPTS = 5


def lost_to_another_writer(error: Exception) -> bool:
    """Whether the sync failed only because a concurrent sign-in wrote first.

    An IntegrityError: the other one created the same rows. SQLite's "database is locked": a
    transaction that has read cannot start to write while another writes (it fails at once
    rather than wait, with ``transaction_mode`` DEFERRED, the default); run again, it reads
    what the other one committed.
    """
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error)


class AccountSync:
    """The account step for one sign-in: policy, then the sync in one transaction."""

    def __init__(
        self, request: HttpRequest, adapter: MicrosoftSSOAdapter, identity: MicrosoftIdentity
    ) -> None:
        self.request = request
        self.sso = Settings(request)
        self.adapter = adapter
        self.identity = identity

    def run(
        self, tenant_trusted: bool, mapping_tenant: bool, token_response: dict[str, Any]
    ) -> SyncResult:
        """Refuse with a ``LoginError``, or return what the committed sync did."""
        access_token = token_response.get("access_token")
        link = linking.find_link(self.sso, self.identity)
        profile = self.fetch_profile(access_token) if self.needs_profile(link) else None
        facts = self.facts(profile, link, tenant_trusted)
        verify_domain(self.sso, facts)
        if profile is not None and not self.adapter.may_sign_in(self.request, profile):
            raise RefusedError(
                "pre_validate hook refused",
                _("You are not allowed to sign in here. Please contact your administrator."),
            )
        memberships = self.memberships(access_token, mapping_tenant)
        sync = UserSync(self.sso, self.request, self.adapter)
        for attempt in range(1, SYNC_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    result = sync.sync(facts, profile, link, memberships)
                    sessions.store_tokens(self.request, self.sso, token_response)
                    self.adapter.pre_login(self.request, result.user)
                    self.signal_on_commit(result, profile)
                return result
            except (IntegrityError, OperationalError) as error:
                # Another sign-in of this person wrote first: use what it wrote.
                if attempt == SYNC_ATTEMPTS or not lost_to_another_writer(error):
                    raise
                if isinstance(error, OperationalError):
                    time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311
                link = linking.find_link(self.sso, self.identity)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def needs_profile(self, link: MicrosoftSSOUser | None) -> bool:
        """Graph is read for a new person, a stale link, a data update, or the adapter's judgement.

        A renamed person is noticed for free: the id_token's ``preferred_username`` no longer
        matches the stored UPN.
        """
        stored_upn = (link.user_principal_name or "") if link else ""
        return (
            link is None
            or link.tenant_id is None
            or not stored_upn
            or stored_upn.lower() != (self.identity.preferred_username or "").lower()
            or self.sso.always_update_user_data
            or self.adapter.judges_profile()
        )

    def fetch_profile(self, access_token: Any) -> MicrosoftProfile:
        if not isinstance(access_token, str) or not access_token:
            raise TokenError("token response has no access_token")
        profile = graph.fetch_profile(
            access_token,
            full_profile=self.adapter.reads_whole_profile(),
            timeout=self.sso.graph_timeout,
            max_picture_bytes=self.sso.max_picture_bytes,
            graph_root=clouds.cloud(self.sso).graph_root,
        )
        if profile.object_id not in self.identity.graph_ids:
            raise GraphError("graph: /me id is not the id_token oid")
        return profile

    def facts(
        self,
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
            mail = getattr(link.user, link.user.get_email_field_name(), None) or None
        return PersonFacts(self.identity, upn, mail, tenant_trusted)

    def memberships(self, access_token: Any, mapping_tenant: bool) -> Memberships:
        """The person's groups and roles, when a mapping (or a flag it granted) needs them.

        Group ids come from the id_token's ``groups`` claim; when the token has none (an
        overage, or no group claims configured) and a group mapping exists, from Graph. A
        person of a tenant the mappings do not apply to (``mapping_tenant`` false) has none.
        """
        mapping = Mapping.load(self.sso.groups_map, self.sso.roles_map)
        if not mapping:
            # Nothing is mapped: flags a former mapping granted are still taken back.
            return Memberships(mapping, set(), set())
        if not mapping_tenant:
            # No groups and no roles: the mapped groups and flags it gave before are taken back.
            log(
                self.sso,
                "INFO",
                "Group mapping not applied: tenant {} is not in MICROSOFT_SSO_MAPPING_TENANTS",
                self.identity.tenant_id,
            )
            return Memberships(mapping, set(), set())
        claims = self.identity.claims
        group_ids: set[str] = set()
        if mapping.by_group:
            claimed = claimed_groups(claims)
            group_ids = claimed if claimed is not None else self.fetch_group_ids(access_token)
        return Memberships(mapping, group_ids, claimed_roles(claims))

    def fetch_group_ids(self, access_token: Any) -> set[str]:
        if not isinstance(access_token, str) or not access_token:
            raise TokenError("token response has no access_token")
        try:
            return graph.fetch_group_ids(
                access_token,
                timeout=self.sso.graph_timeout,
                max_pages=self.sso.groups_max_pages,
                graph_root=clouds.cloud(self.sso).graph_root,
            )
        except GraphError as error:
            raise GraphError(
                error.detail,
                _("Your groups could not be read from Microsoft. Please try again."),
            ) from error

    def signal_on_commit(self, result: SyncResult, profile: MicrosoftProfile | None) -> None:
        """Send ``microsoft_sso_user_created``/``…_updated`` once this sync has committed."""
        arguments: dict[str, Any] = {
            "sender": UserSync,
            "user": result.user,
            "identity": self.identity,
            "profile": profile,
        }
        if result.created:
            signal = signals.microsoft_sso_user_created
        else:
            signal = signals.microsoft_sso_user_updated
            arguments["update_fields"] = set(result.changed_fields)
        request = self.request
        transaction.on_commit(lambda: signals.send(signal, request, **arguments))
