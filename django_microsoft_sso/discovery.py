"""Where Microsoft publishes a tenant's sign-in details, and the keys its tokens are signed with.

The authority (``MICROSOFT_SSO_AUTHORITY`` on the cloud's sign-in host) publishes an OpenID
configuration (``TenantMetadata``) and a key set. Both are fetched once and kept for a day: in
this process, and in Django's cache (``MICROSOFT_SSO_CACHE_NAME``), so that with a cache the
server processes share a new worker finds them there instead of asking Microsoft.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import caches
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from django_microsoft_sso import clouds
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import (
    ConfigurationError,
    IdTokenError,
    MicrosoftUnavailableError,
)
from django_microsoft_sso.logs import log
from django_microsoft_sso.tenants import authority_tenant
from django_microsoft_sso.transport import http_client

DEFAULT_AUTHORITY = "https://login.microsoftonline.com/common"

METADATA_PATH = "/v2.0/.well-known/openid-configuration"
METADATA_TTL = 24 * 3600
KEYS_TTL = 24 * 3600
# An unknown ``kid`` refreshes the keys, but not more often than this: a flood of forged tokens
# must not turn into a flood of requests to Microsoft.
KEYS_MIN_REFRESH_INTERVAL = 60
SHARED_CACHE_PREFIX = "django_microsoft_sso:"

_lock = threading.Lock()
# authority -> (monotonic expiry, metadata)
_metadata: dict[str, tuple[float, TenantMetadata]] = {}
# jwks_uri -> (monotonic expiry, monotonic time this process last fetched them, keys by kid)
_keys: dict[str, tuple[float, float, dict[str, PyJWK]]] = {}


def forget() -> None:
    """Forget the metadata and keys this process holds (Django's cache keeps its copies)."""
    with _lock:
        _metadata.clear()
        _keys.clear()


def authority_url(sso: Settings) -> str:
    """The authority: ``MICROSOFT_SSO_AUTHORITY``, or ``common`` on the cloud's sign-in host."""
    chosen = clouds.cloud(sso)
    if not sso.authority:
        return chosen.default_authority
    problem = clouds.authority_error(sso.authority, chosen)
    if problem is not None:
        raise ConfigurationError(f"MICROSOFT_SSO_AUTHORITY: {problem}")
    return sso.authority


def metadata_url(authority: str) -> str:
    """Where the authority publishes its OpenID configuration (msal reads the same URL)."""
    return f"{authority}{METADATA_PATH}"


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


def forget_shared_copies(urls: Iterable[str]) -> None:
    """Delete from every Django cache the copies of the documents fetched from ``urls``.

    ``urls`` are metadata URLs (``metadata_url``) and key set URIs (``jwks_uri``). Every
    process then asks Microsoft again, unless it still holds them itself.
    """
    keys = sorted({_shared_key_of(url) for url in urls})
    if not keys:
        return
    for alias in settings.CACHES:
        # A cache that fails holds no copy anyone could read.
        with contextlib.suppress(Exception):
            caches[alias].delete_many(keys)


def _shared_key_of(url: str) -> str:
    if url.endswith(METADATA_PATH):
        return _shared_key("metadata", url.removesuffix(METADATA_PATH))
    return _shared_key("keys", url)


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
