"""Validation of the id_token that Microsoft returns with the tokens.

msal decodes the id_token but does not check its signature, so nothing in it counts until
``validate_id_token`` has checked the signature against the tenant's published keys, the issuer
(with the token's own ``tid``), the audience, the lifetime and the nonce of this sign-in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import jwt

from django_microsoft_sso import discovery, tenants
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import IdTokenError

# Clocks of this server and of Microsoft may disagree a little.
CLOCK_SKEW_SECONDS = 60
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "tid", "oid", "nonce"]


@dataclass(frozen=True)
class MicrosoftIdentity:
    """Who signed in, as the validated id_token says: the pair (tid, oid) is the person."""

    tenant_id: str
    object_id: str
    claims: dict[str, Any]

    @property
    def preferred_username(self) -> str | None:
        value = self.claims.get("preferred_username")
        return value if isinstance(value, str) else None

    @property
    def email_domain_owner_verified(self) -> bool:
        return self.claims.get("xms_edov") in (True, 1, "1", "true", "True")

    @property
    def graph_ids(self) -> frozenset[str]:
        """The ids Graph's ``/me`` may give this person (``tenants.graph_ids``)."""
        return tenants.graph_ids(self.tenant_id, self.object_id)


def nonce_hash(nonce: str) -> str:
    """What the id_token carries for a flow's nonce (msal sends its SHA-256 to Microsoft)."""
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


def validate_id_token(sso: Settings, id_token: Any, nonce: str) -> MicrosoftIdentity:
    """Return the identity in ``id_token`` or raise ``IdTokenError`` saying what failed."""
    if not isinstance(id_token, str) or not id_token:
        raise IdTokenError("no id_token in the token response")
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as error:
        raise IdTokenError("id_token is not a JWT") from error
    if header.get("alg") != "RS256":
        raise IdTokenError(f"id_token algorithm {header.get('alg')!r} is not RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise IdTokenError("id_token has no key id")

    metadata = discovery.tenant_metadata(sso)
    key = discovery.signing_key(sso, metadata, kid)
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key=key.key,
            algorithms=["RS256"],
            audience=sso.application_id,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_iss": False},
        )
    except jwt.PyJWTError as error:
        raise IdTokenError(f"id_token refused: {type(error).__name__}: {error}") from error

    tenant_id, object_id = claims["tid"], claims["oid"]
    if not isinstance(tenant_id, str) or not isinstance(object_id, str):
        raise IdTokenError("id_token tid and oid must be strings")
    tenant_id, object_id = tenant_id.lower(), object_id.lower()
    expected_issuer = metadata.issuer_for(tenant_id)
    if claims["iss"] != expected_issuer:
        raise IdTokenError(f"id_token issuer {claims['iss']!r} is not {expected_issuer!r}")
    if metadata.tenant_id and metadata.tenant_id != tenant_id:
        raise IdTokenError("id_token tid does not match the authority's tenant")
    audience = claims["aud"]
    if (
        isinstance(audience, list)
        and len(audience) > 1
        and claims.get("azp") != sso.application_id
    ):
        raise IdTokenError("id_token has several audiences and no matching azp")
    if claims["nonce"] != nonce_hash(nonce):
        raise IdTokenError("id_token nonce does not match this sign-in")
    return MicrosoftIdentity(tenant_id=tenant_id, object_id=object_id, claims=claims)
