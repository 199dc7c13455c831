"""A sign-in from start to finish: the steps the views run, one small method each.

``start`` sends the browser to Microsoft with a fresh state, nonce and PKCE verifier, made by msal,
and stores the pending sign-in (``pending``). ``finish`` reads top-down: take the pending sign-in
back out (once), check the area is enabled, refuse Microsoft's error, redeem the code, validate the
id_token, verify the tenant (``tenants``), sync the user and log them in, redirect to ``next``
(``redirects``). Any failure is a ``LoginError``; the views turn it into a message.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import (
    client,
    clouds,
    frontchannel,
    graph,
    helpers,
    hooks,
    pending,
    redirects,
    sessions,
    signals,
    tenants,
    tokens,
)
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import (
    AuthorizationError,
    ConfigurationError,
    DisabledError,
    GraphError,
    LoginError,
    RefusedError,
    TokenError,
)
from django_microsoft_sso.graph import MicrosoftProfile
from django_microsoft_sso.groups import Mapping, claimed_groups, claimed_roles
from django_microsoft_sso.logs import log
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.tokens import MicrosoftIdentity
from django_microsoft_sso.users import Memberships, UserSync, signing_in_with_microsoft

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

LOGIN_HINT_SESSION_KEY = "_microsoft_sso_login_hint"
# 7.x said "Authorization Code not received from SSO." for this; the meaning is kept.
MISSING_CODE_MESSAGE = _("Microsoft sent no authorization code. Please sign in again.")


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


class LoginFlow:
    """The steps of one sign-in for one request."""

    user_sync_class: type[UserSync] = UserSync

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.sso = Settings(request)
        # The state of the form_post answer this callback read, whose cookie it then deletes.
        self.answered_state: str | None = None

    # -- start --------------------------------------------------------------------------------

    def start(self) -> HttpResponseRedirect:
        """Begin a sign-in and send the browser to Microsoft."""
        next_url = redirects.safe_next(self.request, self.sso, self.request.GET.get("next"))
        self.ensure_enabled(next_url)
        redirect_uri = redirects.redirect_uri(self.request, self.sso)
        mode = pending.mode_for(self.sso, redirect_uri)
        response_mode = None if mode == pending.SESSION else "form_post"
        flow = client.initiate_flow(self.sso, redirect_uri, response_mode=response_mode)
        response = HttpResponseRedirect(flow["auth_uri"])
        waiting = {"flow": flow, "next": next_url, "expires": time.time() + self.lifetime_seconds}
        pending.store(self.request, response, self.sso, flow["state"], waiting, mode)
        return response

    @property
    def lifetime_seconds(self) -> int:
        return int(self.sso.timeout_minutes * 60)

    def ensure_enabled(self, next_url: str) -> None:
        """Refuse when the project switched sign-in off, for the admin or for its pages."""
        if not self.sso.enabled:
            raise DisabledError("MICROSOFT_SSO_ENABLED is off")
        if redirects.is_admin_url(self.sso, next_url):
            if not self.sso.admin_enabled:
                raise DisabledError("MICROSOFT_SSO_ADMIN_ENABLED is off")
        elif not self.sso.pages_enabled:
            raise DisabledError("MICROSOFT_SSO_PAGES_ENABLED is off")

    # -- finish -------------------------------------------------------------------------------

    def finish(self) -> HttpResponseRedirect:
        """Complete the sign-in Microsoft sent back, and send the browser on to ``next``."""
        if not self.sso.enabled:
            raise DisabledError("MICROSOFT_SSO_ENABLED is off")
        answer = self.microsoft_answer()
        waiting = self.take_pending(answer.get("state"))
        helpers.remember_sign_in_next(self.request, waiting["next"])
        self.ensure_enabled(waiting["next"])
        self.raise_for_authorization_error(answer)
        result = self.redeem_code(waiting["flow"], answer)
        identity = tokens.validate_id_token(
            self.sso, result.get("id_token"), waiting["flow"]["nonce"]
        )
        trusted = self.verify_tenant(identity)
        user = self.sync_and_login(identity, trusted, result)
        log(self.sso, "INFO", "Microsoft sign-in of user {} succeeded", user.pk)
        return self.redirect_to_next(waiting["next"])

    def microsoft_answer(self) -> QueryDict:
        """What Microsoft sent back: the form it POSTed (form_post), or the query."""
        answer = self.request.POST if self.request.method == "POST" else self.request.GET
        if not answer.get("code") and not answer.get("error"):
            # Neither a code nor Microsoft's error: no answer of Microsoft's, whatever its state.
            raise AuthorizationError("callback without code", MISSING_CODE_MESSAGE)
        return answer

    def take_pending(self, state: object) -> dict[str, Any]:
        """Take the pending sign-in of ``state`` out of storage: it can be used once only."""
        mode = pending.SESSION
        if self.sso.require_secure_callback and self.request.method == "POST":
            mode = pending.COOKIE
            if pending.is_state(state):
                self.answered_state = str(state)
        return pending.take(self.request, self.sso, state, mode)

    def forget_answered_state(self, response: HttpResponse) -> None:
        """Delete the cookie of the form_post sign-in this callback answered, used or refused."""
        if self.answered_state is not None:
            pending.forget(self.request, response, self.answered_state)

    def raise_for_authorization_error(self, answer: Any) -> None:
        error = answer.get("error")
        if error:
            description = str(answer.get("error_description", ""))[:300]
            message: str | Promise
            if error == "access_denied":
                message = _("The sign-in with Microsoft was cancelled.")
            else:
                message = _("Microsoft did not authorize the sign-in: %(error)s") % {
                    "error": str(error)[:100]
                }
            raise AuthorizationError(f"{str(error)[:100]}: {description}", message)
        if not answer.get("code"):
            raise AuthorizationError("callback without code", MISSING_CODE_MESSAGE)

    def redeem_code(self, flow: dict[str, Any], answer: Any) -> dict[str, Any]:
        """The tokens for Microsoft's code; msal checks the state and sends the PKCE verifier."""
        auth_response = {
            key: answer[key] for key in ("code", "state", "session_state") if key in answer
        }
        result = client.redeem_code(self.sso, flow, auth_response)
        if "error" in result:
            raise TokenError(f"token endpoint: {result['error']} {self.error_codes(result)}")
        return result

    @staticmethod
    def error_codes(result: dict[str, Any]) -> str:
        codes = result.get("error_codes")
        if isinstance(codes, list):
            return "AADSTS" + ",".join(str(code)[:12] for code in codes[:5])
        return ""

    def verify_tenant(self, identity: MicrosoftIdentity) -> bool:
        """Refuse a tenant the project does not allow; return whether it is trusted."""
        allowed, trusted = tenants.allowed_and_trusted(
            self.sso.allowed_tenants, client.tenant_metadata(self.sso).tenant_id
        )
        authority = tenants.authority_tenant(client.authority_url(self.sso))
        if not tenants.is_allowed(identity.tenant_id, allowed, authority):
            raise RefusedError(
                f"tenant {identity.tenant_id} not allowed",
                _("Accounts of your organization are not allowed to sign in here."),
            )
        return identity.tenant_id in trusted

    def redirect_to_next(self, next_url: str) -> HttpResponseRedirect:
        """On to where the sign-in was headed, when it is still on this site; else home."""
        safe = redirects.is_safe_url(self.request, self.sso, next_url)
        return HttpResponseRedirect(next_url if safe else "/")

    def needs_profile(self, identity: MicrosoftIdentity, link: MicrosoftSSOUser | None) -> bool:
        """Graph is read for a new person, a stale link, a data update, or a project's hook.

        A renamed person is noticed for free: the id_token's ``preferred_username`` no longer
        matches the stored UPN.
        """
        stored_upn = (link.user_principal_name or "") if link else ""
        return (
            link is None
            or link.tenant_id is None
            or not stored_upn
            or stored_upn.lower() != (identity.preferred_username or "").lower()
            or self.sso.always_update_user_data
            or not hooks.is_default("MICROSOFT_SSO_PRE_VALIDATE_CALLBACK")
        )

    def fetch_profile(self, identity: MicrosoftIdentity, access_token: Any) -> MicrosoftProfile:
        if not isinstance(access_token, str) or not access_token:
            raise TokenError("token response has no access_token")
        full_profile = not (
            hooks.is_default("MICROSOFT_SSO_PRE_VALIDATE_CALLBACK")
            and hooks.is_default("MICROSOFT_SSO_PRE_CREATE_CALLBACK")
        )
        profile = graph.fetch_profile(
            access_token,
            full_profile=full_profile,
            timeout=self.sso.graph_timeout,
            max_picture_bytes=self.sso.max_picture_bytes,
            graph_root=clouds.cloud(self.sso).graph_root,
        )
        if profile.object_id not in identity.graph_ids:
            raise GraphError("graph: /me id is not the id_token oid")
        return profile

    def memberships(self, identity: MicrosoftIdentity, access_token: Any) -> Memberships | None:
        """The person's groups and roles, when a mapping (or a flag it granted) needs them.

        Group ids come from the id_token's ``groups`` claim; when the token has none (an
        overage, or no group claims configured) and a group mapping exists, from Graph. A
        person of a tenant the mappings do not apply to (``mapping_tenants``) has none.
        """
        mapping = Mapping.load(self.sso.groups_map, self.sso.roles_map)
        if not mapping:
            # Nothing is mapped: flags a former mapping granted are still taken back.
            return Memberships(mapping, set(), set())
        authority_tenant_id = client.tenant_metadata(self.sso).tenant_id
        if identity.tenant_id not in tenants.mapping_tenants(
            self.sso.mapping_tenants, authority_tenant_id
        ):
            # No groups and no roles: the mapped groups and flags it gave before are taken back.
            log(
                self.sso,
                "INFO",
                "Group mapping not applied: tenant {} is not in MICROSOFT_SSO_MAPPING_TENANTS",
                identity.tenant_id,
            )
            return Memberships(mapping, set(), set())
        claims = identity.claims
        group_ids: set[str] = set()
        if mapping.by_group:
            claimed = claimed_groups(claims)
            if claimed is not None:
                group_ids = claimed
            else:
                if not isinstance(access_token, str) or not access_token:
                    raise TokenError("token response has no access_token")
                try:
                    group_ids = graph.fetch_group_ids(
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
        return Memberships(mapping, group_ids, claimed_roles(claims))

    def sync_and_login(
        self, identity: MicrosoftIdentity, trusted: bool, result: dict[str, Any]
    ) -> AbstractBaseUser:
        session = self.request.session
        # The tokens the session held before: a refused sign-in leaves them as they were.
        earlier_tokens = sessions.saved_tokens(self.request)
        user: Any = None
        logging_in = False
        try:
            # Resolved before anything is written: a backend that does not load leaves no rows.
            backend = hooks.backend_path() or self.default_backend()
            sync = self.user_sync_class(self.sso, self.request)
            link = sync.find_link(identity)
            profile = (
                self.fetch_profile(identity, result.get("access_token"))
                if self.needs_profile(identity, link)
                else None
            )
            facts = sync.facts(identity, profile, link, trusted)
            sync.verify_domain(facts)
            if profile is not None:
                sync.verify_with_hook(profile)
            memberships = self.memberships(identity, result.get("access_token"))

            for attempt in range(1, SYNC_ATTEMPTS + 1):
                try:
                    with transaction.atomic():
                        user = sync.sync(facts, profile, link, memberships)
                        sessions.store_tokens(self.request, self.sso, result)
                        hooks.load("MICROSOFT_SSO_PRE_LOGIN_CALLBACK")(user, self.request)
                        self.signal_on_commit(sync, user, identity, profile)
                    break
                except (IntegrityError, OperationalError) as error:
                    # Another sign-in of this person wrote first: use what it wrote.
                    if attempt == SYNC_ATTEMPTS or not lost_to_another_writer(error):
                        raise
                    if isinstance(error, OperationalError):
                        time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311
                    link = sync.find_link(identity)
            logging_in = True
            with signing_in_with_microsoft():
                login(self.request, user, backend=backend)
        except LoginError:
            self.abandon_session(logging_in, earlier_tokens)
            raise
        except ImproperlyConfigured as error:
            # A hook or backend setting that does not load (``manage.py check`` reports it).
            self.abandon_session(logging_in, earlier_tokens)
            raise ConfigurationError(str(error)) from error
        except Exception as error:
            # A project hook, a ``user_logged_in`` receiver or the database failed: the person
            # gets a message rather than a server error.
            self.abandon_session(logging_in, earlier_tokens)
            raise self.account_error(error) from error

        # login() flushes a session that belonged to someone else; put back what is ours.
        sessions.store_tokens(self.request, self.sso, result)
        login_hint = identity.claims.get("login_hint")
        if isinstance(login_hint, str) and len(login_hint) < 4096:
            session[LOGIN_HINT_SESSION_KEY] = login_hint
        session.set_expiry(self.sso.session_cookie_age)
        frontchannel.remember_microsoft_session(self.request, self.sso, identity)
        return user  # type: ignore[no-any-return]

    def abandon_session(self, logging_in: bool, earlier_tokens: dict[str, Any]) -> None:
        """Leave the session of a failed sign-in signed in as nobody new.

        Before ``login()`` the session is still that of whoever used the browser: only the tokens
        this attempt stored for its hook give way to those it held, so that a person signed in
        keeps their refresh token and ``SESSION_FOLLOWS_TOKEN`` keeps checking them. Once
        ``login()`` has begun, the session already belongs to the new person (the one before was
        flushed or its key renewed): emptying it is the only way to leave nobody signed in.
        """
        if logging_in:
            self.request.session.flush()
            self.request.user = AnonymousUser()
        else:
            sessions.restore_tokens(self.request, earlier_tokens)

    def signal_on_commit(
        self,
        sync: UserSync,
        user: AbstractBaseUser,
        identity: MicrosoftIdentity,
        profile: MicrosoftProfile | None,
    ) -> None:
        """Send ``microsoft_sso_user_created``/``…_updated`` once this sync has committed."""
        arguments: dict[str, Any] = {
            "sender": type(sync),
            "user": user,
            "identity": identity,
            "profile": profile,
        }
        if sync.created:
            signal = signals.microsoft_sso_user_created
        else:
            signal = signals.microsoft_sso_user_updated
            arguments["update_fields"] = set(sync.changed_fields)
        transaction.on_commit(lambda: signals.send(signal, self.request, **arguments))

    def account_error(self, error: Exception) -> LoginError:
        """A project hook or the database failed: nothing of this sign-in was kept."""
        detail = f"sign-in could not be completed: {type(error).__name__}"
        message: str | Promise
        if self.sso.show_failed_login_message:
            message = _("Your sign-in could not be completed: %(error)s") % {
                "error": str(error)[:200]
            }
        else:
            message = _("Your sign-in could not be completed. Please contact your administrator.")
        return RefusedError(detail, message)

    @staticmethod
    def default_backend() -> str:
        from django.conf import settings

        return str(settings.AUTHENTICATION_BACKENDS[0])
