"""What each process keeps, and the one function that makes it start afresh.

The pooled HTTP client (``transport``), the msal applications and their Retry-After waits
(``client``), tenant metadata and signing keys (``discovery``), loaded certificates
(``credentials``), the group-mapping rows (``groups``) and imported hooks (``hooks``). Django's
cache is not a process cache: its copies of metadata and keys stay for the other processes.
"""

from __future__ import annotations

from typing import Any

from django_microsoft_sso import client, credentials, discovery, groups, hooks, transport

# The settings the process caches are built from. When a test changes one of them, whatever
# was built from the old value goes. Every other setting is read at each request, and changing
# it costs nothing: a changed hook must not rebuild the msal application.
BUILT_FROM = frozenset(
    {
        "CACHES",
        "MICROSOFT_SSO_APPLICATION_ID",
        "MICROSOFT_SSO_AUTHENTICATION_BACKEND",
        "MICROSOFT_SSO_AUTHORITY",
        "MICROSOFT_SSO_CACHE_NAME",
        "MICROSOFT_SSO_CERTIFICATE",
        "MICROSOFT_SSO_CLIENT_SECRET",
        "MICROSOFT_SSO_CLOUD",
        "MICROSOFT_SSO_HTTP_TRANSPORT",
    }
)


def reset_process_caches() -> None:
    """Forget everything this process keeps, as a new process would start."""
    client.forget()
    transport.close_http_client()
    discovery.forget()
    credentials.forget()
    groups.forget_database_rows()
    hooks.forget_imports()


def reset_when_built_from(*, setting: str, **kwargs: Any) -> None:
    """A ``setting_changed`` receiver: reset when a setting the caches came from changed."""
    if setting in BUILT_FROM:
        reset_process_caches()
