"""The one pooled HTTP client that msal and Microsoft Graph share.

Keep-alive connections and timeouts on everything, built once per process.
``MICROSOFT_SSO_HTTP_TRANSPORT`` may name a function that returns the ``httpx`` transport to use
(a proxy, a custom certificate authority, or the Microsoft emulator of the demo).
"""

from __future__ import annotations

import threading

import httpx

from django_microsoft_sso import __version__, conf, hooks

_lock = threading.Lock()
_http_client: httpx.Client | None = None


def http_client() -> httpx.Client:
    """The process-wide pooled HTTP client."""
    global _http_client
    if _http_client is None:
        with _lock:
            if _http_client is None:
                factory = conf.raw("MICROSOFT_SSO_HTTP_TRANSPORT")
                transport = hooks.load("MICROSOFT_SSO_HTTP_TRANSPORT")() if factory else None
                _http_client = httpx.Client(
                    transport=transport,
                    timeout=httpx.Timeout(10.0, connect=5.0),
                    limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
                    headers={"User-Agent": f"django-microsoft-sso/{__version__}"},
                    follow_redirects=False,
                )
    return _http_client


def close_http_client() -> None:
    """Close the pooled client; the next request builds a new one."""
    global _http_client
    with _lock:
        client, _http_client = _http_client, None
    if client is not None:
        client.close()
