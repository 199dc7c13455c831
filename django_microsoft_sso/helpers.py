"""Functions of the request, ready to use as ``MICROSOFT_SSO_ADMIN_ENABLED`` / ``…_PAGES_ENABLED``.

```python
from django_microsoft_sso.helpers import is_admin_path

MICROSOFT_SSO_ENABLED = is_admin_path  # sign-in with Microsoft for the admin only
```

Each tells where a request leads: the page itself or, on the package's views, where the sign-in
in progress lands. At the start that is the ``next`` page; at the callback it is the ``next``
stored when the sign-in started, so that settings that are callables using these functions (as
7.x's docs taught: ``lambda request: ... if is_admin_path(request) else ...``) give the same
answer at both ends of one sign-in. Neither function calls a setting that is a callable of the
request: such a callable may call them in turn.

The package's other views (sign-out, front-channel logout, the picture), and a callback whose
sign-in is unknown (it fails), count as both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from django.http import HttpRequest

_APP_NAME = "django_microsoft_sso"
# Set on the request by the callback once it has taken its sign-in out of storage.
SIGN_IN_NEXT_ATTRIBUTE = "_microsoft_sso_next"


def remember_sign_in_next(request: HttpRequest, next_url: str) -> None:
    """Record where the sign-in being completed lands, for the settings read after it is taken."""
    setattr(request, SIGN_IN_NEXT_ATTRIBUTE, next_url)


def _plain(name: str) -> Any:
    """A setting's value, or None when it is a callable of the request (never called here)."""
    from django_microsoft_sso import conf

    value = conf.raw(name)
    return None if callable(value) else value


def _next_at_start(request: HttpRequest) -> str | None:
    """Where the sign-in that this request starts lands, as far as it is known without settings.

    ``next`` when it stays on this site; else ``MICROSOFT_SSO_NEXT_URL`` when it is a plain value.
    A callable ``NEXT_URL`` may itself ask these helpers, so it is not called: the start is
    judged by its own path (a page), as in 7.x, and the callable then gives the pages' target,
    which the callback judges again from what was stored.
    """
    from django.utils.http import url_has_allowed_host_and_scheme

    from django_microsoft_sso.redirects import resolve_setting_url

    candidate = request.GET.get("next")
    if candidate:
        allowed_hosts = {request.get_host()}
        domain = _plain("MICROSOFT_SSO_CALLBACK_DOMAIN")
        if domain:
            allowed_hosts.add(str(domain))
        try:
            relative = candidate.startswith("/") or bool(urlsplit(candidate).scheme)
        except ValueError:
            relative = False
        if relative and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts=allowed_hosts, require_https=request.is_secure()
        ):
            return candidate
    next_url = _plain("MICROSOFT_SSO_NEXT_URL")
    return resolve_setting_url(str(next_url)) if next_url else request.path


def _stored_next(request: HttpRequest) -> str | None:
    """The ``next`` of the sign-in this callback completes, looked at without taking it."""
    if hasattr(request, SIGN_IN_NEXT_ATTRIBUTE):
        return str(getattr(request, SIGN_IN_NEXT_ATTRIBUTE))
    pending = _peek_pending(request)
    return None if pending is None else str(pending.get("next") or "")


def _peek_pending(request: HttpRequest) -> dict[str, Any] | None:
    """The pending sign-in the callback names by its state, left where it is stored."""
    from django.core.cache import caches

    from django_microsoft_sso import pending_cookies
    from django_microsoft_sso.pending import CACHE_KEY_PREFIX, PENDING_SESSION_KEY, STATE_PATTERN

    answer = request.POST if request.method == "POST" else request.GET
    state = answer.get("state")
    if not isinstance(state, str) or not STATE_PATTERN.fullmatch(state):
        return None
    pending: Any = None
    if request.method == "POST":
        # form_post keeps it in the browser's sealed cookie or, unbound (DEBUG over http), in
        # the cache; the state is random, so looking there is harmless.
        name = pending_cookies.cookie_name(state)
        sealed = request.COOKIES.get(name)
        pending = pending_cookies.unseal(name, sealed) if sealed else None
        if pending is None:
            pending = caches[str(_plain("MICROSOFT_SSO_CACHE_NAME") or "default")].get(
                CACHE_KEY_PREFIX + state
            )
    session = getattr(request, "session", None)
    if pending is None and session is not None:
        pending = session.get(PENDING_SESSION_KEY, {}).get(state)
    return pending if isinstance(pending, dict) else None


def _target(request: HttpRequest) -> str | None:
    """The path the request leads to; None when that cannot be told (counts as both areas)."""
    from django.urls import Resolver404, resolve

    match = request.resolver_match
    if match is None:
        # Settings read before URL resolution (a middleware), or a request built by hand.
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return request.path
    if _APP_NAME not in match.app_names:
        return request.path
    if match.url_name == "oauth_start_login":
        return _next_at_start(request)
    if match.url_name == "oauth_callback":
        return _stored_next(request) or None
    return None


def _is_admin_url(request: HttpRequest, url: str) -> bool:
    # Imported here: a settings module imports this one before the app registry is ready.
    from django_microsoft_sso.conf import Settings
    from django_microsoft_sso.redirects import is_admin_url

    return is_admin_url(Settings(request), url)


def is_admin_path(request: HttpRequest) -> bool:
    """Whether the request is for the admin, or belongs to a sign-in that lands in the admin."""
    target = _target(request)
    return target is None or _is_admin_url(request, target)


def is_page_path(request: HttpRequest) -> bool:
    """Whether the request is for a page outside the admin, or a sign-in that lands there."""
    target = _target(request)
    return target is None or not _is_admin_url(request, target)
