"""What the fake publishes and signs: instance discovery, the tenant's OpenID configuration,
its signing keys, and the id_tokens of the token endpoint."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from django_microsoft_sso.testing.directory import MULTI_TENANT, MicrosoftUser
from django_microsoft_sso.testing.signin import Grant
from django_microsoft_sso.testing.wire import aad_error, b64url


@lru_cache(maxsize=1)
def default_signing_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: generating one per test would slow suites down."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_id(key: rsa.RSAPrivateKey) -> str:
    numbers = key.public_key().public_numbers()
    return "fake-" + hashlib.sha256(str(numbers.n).encode()).hexdigest()[:16]


class Metadata:
    """Instance discovery, the tenant's OpenID configuration and its signing keys."""

    login_host: str
    graph_host: str
    browser_base_url: str
    signing_key: rsa.RSAPrivateKey

    if TYPE_CHECKING:

        def _tenant_id(self, tenant: str) -> str | None: ...

    def _instance_discovery(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "tenant_discovery_endpoint": f"https://{self.login_host}/common/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {
                        "preferred_network": self.login_host,
                        "preferred_cache": self.login_host,
                        "aliases": [self.login_host],
                    }
                ],
            },
        )

    def _metadata(self, request: httpx.Request) -> httpx.Response:
        tenant = request.url.path.split("/")[1].lower()
        base = f"https://{self.login_host}/{tenant}"
        browser = f"{self.browser_base_url}/{tenant}"
        if tenant in MULTI_TENANT:
            issuer = f"https://{self.login_host}/{{tenantid}}/v2.0"
        else:
            tenant_id = self._tenant_id(tenant)
            if tenant_id is None:
                return aad_error(
                    400,
                    "invalid_tenant",
                    f"AADSTS90002: Tenant '{tenant}' not found.",
                    90002,
                )
            issuer = f"https://{self.login_host}/{tenant_id}/v2.0"
        return httpx.Response(
            200,
            json={
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": [
                    "code",
                    "id_token",
                    "code id_token",
                    "id_token token",
                ],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": issuer,
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": f"https://{self.graph_host}/oidc/userinfo",
                "authorization_endpoint": f"{browser}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{browser}/oauth2/v2.0/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid"],
                "kerberos_endpoint": f"{base}/kerberos",
                "tenant_region_scope": None,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": self.graph_host,
                "rbac_url": "https://pas.windows.net",
            },
        )

    def _keys(self, request: httpx.Request) -> httpx.Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
        public.update({"kid": key_id(self.signing_key), "use": "sig", "kty": "RSA"})
        return httpx.Response(200, json={"keys": [public]})


class IdTokens:
    """The id_token of a grant: Entra's claims, the test's changes, signed by the fake's key."""

    login_host: str
    graph_host: str
    signing_key: rsa.RSAPrivateKey
    groups_claim_limit: int

    if TYPE_CHECKING:

        @staticmethod
        def session_id(user: MicrosoftUser) -> str: ...

    def _id_token(self, grant: Grant) -> str:
        user, now = grant.user, int(time.time())
        claims: dict[str, Any] = {
            "aud": grant.client_id,
            "iss": f"https://{self.login_host}/{user.tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": user.display_name,
            "nonce": grant.nonce,
            "oid": user.object_id,
            "preferred_username": user.user_principal_name,
            "rh": "0.fake",
            "sid": self.session_id(user),
            "login_hint": b64url(f"{user.object_id}@{user.tenant_id}".encode()),
            "sub": b64url(hashlib.sha256(f"{user.object_id}:{grant.client_id}".encode()).digest()),
            "tid": user.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "2.0",
        }
        if len(user.groups) > self.groups_claim_limit:
            claims["_claim_names"] = {"groups": "src1"}
            claims["_claim_sources"] = {
                "src1": {
                    "endpoint": f"https://{self.graph_host}/v1.0/users/{user.object_id}/getMemberObjects"
                }
            }
        elif user.groups:
            claims["groups"] = list(user.groups)
        if user.roles:
            claims["roles"] = list(user.roles)
        claims.update(user.extra_claims)
        claims.update(grant.claims)
        claims = {key: value for key, value in claims.items() if value is not None}
        key = grant.signing_key or self.signing_key
        header = {"kid": key_id(key), "typ": "JWT", **grant.header}
        header = {name: value for name, value in header.items() if value is not None}
        algorithm = header.pop("alg", "RS256")
        if algorithm == "none":
            encoded_header = b64url(json.dumps({"alg": "none", **header}).encode())
            return f"{encoded_header}.{b64url(json.dumps(claims).encode())}."
        return jwt.encode(claims, key, algorithm=algorithm, headers=header)


# A client app of the tests: the single-page app that asks for tokens for the project's API.
DEFAULT_CALLER_APP_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


class AccessTokens:
    """Access tokens for the project's API, shaped and signed as Entra issues them.

    Claims from Microsoft's "Access token claims reference": v2.0 tokens have the issuer
    ``https://login.microsoftonline.com/<tid>/v2.0`` and ``azp``; v1.0 tokens
    ``https://sts.windows.net/<tid>/`` and ``appid``, ``upn`` and ``unique_name``. An app-only
    token has ``roles``, no ``scp``, and ``oid`` equal to ``sub`` (the client's service
    principal); ``idtyp: app`` is there when the optional claim is configured.
    """

    client_id: str
    login_host: str
    signing_key: rsa.RSAPrivateKey

    if TYPE_CHECKING:

        def project_tenant_id(self) -> str: ...

    def access_token(
        self,
        person: MicrosoftUser,
        scopes: list[str] | tuple[str, ...] = ("access_as_user",),
        *,
        audience: str | None = None,
        version: str = "2.0",
        client_app_id: str = DEFAULT_CALLER_APP_ID,
        **claims: Any,
    ) -> str:
        """A delegated token of ``person`` for the project's API (``audience``: its default).

        ``claims`` add to or replace Entra's; a claim given as None is left out. No scopes:
        no ``scp`` claim.
        """
        minted: dict[str, Any] = {
            "oid": person.object_id,
            "sub": b64url(
                hashlib.sha256(f"{person.object_id}:{self.client_id}".encode()).digest()
            ),
            "tid": person.tenant_id,
            "name": person.display_name,
        }
        if scopes:
            minted["scp"] = " ".join(scopes)
        if person.roles:
            minted["roles"] = list(person.roles)
        if version == "1.0":
            minted.update(
                {
                    "appid": client_app_id,
                    "appidacr": "0",
                    "upn": person.user_principal_name,
                    "unique_name": person.user_principal_name,
                    "given_name": person.given_name,
                    "family_name": person.surname,
                }
            )
        else:
            minted.update(
                {
                    "azp": client_app_id,
                    "azpacr": "0",
                    "preferred_username": person.user_principal_name,
                }
            )
        return self._signed_access_token(person.tenant_id, audience, version, {**minted, **claims})

    def app_token(
        self,
        client_app_id: str,
        roles: list[str] | tuple[str, ...] = (),
        *,
        audience: str | None = None,
        version: str = "2.0",
        tenant_id: str | None = None,
        **claims: Any,
    ) -> str:
        """An app-only token (client credentials) of ``client_app_id`` for the project's API."""
        tenant = tenant_id or self.project_tenant_id()
        service_principal = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{client_app_id}"))
        minted: dict[str, Any] = {
            "oid": service_principal,
            "sub": service_principal,
            "tid": tenant,
            "idtyp": "app",
        }
        if roles:
            minted["roles"] = list(roles)
        minted["appid" if version == "1.0" else "azp"] = client_app_id
        minted["appidacr" if version == "1.0" else "azpacr"] = "1"
        return self._signed_access_token(tenant, audience, version, {**minted, **claims})

    def _signed_access_token(
        self, tenant_id: str, audience: str | None, version: str, claims: dict[str, Any]
    ) -> str:
        now = int(time.time())
        if version == "1.0":
            issuer = f"https://sts.windows.net/{tenant_id}/"
            default_audience = f"api://{self.client_id}"
        else:
            issuer = f"https://{self.login_host}/{tenant_id}/v2.0"
            default_audience = self.client_id
        payload: dict[str, Any] = {
            "aud": audience or default_audience,
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "aio": "fake-aio",
            "rh": "0.fake",
            "uti": secrets.token_urlsafe(16),
            "ver": version,
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        key = self.signing_key
        return jwt.encode(
            payload, key, algorithm="RS256", headers={"kid": key_id(key), "typ": "JWT"}
        )
