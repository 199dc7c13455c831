"""Validation of the Entra access tokens that callers of the project's API present.

A client (a single-page app, a mobile app, a daemon, another service) asks Microsoft for a
token whose audience is this application and sends it as ``Authorization: Bearer <token>``.
``validate_access_token`` checks it locally, against the keys the web sign-in already keeps
(``discovery``): no request to Microsoft once those are cached.

Shapes from Microsoft's "Access token claims reference" (learn.microsoft.com, identity platform):
v1.0 tokens are issued by ``https://sts.windows.net/<tid>/`` and name the client in ``appid``;
v2.0 tokens by ``https://login.microsoftonline.com/<tid>/v2.0`` and name it in ``azp``. Which
version a token is depends on the API's registration (``accessTokenAcceptedVersion``), not on the
endpoint the client used. ``scp`` holds the delegated scopes (space separated), ``roles`` the app
roles; ``idtyp`` is ``app`` for app-only tokens when the optional claim is configured, and an
app-only token's ``oid`` and ``sub`` are both the client's service principal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import clouds, discovery, tenants
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import (
    ConfigurationError,
    IdTokenError,
    MicrosoftUnavailableError,
)
from django_microsoft_sso.tokens import CLOCK_SKEW_SECONDS

# Entra tokens are a few kilobytes (a person in many groups gets an overage claim instead of a
# longer token); anything much larger is no token of Microsoft's and is not parsed.
MAX_TOKEN_LENGTH = 16 * 1024
# RFC 6750 section 2.1: ``b64token``, which a JWT (three base64url parts) always is.
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*", re.ASCII)
BEARER = re.compile(r"Bearer +(.*)", re.IGNORECASE | re.DOTALL)
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "tid"]
# The v1.0 issuer's host, by sign-in host. A cloud named by its hosts has none known here:
# register the API for v2.0 tokens there (``accessTokenAcceptedVersion: 2``).
V1_ISSUER_HOSTS = {
    "login.microsoftonline.com": "sts.windows.net",
    "login.microsoftonline.us": "sts.windows.net",
    "login.chinacloudapi.cn": "sts.chinacloudapi.cn",
}

MISSING_TOKEN = _("An access token is required.")
MALFORMED = _("The Authorization header is not a bearer token.")
INVALID = _("The access token is not valid for this API.")
USER_REFUSED = _("The access token's user may not use this API.")
UNAVAILABLE = _("The access token cannot be checked now. Please try again in a moment.")
INSUFFICIENT = _("The access token lacks the scope or role this request needs.")


class BearerError(Exception):
    """A request the API refuses, with the answer RFC 6750 gives it.

    ``status`` is 401 (no token, a bad token), 403 (a missing scope or role) or 503 (Microsoft's
    keys could not be fetched). ``description`` may be shown to the caller; ``reason`` is for the
    log. Neither ever holds the token.
    """

    def __init__(
        self,
        status: int,
        error: str | None,
        description: str | Promise,
        reason: str,
    ) -> None:
        self.status = status
        self.error = error
        self.description = str(description)
        self.reason = reason
        super().__init__(reason)

    def www_authenticate(self) -> str:
        """The ``WWW-Authenticate`` header: ``Bearer`` alone when no token came."""
        if self.error is None:
            return "Bearer"
        # RFC 6750 section 3 allows printable ASCII but ``"`` and ``\`` in error_description.
        description = "".join(
            char if " " <= char <= "~" and char not in '"\\' else "?" for char in self.description
        )
        return f'Bearer error="{self.error}", error_description="{description}"'


def invalid_token(reason: str) -> BearerError:
    return BearerError(401, "invalid_token", INVALID, reason)


@dataclass(frozen=True)
class MicrosoftAccessToken:
    """A validated access token: who called, through which app, with what permissions."""

    claims: dict[str, Any]
    scopes: frozenset[str]
    roles: frozenset[str]
    tenant_id: str
    object_id: str | None
    client_app_id: str
    version: str
    is_app_only: bool
    token: str = field(repr=False)

    def __str__(self) -> str:
        caller = f"app {self.client_app_id}" if self.is_app_only else f"person {self.object_id}"
        return f"Microsoft access token of {caller} in tenant {self.tenant_id}"


def bearer_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None when there is no such header."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None or header == "":
        return None
    if len(header) > MAX_TOKEN_LENGTH + 64:
        raise BearerError(401, "invalid_request", MALFORMED, "Authorization header too large")
    match = BEARER.fullmatch(header.strip())
    if match is None:
        raise BearerError(401, "invalid_request", MALFORMED, "Authorization is not Bearer")
    token = match[1]
    if not B64TOKEN.fullmatch(token):
        raise BearerError(401, "invalid_request", MALFORMED, "bearer token is not a b64token")
    return token


def audiences(sso: Settings) -> list[str]:
    """``MICROSOFT_SSO_API_AUDIENCES``; unset, the application id and ``api://<id>``."""
    configured = sso.api_audiences
    if configured:
        return [str(audience) for audience in configured]
    if not sso.application_id:
        return []
    return [sso.application_id, f"api://{sso.application_id}"]


def validate_access_token(token: str, request: HttpRequest | None = None) -> MicrosoftAccessToken:
    """Return the validated token or raise ``BearerError`` (401 ``invalid_token``) saying why."""
    sso = Settings(request)
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise invalid_token("token empty or too large")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise invalid_token("token is not a JWT") from error
    if header.get("alg") != "RS256":
        raise invalid_token(f"token algorithm {str(header.get('alg'))[:20]!r} is not RS256")
    if "nonce" in header:
        # Graph's own tokens carry a nonce in the header, and only Graph can check them.
        raise invalid_token("token is signed for Microsoft Graph")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise invalid_token("token has no key id")
    allowed_audiences = audiences(sso)
    if not allowed_audiences:
        raise invalid_token("no audience configured (MICROSOFT_SSO_APPLICATION_ID)")
    try:
        metadata = discovery.tenant_metadata(sso)
        key = discovery.signing_key(sso, metadata, kid)
    except IdTokenError as error:
        raise invalid_token(f"token signed with an unknown key {kid[:40]!r}") from error
    except (MicrosoftUnavailableError, ConfigurationError) as error:
        raise BearerError(503, None, UNAVAILABLE, f"signing keys: {error.detail}") from error
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            audience=allowed_audiences,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_iss": False},
        )
    except jwt.PyJWTError as error:
        raise invalid_token(f"token refused: {type(error).__name__}: {error}") from error
    return access_token_of(sso, metadata, claims, token)


def access_token_of(
    sso: Settings, metadata: discovery.TenantMetadata, claims: dict[str, Any], token: str
) -> MicrosoftAccessToken:
    """Check the claims of a token whose signature, audience and lifetime are good."""
    tenant_id = claims["tid"]
    if not isinstance(tenant_id, str) or not tenants.TENANT_ID.fullmatch(tenant_id):
        raise invalid_token("token tid is not a tenant id")
    tenant_id = tenant_id.lower()
    version = claims.get("ver")
    if version == "2.0":
        expected_issuer = metadata.issuer_for(tenant_id)
        client_app_id = claims.get("azp")
    elif version == "1.0":
        expected_issuer = v1_issuer(sso, tenant_id)
        client_app_id = claims.get("appid")
    else:
        raise invalid_token(f"token version {str(version)[:10]!r} is neither 1.0 nor 2.0")
    if claims["iss"] != expected_issuer:
        raise invalid_token(
            f"token issuer {str(claims['iss'])[:100]!r} is not {expected_issuer!r}"
        )
    verify_tenant(sso, metadata, tenant_id)
    if not isinstance(client_app_id, str) or not client_app_id:
        raise invalid_token("token names no client app")
    if "nonce" in claims:
        # An id_token: it says who signed in to a client, and grants nothing.
        raise invalid_token("an id_token is no access token")
    object_id = claims.get("oid")
    if object_id is not None and not isinstance(object_id, str):
        raise invalid_token("token oid is not a string")
    scopes = _scopes(claims.get("scp"))
    roles = _roles(claims.get("roles"))
    is_app_only = "scp" not in claims and (
        claims.get("idtyp") == "app" or (object_id is not None and object_id == claims.get("sub"))
    )
    if is_app_only:
        if not roles:
            raise invalid_token("app-only token without roles")
    elif not scopes:
        # Not an app's token, and no delegated scope: an id_token, or a token for no API.
        raise invalid_token("delegated token without scp")
    elif not object_id:
        raise invalid_token("delegated token without oid")
    return MicrosoftAccessToken(
        claims=claims,
        scopes=scopes,
        roles=roles,
        tenant_id=tenant_id,
        object_id=object_id.lower() if object_id else None,
        client_app_id=client_app_id.lower(),
        version=version,
        is_app_only=is_app_only,
        token=token,
    )


def v1_issuer(sso: Settings, tenant_id: str) -> str:
    host = V1_ISSUER_HOSTS.get(clouds.cloud(sso).login_host)
    if host is None:
        raise invalid_token("v1.0 token in a cloud whose v1.0 issuer is unknown")
    return f"https://{host}/{tenant_id}/"


def verify_tenant(sso: Settings, metadata: discovery.TenantMetadata, tenant_id: str) -> None:
    """The tenant rules of the web sign-in: the authority's tenant, ``ALLOWED_TENANTS``."""
    if metadata.tenant_id and metadata.tenant_id != tenant_id:
        raise invalid_token(f"tenant {tenant_id} is not the authority's")
    allowed, _trusted = tenants.allowed_and_trusted(sso.allowed_tenants, metadata.tenant_id)
    authority = tenants.authority_tenant(discovery.authority_url(sso))
    if not tenants.is_allowed(tenant_id, allowed, authority):
        raise invalid_token(f"tenant {tenant_id} not allowed")


def _scopes(value: Any) -> frozenset[str]:
    if not isinstance(value, str):
        return frozenset()
    return frozenset(value.split())


def _roles(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(role for role in value if isinstance(role, str) and role)
