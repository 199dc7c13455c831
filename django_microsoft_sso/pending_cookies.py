"""A form_post sign-in waits in the browser that started it, sealed in a cookie of its own.

Microsoft POSTs its answer from its own site, so the session cookie (``SameSite=Lax``) does not
come along. The pending sign-in (msal's flow, with its PKCE verifier and nonce, and ``next``)
therefore travels in a cookie named after its state, ``SameSite=None; Secure; HttpOnly``, sealed
with AES-GCM under a key derived from ``SECRET_KEY``: the browser carries it but can neither read
nor change it. The start view writes nothing on the server, so no flood of anonymous starts can
push anyone's sign-in out of a cache; and an answer opened in another browser finds no cookie.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import posixpath
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import salted_hmac

COOKIE_PREFIX = "microsoft_sso_pending_"
# One per tab signing in at once; the oldest gives way.
MAX_COOKIES = 10
# The callback's Cookie header must stay under the 8 kB per header that nginx, Apache and
# gunicorn accept by default, with room left for the site's own cookies. A cookie takes about
# 530 bytes, more with a long ``next``.
MAX_TOTAL_BYTES = 6000
_KEY_SALT = "django_microsoft_sso.pending"
_NONCE_BYTES = 12


def cookie_name(state: str) -> str:
    return COOKIE_PREFIX + state


def cookie_path() -> str:
    """The URL prefix the start and callback views share: the start sees the cookies to prune."""
    start = reverse("django_microsoft_sso:oauth_start_login")
    callback = reverse("django_microsoft_sso:oauth_callback")
    return posixpath.commonpath([start, callback]).rstrip("/") + "/"


def _keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(_KEY_SALT, "", secret=secret, algorithm="sha256").digest()
        for secret in secrets
    ]


def seal(name: str, pending: dict[str, Any]) -> str:
    """``pending`` as a cookie value that only opens under the cookie ``name``."""
    nonce = os.urandom(_NONCE_BYTES)
    data = json.dumps(pending, separators=(",", ":")).encode()
    sealed = AESGCM(_keys()[0]).encrypt(nonce, data, name.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(name: str, value: str) -> dict[str, Any] | None:
    """What ``seal`` put in the cookie ``name``, or None when it was not sealed so (or changed)."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    for key in _keys():
        try:
            data = AESGCM(key).decrypt(nonce, sealed, name.encode())
        except (InvalidTag, ValueError):
            continue
        pending = json.loads(data)
        return pending if isinstance(pending, dict) else None
    return None


def store(
    request: HttpRequest, response: HttpResponse, state: str, pending: dict[str, Any]
) -> None:
    """Set the cookie of this sign-in, and drop the browser's oldest ones beyond the limits."""
    name = cookie_name(state)
    value = seal(name, pending)
    path = cookie_path()
    now = time.time()
    others: list[tuple[float, str, int]] = []
    for other, other_value in request.COOKIES.items():
        if other.startswith(COOKIE_PREFIX) and other != name:
            opened = unseal(other, other_value)
            expires = opened.get("expires", 0) if opened else 0
            others.append((expires, other, len(f"{other}={other_value}; ")))
    budget = MAX_TOTAL_BYTES - len(f"{name}={value}; ")
    kept = 1
    for expires, other, size in sorted(others, reverse=True):
        if expires > now and kept < MAX_COOKIES and size <= budget:
            kept += 1
            budget -= size
        else:
            response.delete_cookie(other, path=path, samesite="None")
    response.set_cookie(
        name,
        value,
        max_age=max(1, round(pending["expires"] - now)),
        path=path,
        secure=True,
        httponly=True,
        samesite="None",
    )


def take(request: HttpRequest, state: str) -> dict[str, Any] | None:
    """The pending sign-in of ``state`` from this browser's cookie, or None.

    A cookie that does not open (changed, sealed under another key, or renamed to another
    state) is as good as none.
    """
    name = cookie_name(state)
    value = request.COOKIES.get(name)
    pending = unseal(name, value) if value else None
    flow = pending.get("flow") if pending else None
    if not isinstance(flow, dict) or flow.get("state") != state:
        return None
    return pending


def forget(response: HttpResponse, state: str) -> None:
    """Delete the cookie of ``state``: used or refused, it never counts again."""
    response.delete_cookie(cookie_name(state), path=cookie_path(), samesite="None")
