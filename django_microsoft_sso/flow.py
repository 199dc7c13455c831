"""A sign-in from start to finish: the steps the views run, one small method each.

``start`` sends the browser to Microsoft with a fresh state, nonce and PKCE verifier, made by msal,
and stores the pending sign-in (``pending``). ``finish`` reads top-down: take the pending sign-in
back out (once), check the area is enabled, refuse Microsoft's error, redeem the code, validate the
id_token, verify the tenant (``tenants``), sync the user and log them in, redirect to ``next``
(``redirects``). Any failure is a ``LoginError``; the views turn it into a message.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth import login, logout
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import (
    backends,
    client,
    frontchannel,
    helpers,
    hooks,
    lifecycle,
    pending,
    redirects,
    sessions,
    tenants,
    tokens,
)
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import (
    AuthorizationError,
    ConfigurationError,
    DisabledError,
    LoginError,
    RefusedError,
    TokenError,
)
from django_microsoft_sso.logs import log
from django_microsoft_sso.mapped_privileges import signing_in_with_microsoft
from django_microsoft_sso.tokens import MicrosoftIdentity

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

LOGIN_HINT_SESSION_KEY = "_microsoft_sso_login_hint"
# 7.x said "Authorization Code not received from SSO." for this; the meaning is kept.
MISSING_CODE_MESSAGE = _("Microsoft sent no authorization code. Please sign in again.")


class LoginFlow:
    """The steps of one sign-in for one request."""

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
        if "error" in result and lifecycle.gone_reason(result) is not None:
            self.refuse_gone_account(result)
        if "error" in result:
            raise TokenError(f"token endpoint: {result['error']} {self.error_codes(result)}")
        return result

    def refuse_gone_account(self, result: dict[str, Any]) -> None:
        """Microsoft says the account is disabled or deleted: refuse, and deactivate the user.

        The user is the one this browser is signed in as, if any (see
        ``lifecycle.deactivate_for_answer``); their sessions end, this one included.
        """
        reason = lifecycle.deactivate_for_answer(self.request, result)
        if self.request.user.is_authenticated and not self.request.user.is_active:
            logout(self.request)
        message = (
            _("Your Microsoft account is disabled. Please contact your administrator.")
            if reason == "disabled"
            else _("Your Microsoft account no longer exists. Please contact your administrator.")
        )
        raise RefusedError(f"token endpoint: account {reason} {self.error_codes(result)}", message)

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

    def sync_and_login(
        self, identity: MicrosoftIdentity, trusted: bool, result: dict[str, Any]
    ) -> AbstractBaseUser:
        """``authenticate()`` then ``login()``, as any login; then keep what the session needs."""
        # The tokens the session held before: a refused sign-in leaves them as they were.
        earlier_tokens = sessions.saved_tokens(self.request)
        logging_in = False
        try:
            # Resolved before anything is written: a backend that does not load leaves no rows.
            configured_backend = hooks.backend_path()
            user: Any = backends.authenticate(
                self.request,
                microsoft_identity=identity,
                tenant_trusted=trusted,
                mapping_tenant=identity.tenant_id
                in tenants.mapping_tenants(
                    self.sso.mapping_tenants, client.tenant_metadata(self.sso).tenant_id
                ),
                token_response=result,
            )
            logging_in = True
            with signing_in_with_microsoft():
                login(
                    self.request,
                    user,
                    backend=configured_backend or backends.session_backend(user),
                )
        except LoginError:
            self.abandon_session(logging_in, earlier_tokens)
            raise
        except ImproperlyConfigured as error:
            # A backend setting that does not load (``manage.py check`` reports it).
            self.abandon_session(logging_in, earlier_tokens)
            raise ConfigurationError(str(error)) from error
        except Exception as error:
            # A ``user_logged_in`` receiver failed: the person gets a message, not a server error.
            self.abandon_session(logging_in, earlier_tokens)
            raise backends.account_error(self.sso, error) from error
        self.keep_in_session(identity, result)
        return user  # type: ignore[no-any-return]

    def keep_in_session(self, identity: MicrosoftIdentity, result: dict[str, Any]) -> None:
        """login() flushes a session that belonged to someone else; put back what is ours."""
        session = self.request.session
        sessions.store_tokens(self.request, self.sso, result)
        login_hint = identity.claims.get("login_hint")
        if isinstance(login_hint, str) and len(login_hint) < 4096:
            session[LOGIN_HINT_SESSION_KEY] = login_hint
        session.set_expiry(self.sso.session_cookie_age)
        frontchannel.remember_microsoft_session(self.request, self.sso, identity)

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
