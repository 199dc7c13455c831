"""Microsoft's tokens in the Django session: kept fresh, and the session following them.

With ``MICROSOFT_SSO_SAVE_ACCESS_TOKEN`` the access token and its expiry are kept in the session.
The refresh token (Microsoft issues one with ``offline_access``, which msal always asks for) is
kept there too, but only when the session lives on the server: never in a signed-cookie session,
where the browser would carry it. ``get_access_token`` returns a token that is still valid,
redeeming the refresh token when the stored one has expired.

With ``MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN``, ``session_is_current`` redeems the refresh token at
most every ``MICROSOFT_SSO_SESSION_CHECK_MINUTES``, and says the session is over when Microsoft
refuses it (revoked sessions, a disabled or deleted account).
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.backends import signed_cookies
from django.http import HttpRequest

from django_microsoft_sso import client
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import LoginError
from django_microsoft_sso.logs import log

ACCESS_TOKEN_SESSION_KEY = "microsoft_sso_access_token"
EXPIRES_SESSION_KEY = "_microsoft_sso_access_token_expires"
REFRESH_TOKEN_SESSION_KEY = "_microsoft_sso_refresh_token"
CHECKED_SESSION_KEY = "_microsoft_sso_token_checked"
SESSION_KEYS = (
    ACCESS_TOKEN_SESSION_KEY,
    EXPIRES_SESSION_KEY,
    REFRESH_TOKEN_SESSION_KEY,
    CHECKED_SESSION_KEY,
)
# A token that expires within this many seconds is refreshed before it is handed out.
EXPIRY_MARGIN = 60
# Microsoft's answers that mean it will no longer issue a token for this person: sign in again.
REFUSALS = frozenset({"invalid_grant", "interaction_required"})


def cookie_sessions() -> bool:
    """Whether ``SESSION_ENGINE`` keeps the session in the browser's cookie.

    Decided by the engine's store class, not its name: a project's engine built on Django's
    signed-cookie store puts everything in the cookie just the same.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return isinstance(store, type) and issubclass(store, signed_cookies.SessionStore)


def server_side_sessions() -> bool:
    """Whether the session engine keeps session data on the server (not in the cookie)."""
    return not cookie_sessions()


def keeps_refresh_token(sso: Settings) -> bool:
    return bool(sso.save_access_token or sso.session_follows_token) and server_side_sessions()


def store_tokens(request: HttpRequest, sso: Settings, result: dict[str, Any]) -> None:
    """Keep what the settings ask for of a token answer (a sign-in's or a refresh's)."""
    session = request.session
    now = time.time()
    if sso.save_access_token:
        session[ACCESS_TOKEN_SESSION_KEY] = result.get("access_token")
        expires_in = result.get("expires_in")
        if isinstance(expires_in, int | float | str) and str(expires_in).isdigit():
            session[EXPIRES_SESSION_KEY] = now + int(expires_in)
        else:
            session.pop(EXPIRES_SESSION_KEY, None)
    refresh_token = result.get("refresh_token")
    if keeps_refresh_token(sso) and isinstance(refresh_token, str) and refresh_token:
        session[REFRESH_TOKEN_SESSION_KEY] = refresh_token
        session[CHECKED_SESSION_KEY] = now


def saved_tokens(request: HttpRequest) -> dict[str, Any]:
    """What the session holds of Microsoft's tokens, for ``restore_tokens``."""
    return {key: request.session[key] for key in SESSION_KEYS if key in request.session}


def restore_tokens(request: HttpRequest, saved: dict[str, Any]) -> None:
    """Put the session's tokens back as ``saved_tokens`` found them."""
    for key in SESSION_KEYS:
        if key in saved:
            request.session[key] = saved[key]
        else:
            request.session.pop(key, None)


def get_access_token(request: HttpRequest) -> str | None:
    """A valid Microsoft Graph access token of the signed-in person, or None.

    Needs ``MICROSOFT_SSO_SAVE_ACCESS_TOKEN``. An expired token is refreshed (one request to
    Microsoft); None when there is no token, no refresh token, or Microsoft refuses or cannot
    be reached. The caller decides what to do then (often: ask the person to sign in again).
    """
    sso = Settings(request)
    session = request.session
    token = session.get(ACCESS_TOKEN_SESSION_KEY)
    if not sso.save_access_token or not isinstance(token, str) or not token:
        return None
    if _user_refused(request):
        return None
    expires = session.get(EXPIRES_SESSION_KEY)
    if not isinstance(expires, int | float) or expires - EXPIRY_MARGIN > time.time():
        return token
    result = _refresh(request, sso)
    if result is None:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.is_active:
        # Microsoft said the account is gone and the user was deactivated, their sessions with
        # them: this one is emptied rather than saved again over the one just ended.
        logout(request)
        return None
    if "error" in result:
        session.pop(ACCESS_TOKEN_SESSION_KEY, None)
        session.pop(EXPIRES_SESSION_KEY, None)
        if sso.session_follows_token:
            session[CHECKED_SESSION_KEY] = 0.0  # the middleware asks again on the next request
        else:
            session.pop(REFRESH_TOKEN_SESSION_KEY, None)
        return None
    store_tokens(request, sso, result)
    fresh = result.get("access_token")
    return fresh if isinstance(fresh, str) and fresh else None


def _user_refused(request: HttpRequest) -> bool:
    """Whether the session names a user that Django's authentication refused (now inactive).

    A signed-cookie session cannot be ended from the server: a deactivated person's browser
    still carries its access token, which must not be handed out.
    """
    user = getattr(request, "user", None)
    return user is not None and not user.is_authenticated and SESSION_KEY in request.session


def session_is_current(request: HttpRequest, sso: Settings) -> bool:
    """False when Microsoft refused to refresh this session's token; at most one check per interval.

    Sessions without a refresh token (not signed in with Microsoft, or a signed-cookie session)
    are not checked. A network fault or an answer that is not a refusal keeps the session.
    """
    session = request.session
    checked = session.get(CHECKED_SESSION_KEY)
    if not isinstance(checked, int | float) or not session.get(REFRESH_TOKEN_SESSION_KEY):
        return True
    if time.time() - checked < float(sso.session_check_minutes) * 60:
        return True
    session[CHECKED_SESSION_KEY] = time.time()
    result = _refresh(request, sso)
    if result is None:
        return True
    if "error" in result:
        return result.get("error") not in REFUSALS
    store_tokens(request, sso, result)
    return True


def _refresh(request: HttpRequest, sso: Settings) -> dict[str, Any] | None:
    """Microsoft's answer to the stored refresh token; None when there is none or no answer."""
    refresh_token = request.session.get(REFRESH_TOKEN_SESSION_KEY)
    if not isinstance(refresh_token, str) or not refresh_token:
        return None
    try:
        result = client.refresh_tokens(sso, refresh_token)
    except LoginError as error:
        log(sso, "WARNING", "Microsoft token refresh failed ({}): {}", error.reason, error.detail)
        return None
    if "error" in result:
        from django_microsoft_sso.lifecycle import deactivate_for_answer

        deactivate_for_answer(request, result)
        codes = result.get("error_codes")
        code = ",".join(str(c)[:12] for c in codes[:5]) if isinstance(codes, list) else ""
        log(
            sso,
            "WARNING",
            "Microsoft refused to refresh the token: {} AADSTS{}",
            str(result.get("error"))[:60],
            code,
        )
    return result
