"""A sign-in from start to finish: the steps the views run, one small method each.

``start`` sends the browser to Microsoft with a fresh state, nonce and PKCE verifier, made by msal;
``finish`` takes that pending sign-in back out (once), redeems the code, validates the id_token,
reads the Graph profile when it is needed, applies the project's policy, syncs the user in one
transaction and logs them in. Any failure is a ``LoginError``; the views turn it into a message.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import time
import unicodedata
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import (
    backends,
    client,
    helpers,
    hooks,
    pending_cookies,
    sessions,
    tokens,
)
from django_microsoft_sso.conf import Settings, parse_callback_domain
from django_microsoft_sso.exceptions import (
    AuthorizationError,
    ConfigurationError,
    DisabledError,
    LoginError,
    RefusedError,
    StateError,
    TokenError,
)
from django_microsoft_sso.groups import signing_in_with_microsoft
from django_microsoft_sso.logs import log
from django_microsoft_sso.tokens import MicrosoftIdentity

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ACCESS_TOKEN_SESSION_KEY = sessions.ACCESS_TOKEN_SESSION_KEY
LOGIN_HINT_SESSION_KEY = "_microsoft_sso_login_hint"
PENDING_SESSION_KEY = "_microsoft_sso_pending"
NEXT_SESSION_KEY = "sso_next_url"
CACHE_KEY_PREFIX = "django_microsoft_sso:pending:"
# A form_post callback's state, once used: only a callback that brings its sealed cookie writes it.
USED_STATE_KEY_PREFIX = CACHE_KEY_PREFIX + "used:"
# Sign-ins one browser may have under way at once (one per tab); the oldest gives way.
MAX_PENDING_PER_SESSION = 10
MAX_NEXT_LENGTH = 2048
# msal's states are URL-safe base64 (22 characters). Anything else is refused before it is used
# as a session or cache key: cache backends refuse keys with spaces or control characters.
STATE_PATTERN = re.compile(r"[A-Za-z0-9_.~-]{1,128}")
# 7.x said "Authorization Code not received from SSO." for this; the meaning is kept.
MISSING_CODE_MESSAGE = _("Microsoft sent no authorization code. Please sign in again.")


def resolve_setting_url(target: str, fallback: str = "/") -> str:
    """A URL name (``admin:index``), path or URL from a setting, as a URL."""
    try:
        return resolve_url(target)
    except NoReverseMatch:
        return fallback


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
        next_url = self.safe_next(self.request.GET.get("next"))
        self.ensure_enabled(next_url)
        form_post = self.sso.require_secure_callback
        redirect_uri = self.redirect_uri()
        # Only a SameSite=None cookie comes along with Microsoft's cross-site POST, and browsers
        # keep those only when they are Secure: the browser can be bound only over https.
        bound = form_post and redirect_uri.startswith("https://")
        if form_post and not bound:
            self.ensure_unbound_allowed()
        flow = client.initiate_flow(
            self.sso, redirect_uri, response_mode="form_post" if form_post else None
        )
        pending: dict[str, Any] = {
            "flow": flow,
            "next": next_url,
            "expires": time.time() + self.lifetime_seconds,
        }
        response = HttpResponseRedirect(flow["auth_uri"])
        if bound:
            # The authorize URL is the largest part of the flow, and never needed again.
            kept = {key: value for key, value in flow.items() if key != "auth_uri"}
            pending_cookies.store(self.request, response, flow["state"], {**pending, "flow": kept})
        elif form_post:
            self.store_in_cache(flow["state"], pending)
        else:
            # 7.x's how.md documents this key; projects may read where the sign-in leads. Not in
            # form_post mode, whose start writes nothing on the server (no session either).
            self.request.session[NEXT_SESSION_KEY] = next_url
            self.store_in_session(flow["state"], pending)
        return response

    @staticmethod
    def ensure_unbound_allowed() -> None:
        """Refuse a form_post sign-in that no cookie can tie to its browser, but with DEBUG.

        Unbound, an attacker's own answer opened in someone else's browser would sign that
        person in as the attacker.
        """
        from django.conf import settings

        if not settings.DEBUG:
            raise ConfigurationError(
                "form_post needs an https redirect URI to tie the sign-in to the browser: set "
                "SECURE_PROXY_SSL_HEADER behind a proxy that ends TLS, or "
                'MICROSOFT_SSO_CALLBACK_DOMAIN = "https://<host>"',
                _(
                    "Sign in with Microsoft needs a secure (https) connection to this site. "
                    "Please contact your administrator."
                ),
            )

    @property
    def lifetime_seconds(self) -> int:
        return int(self.sso.timeout_minutes * 60)

    def safe_next(self, candidate: str | None) -> str:
        """``next`` when it stays on this site, else ``MICROSOFT_SSO_NEXT_URL``.

        A relative path (``private/``, or the ``null`` some login pages' scripts send when they
        have no ``next``) would resolve against the callback's URL, never where the page meant.
        """
        # is_safe_url parsed it already: urlsplit cannot fail once it said yes.
        if (
            candidate
            and self.is_safe_url(candidate)
            and (candidate.startswith("/") or urlsplit(candidate).scheme)
        ):
            return candidate
        return resolve_setting_url(self.sso.next_url)

    def is_safe_url(self, url: str) -> bool:
        if len(url) > MAX_NEXT_LENGTH or any(unicodedata.category(c)[0] == "C" for c in url):
            return False
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. "x://[": an unclosed IPv6 address
            return False
        if url.replace("\\", "/").startswith("//") and not parts.netloc:
            return False  # "//" or "//?x": a URL without a host, which no browser can follow
        allowed_hosts = {self.request.get_host()}
        callback_host = self.callback_origin()[1]
        if callback_host:
            allowed_hosts.add(callback_host)
        return url_has_allowed_host_and_scheme(
            url, allowed_hosts=allowed_hosts, require_https=self.request.is_secure()
        )

    def ensure_enabled(self, next_url: str) -> None:
        """Refuse when the project switched sign-in off, for the admin or for its pages."""
        if not self.sso.enabled:
            raise DisabledError("MICROSOFT_SSO_ENABLED is off")
        if self.is_admin_url(next_url):
            if not self.sso.admin_enabled:
                raise DisabledError("MICROSOFT_SSO_ADMIN_ENABLED is off")
        elif not self.sso.pages_enabled:
            raise DisabledError("MICROSOFT_SSO_PAGES_ENABLED is off")

    def is_admin_url(self, url: str) -> bool:
        """Whether ``url`` lands in the admin, once its path is decoded and normalised."""
        try:
            admin_root = reverse(self.sso.admin_route)
        except NoReverseMatch:
            return False
        path = unquote(urlsplit(url).path).replace("\\", "/")
        path = posixpath.normpath("/" + path.lstrip("/"))
        root = posixpath.normpath(admin_root)
        return path == root or path.startswith(root.rstrip("/") + "/")

    def callback_origin(self) -> tuple[str | None, str | None]:
        """(scheme, host) of ``MICROSOFT_SSO_CALLBACK_DOMAIN``; None for what it leaves open."""
        domain = self.sso.callback_domain
        if not domain:
            return None, None
        try:
            return parse_callback_domain(domain)
        except ValueError as error:
            raise ConfigurationError(f"MICROSOFT_SSO_CALLBACK_DOMAIN: {error}") from error

    def redirect_uri(self) -> str:
        """Where Microsoft sends the browser back: never built from a raw forwarded header.

        The scheme is the callback domain's when it names one (``https://www.example.com``),
        else the request's, as ``request.is_secure()`` (and ``SECURE_PROXY_SSL_HEADER``) says.
        """
        scheme, netloc = self.callback_origin()
        if netloc is None:
            if apps.is_installed("django.contrib.sites"):
                from django.contrib.sites.shortcuts import get_current_site

                netloc = get_current_site(self.request).domain
            else:
                netloc = self.request.get_host()
        if scheme is None:
            scheme = "https" if self.request.is_secure() else "http"
        return f"{scheme}://{netloc}{reverse('django_microsoft_sso:oauth_callback')}"

    def store_in_session(self, state: str, pending: dict[str, Any]) -> None:
        # Keyed by state, so that two tabs signing in at once each find their own.
        now = time.time()
        stored = {
            key: item
            for key, item in self.request.session.get(PENDING_SESSION_KEY, {}).items()
            if item.get("expires", 0) > now
        }
        while len(stored) >= MAX_PENDING_PER_SESSION:
            del stored[min(stored, key=lambda key: stored[key]["expires"])]
        stored[state] = pending
        self.request.session[PENDING_SESSION_KEY] = stored

    def store_in_cache(self, state: str, pending: dict[str, Any]) -> None:
        # form_post over plain http, with DEBUG only: no cookie can come along with Microsoft's
        # POST, so the sign-in waits in the cache under its state, tied to no browser.
        caches[self.sso.cache_name].set(CACHE_KEY_PREFIX + state, pending, self.lifetime_seconds)

    # -- finish -------------------------------------------------------------------------------

    def finish(self) -> HttpResponseRedirect:
        """Complete the sign-in Microsoft sent back, and send the browser on to ``next``."""
        if not self.sso.enabled:
            raise DisabledError("MICROSOFT_SSO_ENABLED is off")
        answer = self.request.POST if self.request.method == "POST" else self.request.GET
        if not answer.get("code") and not answer.get("error"):
            # Neither a code nor Microsoft's error: no answer of Microsoft's, whatever its state.
            raise AuthorizationError("callback without code", MISSING_CODE_MESSAGE)
        pending = self.take_pending(answer.get("state"))
        helpers.remember_sign_in_next(self.request, pending["next"])
        self.ensure_enabled(pending["next"])
        self.raise_for_authorization_error(answer)

        auth_response = {
            key: answer[key] for key in ("code", "state", "session_state") if key in answer
        }
        flow = pending["flow"]
        result = client.redeem_code(self.sso, flow, auth_response)
        if "error" in result:
            raise TokenError(f"token endpoint: {result['error']} {self.error_codes(result)}")
        identity = tokens.validate_id_token(self.sso, result.get("id_token"), flow["nonce"])
        trusted = self.verify_tenant(identity)

        user = self.sync_and_login(identity, trusted, result)
        log(self.sso, "INFO", "Microsoft sign-in of user {} succeeded", user.pk)
        next_url = pending["next"] if self.is_safe_url(pending["next"]) else "/"
        return HttpResponseRedirect(next_url)

    def take_pending(self, state: str | None) -> dict[str, Any]:
        """Take the pending sign-in for ``state`` out of storage: it can be used once only."""
        if not isinstance(state, str) or not STATE_PATTERN.fullmatch(state):
            raise StateError("callback without a valid state")
        pending: dict[str, Any] | None
        if self.sso.require_secure_callback and self.request.method == "POST":
            self.answered_state = state
            pending = pending_cookies.take(self.request, state)
            if pending is not None:
                self.claim_state(state, pending)
            else:
                pending = self.take_from_cache(state)
        else:
            stored = self.request.session.get(PENDING_SESSION_KEY, {})
            pending = stored.pop(state, None)
            if pending is None:
                raise StateError("unknown, used or expired state (session)")
            self.request.session[PENDING_SESSION_KEY] = stored
        if pending.get("expires", 0) < time.time():
            raise StateError("sign-in took longer than MICROSOFT_SSO_TIMEOUT")
        return pending

    def claim_state(self, state: str, pending: dict[str, Any]) -> None:
        """Mark the state used; a replayed or parallel callback with the same cookie fails.

        Only a callback that brings the sealed cookie of its state gets here, so anonymous
        requests cannot fill the cache with these marks.
        """
        lifetime = int(pending.get("expires", 0) - time.time()) + 1
        if lifetime <= 0:
            return  # expired: refused anyway
        try:
            claimed = caches[self.sso.cache_name].add(USED_STATE_KEY_PREFIX + state, 1, lifetime)
        except Exception as error:  # single use cannot be proven: refuse rather than risk it
            raise LoginError(
                f"form_post state not recorded: cache {type(error).__name__}"
            ) from error
        if not claimed:
            raise StateError("used state (form_post)")

    def take_from_cache(self, state: str) -> dict[str, Any]:
        """A sign-in started over plain http with DEBUG, which no cookie ties to a browser."""
        from django.conf import settings

        if not settings.DEBUG:
            raise StateError("no sealed cookie of this state in this browser (form_post)")
        cache = caches[self.sso.cache_name]
        key = CACHE_KEY_PREFIX + state
        pending: dict[str, Any] | None = cache.get(key)
        # Whoever deletes the entry owns it: a replayed or parallel callback finds nothing.
        if pending is None or not cache.delete(key):
            raise StateError("unknown, used or expired state (cache)")
        return pending

    def forget_answered_state(self, response: HttpResponse) -> None:
        """Delete the cookie of the form_post sign-in this callback answered, used or refused."""
        state = self.answered_state
        if state is not None and pending_cookies.cookie_name(state) in self.request.COOKIES:
            pending_cookies.forget(response, state)

    @staticmethod
    def error_codes(result: dict[str, Any]) -> str:
        codes = result.get("error_codes")
        if isinstance(codes, list):
            return "AADSTS" + ",".join(str(code)[:12] for code in codes[:5])
        return ""

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

    def tenants(self) -> tuple[set[str] | None, set[str]]:
        """(tenants allowed to sign in, None for any; tenants whose e-mail claims are trusted).

        The personal-accounts tenant is never trusted: anyone can open a personal account with
        any address they can receive mail at, so its claims prove no domain.
        """
        configured = self.sso.allowed_tenants
        single = client.tenant_metadata(self.sso).tenant_id
        allowed: set[str] | None
        if configured:
            listed = {str(tenant).lower() for tenant in configured}
            allowed = None if "*" in listed else listed
            trusted = {single} if "*" in listed and single else set(listed) - {"*"}
        else:
            allowed = {single} if single else None
            trusted = {single} if single else set()
        return allowed, trusted - {client.PERSONAL_ACCOUNTS_TENANT_ID}

    def mapping_tenants(self) -> set[str]:
        """The tenants whose groups and app roles the mappings may turn into Django rights.

        Only tenants the project names: the authority's own, and ``MAPPING_TENANTS``. Whoever
        administers a tenant decides its roles and groups, so with ``common`` or
        ``organizations`` any stranger could otherwise assign themselves a mapped role. ``"*"``
        and the personal-accounts tenant (which anyone can join) name no one.
        """
        single = client.tenant_metadata(self.sso).tenant_id
        named = {str(tenant).strip().lower() for tenant in self.sso.mapping_tenants or []}
        if single:
            named.add(single)
        return named - {"*", client.PERSONAL_ACCOUNTS_TENANT_ID}

    def verify_tenant(self, identity: MicrosoftIdentity) -> bool:
        """Refuse a tenant the project does not allow; return whether it is trusted."""
        allowed, trusted = self.tenants()
        personal_refused = (
            client.authority_tenant(client.authority_url(self.sso)) == "organizations"
            and identity.tenant_id == client.PERSONAL_ACCOUNTS_TENANT_ID
            and identity.tenant_id not in (allowed or set())
        )
        if personal_refused or (allowed is not None and identity.tenant_id not in allowed):
            raise RefusedError(
                f"tenant {identity.tenant_id} not allowed",
                _("Accounts of your organization are not allowed to sign in here."),
            )
        return identity.tenant_id in trusted

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
                mapping_tenant=identity.tenant_id in self.mapping_tenants(),
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
        self.remember_microsoft_session(identity)

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

    def remember_microsoft_session(self, identity: MicrosoftIdentity) -> None:
        """Note which Django session Microsoft's session ``sid`` signed in, for front-channel logout.

        Keyed by ``sid`` alone: Entra calls the front-channel logout URL with ``sid`` only. The
        issuer is kept beside it, to refuse a call that names another one.
        """
        sid, issuer = identity.claims.get("sid"), identity.claims.get("iss")
        session_key = self.request.session.session_key
        if not (isinstance(sid, str) and sid and isinstance(issuer, str) and session_key):
            return
        if sessions.cookie_sessions():
            return  # the "key" is the signed session itself, and no server can end it
        try:
            caches[self.sso.cache_name].set(
                microsoft_session_cache_key(sid),
                {"session_key": session_key, "issuer": issuer},
                self.sso.session_cookie_age,
            )
        except Exception as error:  # a broken cache costs front-channel logout, not the sign-in
            log(
                self.sso,
                "WARNING",
                "Front-channel logout not armed: cache {}",
                type(error).__name__,
            )


def microsoft_session_cache_key(sid: str) -> str:
    digest = hashlib.sha256(sid.encode()).hexdigest()
    return f"{CACHE_KEY_PREFIX}sid:{digest}"


def end_microsoft_session(sso: Settings, sid: str, issuer: str | None = None) -> bool:
    """End the Django session that Microsoft's session ``sid`` signed in, if any.

    Microsoft's ``sid`` is bound to the one Microsoft session that signed this Django session in,
    so it is enough on its own; an ``issuer``, when given, must be the one that session's id_token
    named.
    """
    from importlib import import_module

    from django.conf import settings

    cache = caches[sso.cache_name]
    key = microsoft_session_cache_key(sid)
    entry = cache.get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("session_key"), str):
        return False
    if issuer is not None and entry.get("issuer") != issuer:
        return False
    cache.delete(key)
    session_key = entry["session_key"]
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    store.delete(session_key)
    return True
