"""The only module that talks to msal, and the home of the process-wide HTTP client.

One pooled ``httpx.Client`` (keep-alive, timeouts on everything) serves msal and Microsoft Graph.
One msal application is built per set of credentials and kept for the life of the process, so a
sign-in costs no discovery request once the process has served one. Tenant metadata and signing
keys are cached the same way, and also in Django's cache (``MICROSOFT_SSO_CACHE_NAME``): with a
cache that the server processes share, a new worker finds them there instead of asking Microsoft.
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
from urllib.parse import urlsplit

import httpx
import msal
from django.core.cache import caches
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError
from msal.exceptions import MsalServiceError

from django_microsoft_sso import __version__, clouds, conf, hooks
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import (
    ConfigurationError,
    IdTokenError,
    MicrosoftThrottledError,
    MicrosoftUnavailableError,
    TokenError,
)
from django_microsoft_sso.logs import log

DEFAULT_AUTHORITY = "https://login.microsoftonline.com/common"
# Tenant names that stand for many tenants: the issuer in their metadata is a template.
MULTI_TENANT_NAMES = frozenset({"common", "organizations"})
PERSONAL_ACCOUNTS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"

METADATA_TTL = 24 * 3600
KEYS_TTL = 24 * 3600
# An unknown ``kid`` refreshes the keys, but not more often than this: a flood of forged tokens
# must not turn into a flood of requests to Microsoft.
KEYS_MIN_REFRESH_INTERVAL = 60
SHARED_CACHE_PREFIX = "django_microsoft_sso:"
# The longest a ``Retry-After`` holds this process's token requests back. Past it, one request
# asks Microsoft again (and meets a new ``Retry-After`` if it still throttles): a wrong or
# absurd value, from Microsoft or a proxy, cannot stop every sign-in for long.
MAX_RETRY_AFTER = 300

_lock = threading.Lock()
_http_client: httpx.Client | None = None
_apps: dict[tuple[str, str, str], msal.ConfidentialClientApplication] = {}
# authority -> (monotonic expiry, metadata)
_metadata: dict[str, tuple[float, TenantMetadata]] = {}
# jwks_uri -> (monotonic expiry, monotonic time this process last fetched them, keys by kid)
_keys: dict[str, tuple[float, float, dict[str, PyJWK]]] = {}
# (cache alias, key) of every entry this process wrote to or found in Django's cache.
_shared_entries: set[tuple[str, str]] = set()


def http_client() -> httpx.Client:
    """The process-wide pooled HTTP client.

    ``MICROSOFT_SSO_HTTP_TRANSPORT`` may name a function that returns the ``httpx`` transport to
    use (a proxy, a custom certificate authority, or the Microsoft emulator of the demo).
    """
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


def clear_caches(*, keep_shared: bool = False) -> None:
    """Forget msal applications, tenant metadata and signing keys, as a new process would.

    The pooled HTTP client is closed too, and the entries this process put in Django's cache are
    deleted, unless ``keep_shared``: then the next sign-in is that of a new worker next to
    others that already fetched them. Tests call this between cases; projects never need to.
    """
    global _http_client
    with _lock:
        _apps.clear()
        _metadata.clear()
        _keys.clear()
        if _http_client is not None:
            _http_client.close()
            _http_client = None
        shared = [] if keep_shared else sorted(_shared_entries)
        if not keep_shared:
            _shared_entries.clear()
    for alias, key in shared:
        caches[alias].delete(key)


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


def authority_url(sso: Settings) -> str:
    """The authority: ``MICROSOFT_SSO_AUTHORITY``, or ``common`` on the cloud's sign-in host."""
    chosen = clouds.cloud(sso)
    if not sso.authority:
        return chosen.default_authority
    problem = clouds.authority_error(sso.authority, chosen)
    if problem is not None:
        raise ConfigurationError(f"MICROSOFT_SSO_AUTHORITY: {problem}")
    return sso.authority


def authority_tenant(authority: str) -> str:
    """The tenant part of an authority: a GUID, a domain, ``common``, ``organizations``…"""
    parts = [part for part in urlsplit(authority).path.split("/") if part]
    return parts[0].lower() if parts else ""


def metadata_url(authority: str) -> str:
    """Where the authority publishes its OpenID configuration (msal reads the same URL)."""
    return f"{authority}/v2.0/.well-known/openid-configuration"


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
    credential, credential_digest = clouds.client_credential(sso)
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


@dataclass(frozen=True)
class TenantMetadata:
    """The parts of a tenant's OpenID configuration the package uses."""

    issuer: str
    jwks_uri: str
    end_session_endpoint: str | None
    authorization_endpoint: str
    token_endpoint: str

    @property
    def is_multi_tenant(self) -> bool:
        return "{tenantid}" in self.issuer

    @property
    def tenant_id(self) -> str | None:
        """The one tenant this authority signs in, or None for ``common``/``organizations``."""
        if self.is_multi_tenant:
            return None
        return authority_tenant(self.issuer) or None

    def issuer_for(self, tenant_id: str) -> str:
        return self.issuer.replace("{tenantid}", tenant_id)

    def as_document(self) -> dict[str, Any]:
        """These fields as the OpenID configuration document names them."""
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_uri,
            "end_session_endpoint": self.end_session_endpoint,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> TenantMetadata:
        try:
            return cls(
                issuer=str(document["issuer"]),
                jwks_uri=str(document["jwks_uri"]),
                end_session_endpoint=document.get("end_session_endpoint"),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise MicrosoftUnavailableError("metadata: incomplete OpenID configuration") from error


def tenant_metadata(sso: Settings) -> TenantMetadata:
    """The authority's OpenID configuration, fetched once and kept for a day.

    Kept in this process and in Django's cache: a process that has none looks there before it
    asks Microsoft.
    """
    authority = authority_url(sso)
    cached = _metadata.get(authority)
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    shared_key = _shared_key("metadata", authority)
    shared = _shared_get(sso, shared_key, METADATA_TTL)
    if shared is not None:
        try:
            metadata = TenantMetadata.from_document(shared[1])
        except MicrosoftUnavailableError:
            pass  # written by another version of the package: fetch it again
        else:
            with _lock:
                _metadata[authority] = (now + shared[0], metadata)
            return metadata
    document = _get_json(metadata_url(authority), timeout=sso.graph_timeout, step="metadata")
    metadata = TenantMetadata.from_document(document)
    with _lock:
        _metadata[authority] = (now + METADATA_TTL, metadata)
    _shared_set(sso, shared_key, metadata.as_document(), METADATA_TTL)
    return metadata


def signing_key(sso: Settings, metadata: TenantMetadata, kid: str) -> PyJWK:
    """The tenant's public key named ``kid``, refreshing the key set once when it is unknown.

    Kept like the metadata. Another process may have fetched a newer key set (after Microsoft
    rotated its keys): Django's cache is read before Microsoft is asked again.
    """
    uri = metadata.jwks_uri
    cached = _keys.get(uri)
    now = time.monotonic()
    if cached and cached[0] > now and kid in cached[2]:
        return cached[2][kid]
    shared_key = _shared_key("keys", uri)
    shared = _shared_get(sso, shared_key, KEYS_TTL)
    if shared is not None:
        try:
            keys = _parse_keys(shared[1])
        except MicrosoftUnavailableError:
            keys = {}
        if kid in keys:
            # This process did not fetch them: an unknown kid may still make it ask.
            last_fetch = cached[1] if cached else now - KEYS_MIN_REFRESH_INTERVAL
            with _lock:
                _keys[uri] = (now + shared[0], last_fetch, keys)
            return keys[kid]
    if cached and cached[0] > now and now - cached[1] < KEYS_MIN_REFRESH_INTERVAL:
        raise IdTokenError(f"id_token signed with unknown key {kid!r}")
    document = _get_json(uri, timeout=sso.graph_timeout, step="keys")
    keys = _parse_keys(document)
    with _lock:
        _keys[uri] = (now + KEYS_TTL, now, keys)
    _shared_set(sso, shared_key, document, KEYS_TTL)
    if kid not in keys:
        raise IdTokenError(f"id_token signed with unknown key {kid!r}")
    return keys[kid]


def _parse_keys(document: Any) -> dict[str, PyJWK]:
    try:
        key_set = PyJWKSet.from_dict(document)
    except (PyJWKSetError, KeyError, TypeError, AttributeError) as error:
        raise MicrosoftUnavailableError("keys: no usable signing key") from error
    return {key.key_id: key for key in key_set.keys if key.key_id}


# -- Django's cache: what one process fetched, the others find ----------------------------------


def _shared_key(kind: str, url: str) -> str:
    return f"{SHARED_CACHE_PREFIX}{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _shared_get(sso: Settings, key: str, ttl: int) -> tuple[float, dict[str, Any]] | None:
    """(seconds left to live, document) of a fresh entry in Django's cache, or None."""
    alias = sso.cache_name
    try:
        entry = caches[alias].get(key)
    except Exception as error:  # any fault of the cache only costs a request to Microsoft
        log(sso, "WARNING", "Django cache {!r} could not be read: {}", alias, type(error).__name__)
        return None
    if not isinstance(entry, dict):
        return None
    fetched, document = entry.get("fetched"), entry.get("document")
    if not isinstance(fetched, float | int) or not isinstance(document, dict):
        return None
    left = ttl - (time.time() - fetched)
    if not 0 < left <= ttl:
        return None
    with _lock:
        _shared_entries.add((alias, key))
    return left, document


def _shared_set(sso: Settings, key: str, document: dict[str, Any], ttl: int) -> None:
    alias = sso.cache_name
    try:
        caches[alias].set(key, {"fetched": time.time(), "document": document}, ttl)
    except Exception as error:  # any fault of the cache only costs a request to Microsoft
        log(
            sso,
            "WARNING",
            "Django cache {!r} could not be written: {}",
            alias,
            type(error).__name__,
        )
        return
    with _lock:
        _shared_entries.add((alias, key))


def _get_json(url: str, *, timeout: float, step: str) -> Any:
    try:
        response = http_client().get(url, timeout=timeout)
    except httpx.HTTPError as error:
        raise MicrosoftUnavailableError(f"{step}: {type(error).__name__}") from error
    if step == "metadata" and response.status_code in (400, 404):
        # Microsoft answers so for a tenant that does not exist: the authority is wrong.
        raise ConfigurationError(
            f"{step}: HTTP {response.status_code}, check MICROSOFT_SSO_AUTHORITY"
        )
    if response.status_code != 200:
        raise MicrosoftUnavailableError(f"{step}: HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError as error:
        raise MicrosoftUnavailableError(f"{step}: answer is not JSON") from error
    if not isinstance(document, dict):
        raise MicrosoftUnavailableError(f"{step}: answer is not a JSON object")
    return document


def initiate_flow(sso: Settings, redirect_uri: str, response_mode: str | None) -> dict[str, Any]:
    """Start an auth-code flow: a fresh state, nonce and PKCE verifier, and the authorize URL."""
    app = msal_app(sso)
    with warnings.catch_warnings():
        # msal recommends form_post; query mode stays the default for 7.x compatibility, and a
        # code in the URL is useless without this sign-in's PKCE verifier and client secret.
        warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
        flow: dict[str, Any] = app.initiate_auth_code_flow(
            scopes=list(sso.scopes),
            redirect_uri=redirect_uri,
            response_mode=response_mode,
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
