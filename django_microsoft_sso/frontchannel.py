"""Front-channel logout: which Django session each Microsoft session (``sid``) signed in.

A sign-in notes its ``sid`` in the cache; when Microsoft calls the front-channel logout URL with
that ``sid``, the Django session it signed in ends, and nothing else.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.http import HttpRequest

from django_microsoft_sso import sessions
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.logs import log
from django_microsoft_sso.tokens import MicrosoftIdentity

# The prefix the entries had when the sign-in flow kept them: entries already written still count.
SID_KEY_PREFIX = "django_microsoft_sso:pending:sid:"


def microsoft_session_cache_key(sid: str) -> str:
    digest = hashlib.sha256(sid.encode()).hexdigest()
    return f"{SID_KEY_PREFIX}{digest}"


def remember_microsoft_session(
    request: HttpRequest, sso: Settings, identity: MicrosoftIdentity
) -> None:
    """Note which Django session Microsoft's session ``sid`` signed in, for front-channel logout.

    Keyed by ``sid`` alone: Entra calls the front-channel logout URL with ``sid`` only. The
    issuer is kept beside it, to refuse a call that names another one.
    """
    sid, issuer = identity.claims.get("sid"), identity.claims.get("iss")
    session_key = request.session.session_key
    if not (isinstance(sid, str) and sid and isinstance(issuer, str) and session_key):
        return
    if sessions.cookie_sessions():
        return  # the "key" is the signed session itself, and no server can end it
    try:
        caches[sso.cache_name].set(
            microsoft_session_cache_key(sid),
            {"session_key": session_key, "issuer": issuer},
            sso.session_cookie_age,
        )
    except Exception as error:  # a broken cache costs front-channel logout, not the sign-in
        log(sso, "WARNING", "Front-channel logout not armed: cache {}", type(error).__name__)


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
