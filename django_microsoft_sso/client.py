"""The only module that talks to msal.

One msal application is built per set of credentials and kept for the life of the process, so a
sign-in costs no discovery request once the process has served one. It sends its requests
through the pooled client of ``transport``, and reads the tenant's OpenID configuration that
``discovery`` fetched. Where Microsoft asks to wait (``Retry-After``), its token requests wait.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
import warnings
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msal
from msal.exceptions import MsalServiceError

from django_microsoft_sso import clouds, credentials
from django_microsoft_sso.conf import Settings

# Names that lived here before discovery and transport had modules of their own.
from django_microsoft_sso.discovery import (
    DEFAULT_AUTHORITY,
    TenantMetadata,
    authority_url,
    metadata_url,
    signing_key,
    tenant_metadata,
)
from django_microsoft_sso.exceptions import (
    ConfigurationError,
    IdTokenError,
    MicrosoftThrottledError,
    MicrosoftUnavailableError,
    OnBehalfOfError,
    TokenError,
)
from django_microsoft_sso.tenants import (
    MULTI_TENANT_NAMES,
    PERSONAL_ACCOUNTS_TENANT_ID,
    authority_tenant,
)
from django_microsoft_sso.transport import http_client

__all__ = [
    "DEFAULT_AUTHORITY",
    "MAX_RETRY_AFTER",
    "MULTI_TENANT_NAMES",
    "PERSONAL_ACCOUNTS_TENANT_ID",
    "TenantMetadata",
    "application_token",
    "authority_tenant",
    "authority_url",
    "http_client",
    "initiate_flow",
    "metadata_url",
    "msal_app",
    "on_behalf_of",
    "redeem_code",
    "refresh_tokens",
    "signing_key",
    "tenant_metadata",
]

# The longest a ``Retry-After`` holds this process's token requests back. Past it, one request
# asks Microsoft again (and meets a new ``Retry-After`` if it still throttles): a wrong or
# absurd value, from Microsoft or a proxy, cannot stop every sign-in for long.
MAX_RETRY_AFTER = 300

_lock = threading.Lock()
# One application per (application id, credential digest, authority); each holds the
# Retry-After waits of its token endpoint.
_apps: dict[tuple[str, str, str], msal.ConfidentialClientApplication] = {}
# Applications reading a tenant's directory as themselves (client credentials): one per
# (application id, credential digest, tenant authority). Their msal token cache holds only the
# application's own token, which they reuse until it nears its end.
_directory_apps: dict[tuple[str, str, str], msal.ConfidentialClientApplication] = {}
# On-behalf-of tokens: (application id, SHA-256 of the caller's token, scopes) ->
# (time.time() until which it is used, access token). The caller's token is not kept.
_obo_tokens: dict[tuple[str, str, tuple[str, ...]], tuple[float, str]] = {}
# A token is used until this long before it expires: the downstream API must still accept it.
OBO_EXPIRY_MARGIN = 120
# Tokens kept at most; past it the expired ones go, then the oldest.
OBO_MAX_TOKENS = 10_000


def forget() -> None:
    """Forget the msal applications of this process, with every Retry-After wait, and the
    on-behalf-of tokens it keeps."""
    with _lock:
        _apps.clear()
        _directory_apps.clear()
        _obo_tokens.clear()


class _DiscardingTokenCache(msal.TokenCache):  # type: ignore[misc]
    """A token cache that keeps nothing.

    One msal application serves every person who signs in to this process; its default cache
    would keep every person's tokens in memory for good. The package stores what it needs itself.
    """

    def add(self, event: dict[str, Any], **kwargs: Any) -> None:
        return None


class _KeepNothingHttpCache(MutableMapping[str, Any]):
    """msal's HTTP cache, keeping nothing.

    With its own cache, msal answered token requests from memory: after one 5xx, every sign-in
    of the process got the same error for a few seconds, whatever its code (the code is not
    part of msal's key); and an answer that carried ``Retry-After`` was kept whole, tokens
    included, for the next sign-in. Retry-After is honoured in ``_MsalHttpClient`` instead.
    The discovery answers msal also kept are read once per application, which lives as long
    as the process.
    """

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        return None

    def __delitem__(self, key: str) -> None:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _retry_after_seconds(response: Any) -> int | None:
    """The wait Microsoft asked for with a 429 or 503 answer, at most ``MAX_RETRY_AFTER``.

    None for any other answer, and for a ``Retry-After`` that is missing, past or unreadable:
    then only the request that got the answer fails.
    """
    if response.status_code not in (429, 503):
        return None
    value = str(response.headers.get("Retry-After", "")).strip()
    if re.fullmatch(r"[0-9]{1,10}", value):
        seconds = int(value)
    else:
        # RFC 9110 also allows an HTTP date.
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = math.ceil((when - datetime.now(timezone.utc)).total_seconds())
    if seconds <= 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


@dataclass(frozen=True)
class _DiscoveryAnswer:
    """An HTTP answer as msal reads one: status, text, headers."""

    text: str
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class _MsalHttpClient:
    """The pooled HTTP client as msal sees it, with the tenant's OpenID configuration at hand.

    msal reads that document when an application is built. The package has just read it (or
    found it cached) for itself, so msal gets that copy instead of asking Microsoft a second time.
    Every other request goes to Microsoft through the pooled client.

    When Microsoft answers a token request with 429 or 503 and ``Retry-After``, it asks this
    application to wait: the request fails with ``MicrosoftThrottledError``, and so does every
    request to that endpoint until the time has passed, without being sent. Any other answer,
    a bare 5xx included, is msal's to read, and concerns that request only.
    """

    def __init__(self, http: httpx.Client, url: str, metadata: TenantMetadata) -> None:
        self._http = http
        self._url = url
        self._document = json.dumps(metadata.as_document())
        self._lock = threading.Lock()
        # endpoint -> monotonic time until which Microsoft asked not to be called
        self._wait_until: dict[str, float] = {}

    def get(self, url: str, **kwargs: Any) -> Any:
        if url == self._url and not kwargs.get("params"):
            return _DiscoveryAnswer(self._document)
        return self._http.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        data = kwargs.get("data")
        if isinstance(data, dict):
            # msal gives the signed client assertion as bytes, which requests would send as
            # they are; httpx would send their repr (b'...').
            kwargs["data"] = {
                name: value.decode() if isinstance(value, bytes) else value
                for name, value in data.items()
            }
        with self._lock:
            left = self._wait_until.get(url, 0.0) - time.monotonic()
        if left > 0:
            raise MicrosoftThrottledError(
                f"token endpoint asked to wait, {math.ceil(left)} s left: not sent",
                math.ceil(left),
            )
        response = self._http.post(url, **kwargs)
        wait = _retry_after_seconds(response)
        if wait is not None:
            with self._lock:
                self._wait_until[url] = time.monotonic() + wait
            raise MicrosoftThrottledError(
                f"token endpoint: HTTP {response.status_code}, Retry-After {wait} s", wait
            )
        return response

    def close(self) -> None:
        """The pooled client lives as long as the process: msal does not close it."""


def msal_app(sso: Settings) -> msal.ConfidentialClientApplication:
    """The msal application for these credentials, built once per process."""
    if not sso.application_id:
        raise ConfigurationError("MICROSOFT_SSO_APPLICATION_ID must be set.")
    credential, credential_digest = credentials.client_credential(sso)
    authority = authority_url(sso)
    key = (sso.application_id, credential_digest, authority)
    app = _apps.get(key)
    if app is None:
        metadata = tenant_metadata(sso)
        http = _MsalHttpClient(http_client(), metadata_url(authority), metadata)
        app = _call_microsoft(
            "discovery",
            lambda: msal.ConfidentialClientApplication(
                sso.application_id,
                client_credential=credential,
                authority=authority,
                http_client=http,
                http_cache=_KeepNothingHttpCache(),
                token_cache=_DiscardingTokenCache(),
                # Hosts a project names itself are not in Microsoft's instance list: msal
                # would ask the global cloud about them.
                instance_discovery=clouds.cloud(sso) in clouds.CLOUDS.values(),
            ),
        )
        with _lock:
            app = _apps.setdefault(key, app)
    return app


def _call_microsoft(step: str, call: Any) -> Any:
    """Run an msal call, turning network faults and nonsense answers into our errors."""
    try:
        return call()
    except httpx.HTTPStatusError as error:
        # Older msal (1.31) calls httpx's raise_for_status on a 5xx answer: said as newer do.
        status = error.response.status_code
        raise MicrosoftUnavailableError(f"{step}: HTTP Error: {status}") from error
    except httpx.HTTPError as error:
        raise MicrosoftUnavailableError(f"{step}: {type(error).__name__}") from error
    except MsalServiceError as error:
        # msal raises this for an HTTP 5xx answer ("HTTP Error: 500").
        raise MicrosoftUnavailableError(f"{step}: {str(error)[:40]}") from error
    except json.JSONDecodeError as error:
        raise MicrosoftUnavailableError(f"{step}: answer is not JSON") from error
    except ValueError as error:
        raise ConfigurationError(f"{step}: {error}") from error


def initiate_flow(
    sso: Settings, redirect_uri: str, response_mode: str | None, **authorize_params: Any
) -> dict[str, Any]:
    """Start an auth-code flow: a fresh state, nonce and PKCE verifier, and the authorize URL.

    ``authorize_params`` are more arguments of msal's ``initiate_auth_code_flow`` (``prompt``,
    ``login_hint``, ``domain_hint``, ``claims_challenge``...), which it puts in the URL.
    """
    app = msal_app(sso)
    with warnings.catch_warnings():
        # msal recommends form_post; query mode stays the default for 7.x compatibility, and a
        # code in the URL is useless without this sign-in's PKCE verifier and client secret.
        warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
        flow: dict[str, Any] = app.initiate_auth_code_flow(
            scopes=list(sso.scopes),
            redirect_uri=redirect_uri,
            response_mode=response_mode,
            **authorize_params,
        )
    return flow


def redeem_code(
    sso: Settings, flow: dict[str, Any], auth_response: dict[str, str]
) -> dict[str, Any]:
    """Redeem the authorization code of ``auth_response`` for tokens (one request)."""
    app = msal_app(sso)
    try:
        result: dict[str, Any] = _call_microsoft(
            "token", lambda: app.acquire_token_by_auth_code_flow(dict(flow), auth_response)
        )
    except RuntimeError as error:
        # msal compares the id_token's nonce with the flow's before we see the token.
        raise IdTokenError("id_token nonce does not match this sign-in") from error
    except (IndexError, AttributeError, TypeError) as error:
        # msal splits and decodes the id_token before anything has checked it is a JWT whose
        # claims are a JSON object.
        raise IdTokenError("id_token is not a JWT") from error
    except ConfigurationError as error:
        # Past discovery, a ValueError from msal means the answer does not fit the flow.
        raise TokenError(error.detail) from error
    if not isinstance(result, dict):
        raise MicrosoftUnavailableError("token: answer is not a JSON object")
    return result


def refresh_tokens(sso: Settings, refresh_token: str) -> dict[str, Any]:
    """Redeem a refresh token for a new access token (one request).

    The answer is msal's: tokens, or ``error``/``error_codes`` when Microsoft refuses the grant
    (revoked sessions, a disabled account). A network fault raises ``MicrosoftUnavailableError``.
    """
    app = msal_app(sso)
    try:
        result: dict[str, Any] = _call_microsoft(
            "refresh",
            lambda: app.acquire_token_by_refresh_token(refresh_token, scopes=list(sso.scopes)),
        )
    except ConfigurationError as error:
        raise TokenError(error.detail) from error
    except (IndexError, AttributeError, TypeError) as error:
        raise TokenError("refresh: answer does not decode") from error
    if not isinstance(result, dict):
        raise MicrosoftUnavailableError("refresh: answer is not a JSON object")
    return result


def on_behalf_of(sso: Settings, user_assertion: str, scopes: list[str]) -> str:
    """An access token for ``scopes`` on behalf of the caller of ``user_assertion``.

    msal's on-behalf-of flow (one request), kept in this process until shortly before it
    expires, per caller's token and scopes: a second call of the same request, or of the next
    request with the same token, asks Microsoft nothing. Raises ``OnBehalfOfError``.
    """
    wanted = tuple(sorted(set(scopes)))
    key = (
        str(sso.application_id),
        hashlib.sha256(user_assertion.encode()).hexdigest(),
        wanted,
    )
    now = time.time()
    kept = _obo_tokens.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    try:
        app = msal_app(sso)
        result = _call_microsoft(
            "on_behalf_of",
            lambda: app.acquire_token_on_behalf_of(user_assertion, list(wanted)),
        )
    except MicrosoftThrottledError as error:
        raise OnBehalfOfError(503, None, error.detail) from error
    except MicrosoftUnavailableError as error:
        raise OnBehalfOfError(503, None, error.detail) from error
    except ConfigurationError as error:
        raise OnBehalfOfError(502, None, error.detail) from error
    except (IndexError, AttributeError, TypeError) as error:
        raise OnBehalfOfError(502, None, "on_behalf_of: answer does not decode") from error
    if not isinstance(result, dict):
        raise OnBehalfOfError(503, None, "on_behalf_of: answer is not a JSON object")
    token = result.get("access_token")
    if "error" in result or not isinstance(token, str) or not token:
        error_name = str(result.get("error") or "no_access_token")[:60]
        codes = result.get("error_codes")
        shown = ",".join(str(code)[:12] for code in codes[:5]) if isinstance(codes, list) else ""
        raise OnBehalfOfError(502, error_name, f"on_behalf_of: {error_name} AADSTS{shown}")
    expires_in = result.get("expires_in")
    lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 0
    with _lock:
        if len(_obo_tokens) >= OBO_MAX_TOKENS:
            for old in [k for k, (until, _t) in _obo_tokens.items() if until <= now]:
                del _obo_tokens[old]
            while len(_obo_tokens) >= OBO_MAX_TOKENS:
                del _obo_tokens[next(iter(_obo_tokens))]
        _obo_tokens[key] = (now + lifetime - OBO_EXPIRY_MARGIN, token)
    return token


class _PlainMsalHttpClient(_MsalHttpClient):
    """The pooled client as msal sees it, for an authority whose configuration msal reads."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http
        self._url = ""
        self._document = ""
        self._lock = threading.Lock()
        self._wait_until = {}


def application_token(sso: Settings, tenant_id: str) -> str:
    """The application's own access token for Graph in ``tenant_id`` (client credentials).

    What it may read is what an administrator granted the application in that tenant (reading
    the directory needs ``User.Read.All``, an application permission). Raises
    ``ConfigurationError`` when Microsoft refuses the application, ``MicrosoftUnavailableError``
    when it cannot be reached.
    """
    if not sso.application_id:
        raise ConfigurationError("MICROSOFT_SSO_APPLICATION_ID must be set.")
    chosen = clouds.cloud(sso)
    credential, credential_digest = credentials.client_credential(sso)
    authority = f"https://{chosen.login_host}/{tenant_id}"
    key = (sso.application_id, credential_digest, authority)
    app = _directory_apps.get(key)
    if app is None:
        app = _call_microsoft(
            "discovery",
            lambda: msal.ConfidentialClientApplication(
                sso.application_id,
                client_credential=credential,
                authority=authority,
                http_client=_PlainMsalHttpClient(http_client()),
                http_cache=_KeepNothingHttpCache(),
                instance_discovery=chosen in clouds.CLOUDS.values(),
            ),
        )
        with _lock:
            app = _directory_apps.setdefault(key, app)
    scope = f"https://{chosen.graph_host}/.default"
    result = _call_microsoft("token", lambda: app.acquire_token_for_client(scopes=[scope]))
    if not isinstance(result, dict):
        raise MicrosoftUnavailableError("token: answer is not a JSON object")
    token = result.get("access_token")
    if "error" in result or not isinstance(token, str) or not token:
        error_name = str(result.get("error") or "no_access_token")[:60]
        codes = result.get("error_codes")
        shown = ",".join(str(code)[:12] for code in codes[:5]) if isinstance(codes, list) else ""
        raise ConfigurationError(
            f"application token for tenant {tenant_id}: {error_name} AADSTS{shown}"
        )
    return token
