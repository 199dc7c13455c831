"""The fake's token endpoint: client credentials checked, codes and refresh tokens redeemed."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from django_microsoft_sso.testing.directory import MicrosoftUser
from django_microsoft_sso.testing.signin import Grant
from django_microsoft_sso.testing.wire import aad_error, b64url

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The on-behalf-of grant (learn.microsoft.com: "Microsoft identity platform and OAuth 2.0
# On-Behalf-Of flow"): ``assertion`` is the token the API received, ``requested_token_use``
# is ``on_behalf_of``.
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class TokenService:
    """The token endpoint: codes and refresh tokens redeemed, id_tokens signed."""

    client_id: str
    client_secret: str
    client_certificate: x509.Certificate | None
    login_host: str
    graph_host: str
    signing_key: rsa.RSAPrivateKey
    groups_claim_limit: int
    issued_tokens: list[dict[str, Any]]
    _lock: threading.Lock
    _grants: dict[str, Grant]
    _access_tokens: dict[str, tuple[MicrosoftUser, float]]
    _refresh_tokens: dict[str, tuple[MicrosoftUser, str]]
    _ended_refresh_tokens: dict[str, int]
    users: list[MicrosoftUser]

    if TYPE_CHECKING:

        def _id_token(self, grant: Grant) -> str: ...

        def _client_credentials(
            self, request: httpx.Request, form: dict[str, str]
        ) -> httpx.Response: ...

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        grant_types = ("authorization_code", "refresh_token", "client_credentials", OBO_GRANT)
        if form.get("grant_type") not in grant_types:
            return aad_error(
                400, "unsupported_grant_type", "AADSTS70003: unsupported grant", 70003
            )
        if form.get("client_id") != self.client_id:
            return aad_error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found.",
                700016,
            )
        if self.client_certificate is not None:
            problem = self._assertion_problem(request, form)
            if problem is not None:
                return aad_error(401, "invalid_client", problem, 700027)
        elif form.get("client_secret") != self.client_secret:
            return aad_error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided.",
                7000215,
            )
        with self._lock:
            if form["grant_type"] == "client_credentials":
                return self._client_credentials(request, form)
            if form["grant_type"] == "refresh_token":
                return self._refresh(form)
            if form["grant_type"] == OBO_GRANT:
                return self._on_behalf_of(form)
            return self._redeem(form)

    def _on_behalf_of(self, form: dict[str, str]) -> httpx.Response:
        """A token for another API, for the person of a delegated token issued to this app."""
        if form.get("requested_token_use") != "on_behalf_of":
            return aad_error(
                400, "invalid_request", "AADSTS900144: requested_token_use is missing.", 900144
            )
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                self.signing_key.public_key(),
                algorithms=["RS256"],
                audience=[self.client_id, f"api://{self.client_id}"],
                options={"require": ["exp", "aud", "tid", "oid"]},
            )
        except jwt.PyJWTError:
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS50013: Assertion failed signature validation.",
                50013,
            )
        if "scp" not in claims:
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS50013: Assertion is not a delegated token of a user.",
                50013,
            )
        person = next(
            (
                user
                for user in self.users
                if user.object_id.lower() == str(claims["oid"]).lower()
                and user.tenant_id.lower() == str(claims["tid"]).lower()
            ),
            None,
        )
        if person is None:
            return aad_error(
                400, "invalid_grant", "AADSTS50034: The user account does not exist.", 50034
            )
        body = self._tokens_for(person, form.get("scope", ""))
        self.issued_tokens.append(body)
        return httpx.Response(200, json=body)

    def _assertion_problem(self, request: httpx.Request, form: dict[str, str]) -> str | None:
        """Why the client assertion does not prove the registered certificate, or None."""
        assert self.client_certificate is not None
        if form.get("client_secret"):
            return "AADSTS700027: a client secret was sent; this application uses a certificate."
        if form.get("client_assertion_type") != JWT_BEARER:
            return "AADSTS700027: client_assertion_type must be jwt-bearer."
        assertion = form.get("client_assertion", "")
        certificate = self.client_certificate
        try:
            header = jwt.get_unverified_header(assertion)
            sha1 = b64url(certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - Entra's x5t
            sha256 = b64url(certificate.fingerprint(hashes.SHA256()))
            sent = {str(header.get(name, "")).rstrip("=") for name in ("x5t", "x5t#S256")}
            if not sent & {sha1, sha256}:
                return "AADSTS700027: the certificate with this thumbprint is not registered."
            token_endpoint = str(request.url.copy_with(query=None))
            claims = jwt.decode(
                assertion,
                certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=token_endpoint,
                issuer=self.client_id,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError as error:
            return f"AADSTS700027: client assertion failed signature validation ({error})."
        if claims.get("sub") != self.client_id:
            return "AADSTS700027: client assertion sub is not the client id."
        return None

    def revoke(self, user: MicrosoftUser, *, disabled: bool = False) -> None:
        """End ``user``'s sessions: their refresh tokens are refused from now on.

        ``disabled`` answers as for an account an administrator disabled (AADSTS50057) rather
        than one whose sessions were revoked (AADSTS50173).
        """
        with self._lock:
            for token, (owner, _scope) in list(self._refresh_tokens.items()):
                if owner is user:
                    del self._refresh_tokens[token]
                    self._ended_refresh_tokens[token] = 50057 if disabled else 50173

    def _refresh(self, form: dict[str, str]) -> httpx.Response:
        token = form.get("refresh_token", "")
        ended = self._ended_refresh_tokens.get(token)
        if ended == 50057:
            return aad_error(
                400, "invalid_grant", "AADSTS50057: The user account is disabled.", 50057
            )
        if ended is not None:
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS50173: The provided grant has expired due to it being revoked.",
                50173,
            )
        # As with Microsoft, a redeemed refresh token stays valid next to the new one it gave
        # (two requests of one session may redeem it at once), until its sessions are revoked.
        found = self._refresh_tokens.get(token)
        if found is None:
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS9002313: Invalid request. Request is malformed or invalid.",
                9002313,
            )
        user, scope = found
        body = self._tokens_for(user, scope)
        self.issued_tokens.append(body)
        return httpx.Response(200, json=body)

    def _tokens_for(self, user: MicrosoftUser, scope: str) -> dict[str, Any]:
        access_token = "fake-at-" + secrets.token_urlsafe(32)
        refresh_token = "fake-rt-" + secrets.token_urlsafe(32)
        self._access_tokens[access_token] = (user, time.time() + 3600)
        self._refresh_tokens[refresh_token] = (user, scope)
        return {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "client_info": b64url(
                json.dumps({"uid": user.object_id, "utid": user.tenant_id}).encode()
            ),
        }

    def _redeem(self, form: dict[str, str]) -> httpx.Response:
        grant = self._grants.get(form.get("code", ""))
        if grant is None:
            return aad_error(
                400, "invalid_grant", "AADSTS70000: Provided grant is invalid.", 70000
            )
        if grant.redeemed:
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS54005: OAuth2 Authorization code was already redeemed.",
                54005,
            )
        if grant.expires < time.time():
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS70008: The provided authorization code has expired.",
                70008,
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            return aad_error(
                400,
                "invalid_grant",
                "AADSTS500112: The reply address does not match the one of the authorization code.",
                500112,
            )
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            challenge = b64url(hashlib.sha256(verifier.encode()).digest())
            if challenge != grant.code_challenge:
                return aad_error(
                    400,
                    "invalid_grant",
                    "AADSTS501481: The Code_Verifier does not match the code_challenge.",
                    501481,
                )
        grant.redeemed = True
        body = self._tokens_for(grant.user, grant.scope)
        body["id_token"] = grant.id_token if grant.id_token is not None else self._id_token(grant)
        if grant.id_token == "":
            del body["id_token"]
        self.issued_tokens.append(body)
        return httpx.Response(200, json=body)
