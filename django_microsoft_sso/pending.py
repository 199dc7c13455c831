"""The sign-ins under way: stored when they start, taken out (once) by the callback.

A pending sign-in is msal's flow (state, nonce, PKCE verifier), the ``next`` it lands on and when
it expires. It waits in one of three places, its mode:

- ``SESSION``: the browser's session, keyed by state (the query callback, the default);
- ``COOKIE``: a sealed cookie of its own (``pending_cookies``), for form_post over https, whose
  cross-site POST brings no session cookie;
- ``CACHE``: the cache under its state, tied to no browser: form_post over plain http, DEBUG only.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import pending_cookies
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import ConfigurationError, LoginError, StateError

SESSION, COOKIE, CACHE = "session", "cookie", "cache"

PENDING_SESSION_KEY = "_microsoft_sso_pending"
NEXT_SESSION_KEY = "sso_next_url"
CACHE_KEY_PREFIX = "django_microsoft_sso:pending:"
# A form_post callback's state, once used: only a callback that brings its sealed cookie writes it.
USED_STATE_KEY_PREFIX = CACHE_KEY_PREFIX + "used:"
# Sign-ins one browser may have under way at once (one per tab); the oldest gives way.
MAX_PENDING_PER_SESSION = 10
# msal's states are URL-safe base64 (22 characters). Anything else is refused before it is used
# as a session or cache key: cache backends refuse keys with spaces or control characters.
STATE_PATTERN = re.compile(r"[A-Za-z0-9_.~-]{1,128}")


def is_state(state: object) -> bool:
    """Whether ``state`` has the shape of one of msal's states (and so may be used as a key)."""
    return isinstance(state, str) and STATE_PATTERN.fullmatch(state) is not None


def mode_for(sso: Settings, redirect_uri: str) -> str:
    """Where a sign-in that Microsoft answers at ``redirect_uri`` waits for its callback."""
    if not sso.require_secure_callback:
        return SESSION
    # Only a SameSite=None cookie comes along with Microsoft's cross-site POST, and browsers
    # keep those only when they are Secure: the browser can be bound only over https.
    if redirect_uri.startswith("https://"):
        return COOKIE
    ensure_unbound_allowed()
    return CACHE


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


def store(
    request: HttpRequest,
    response: HttpResponse,
    sso: Settings,
    state: str,
    pending: dict[str, Any],
    mode: str,
) -> None:
    """Keep the pending sign-in of ``state`` where its callback will look for it."""
    if mode == COOKIE:
        # The authorize URL is the largest part of the flow, and never needed again.
        flow = {key: value for key, value in pending["flow"].items() if key != "auth_uri"}
        pending_cookies.store(request, response, state, {**pending, "flow": flow})
    elif mode == CACHE:
        # No cookie can come along with Microsoft's POST: the sign-in waits under its state.
        lifetime = int(sso.timeout_minutes * 60)
        caches[sso.cache_name].set(CACHE_KEY_PREFIX + state, pending, lifetime)
    else:
        # 7.x's how.md documents this key; projects may read where the sign-in leads. Not in
        # form_post mode, whose start writes nothing on the server (no session either).
        request.session[NEXT_SESSION_KEY] = pending["next"]
        store_in_session(request, state, pending)


def store_in_session(request: HttpRequest, state: str, pending: dict[str, Any]) -> None:
    # Keyed by state, so that two tabs signing in at once each find their own.
    now = time.time()
    stored = {
        key: item
        for key, item in request.session.get(PENDING_SESSION_KEY, {}).items()
        if item.get("expires", 0) > now
    }
    while len(stored) >= MAX_PENDING_PER_SESSION:
        del stored[min(stored, key=lambda key: stored[key]["expires"])]
    stored[state] = pending
    request.session[PENDING_SESSION_KEY] = stored


def take(request: HttpRequest, sso: Settings, state: object, mode: str) -> dict[str, Any]:
    """Take the pending sign-in of ``state`` out of storage: it can be used once only.

    In ``COOKIE`` mode a sign-in that no cookie brings may still be one in the cache (DEBUG).
    """
    if not isinstance(state, str) or not is_state(state):
        raise StateError("callback without a valid state")
    pending: dict[str, Any] | None
    if mode == COOKIE:
        pending = pending_cookies.take(request, state)
        if pending is not None:
            claim_state(sso, state, pending)
        else:
            pending = take_from_cache(sso, state)
    else:
        pending = take_from_session(request, state)
    if pending.get("expires", 0) < time.time():
        raise StateError("sign-in took longer than MICROSOFT_SSO_TIMEOUT")
    return pending


def take_from_session(request: HttpRequest, state: str) -> dict[str, Any]:
    stored = request.session.get(PENDING_SESSION_KEY, {})
    pending: dict[str, Any] | None = stored.pop(state, None)
    if pending is None:
        raise StateError("unknown, used or expired state (session)")
    request.session[PENDING_SESSION_KEY] = stored
    return pending


def claim_state(sso: Settings, state: str, pending: dict[str, Any]) -> None:
    """Mark the state used; a replayed or parallel callback with the same cookie fails.

    Only a callback that brings the sealed cookie of its state gets here, so anonymous
    requests cannot fill the cache with these marks.
    """
    lifetime = int(pending.get("expires", 0) - time.time()) + 1
    if lifetime <= 0:
        return  # expired: refused anyway
    try:
        claimed = caches[sso.cache_name].add(USED_STATE_KEY_PREFIX + state, 1, lifetime)
    except Exception as error:  # single use cannot be proven: refuse rather than risk it
        raise LoginError(f"form_post state not recorded: cache {type(error).__name__}") from error
    if not claimed:
        raise StateError("used state (form_post)")


def take_from_cache(sso: Settings, state: str) -> dict[str, Any]:
    """A sign-in started over plain http with DEBUG, which no cookie ties to a browser."""
    from django.conf import settings

    if not settings.DEBUG:
        raise StateError("no sealed cookie of this state in this browser (form_post)")
    cache = caches[sso.cache_name]
    key = CACHE_KEY_PREFIX + state
    pending: dict[str, Any] | None = cache.get(key)
    # Whoever deletes the entry owns it: a replayed or parallel callback finds nothing.
    if pending is None or not cache.delete(key):
        raise StateError("unknown, used or expired state (cache)")
    return pending


def forget(request: HttpRequest, response: HttpResponse, state: str) -> None:
    """Delete the sealed cookie of ``state`` the browser brought: used or refused, it is spent."""
    if pending_cookies.cookie_name(state) in request.COOKIES:
        pending_cookies.forget(response, state)
