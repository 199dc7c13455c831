"""The browser's side of the fake: the authorize step, where the test chooses who signs in."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from django_microsoft_sso.testing.directory import PERSONAL_ACCOUNTS_TENANT_ID, MicrosoftUser
from django_microsoft_sso.testing.wire import FakeMicrosoftError

CODE_LIFETIME = 600


@dataclass
class AuthorizationAnswer:
    """What Microsoft sends the browser back with: to ``redirect_uri``, by GET or POST."""

    redirect_uri: str
    method: str
    params: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.redirect_uri).path

    def send(self, django_client: Any, **extra: Any) -> Any:
        """Deliver the answer with a Django test client; return its response (not followed)."""
        if self.method == "POST":
            return django_client.post(self.path, self.params, **extra)
        return django_client.get(self.path, self.params, **extra)


@dataclass
class Grant:
    """An authorization code issued at the authorize step: whose, for what, and the id_token
    its redemption gives (``claims``, ``header``, ``signing_key`` and ``id_token`` as the test
    changed it)."""

    user: MicrosoftUser
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    nonce: str | None
    scope: str
    tenant: str
    expires: float
    claims: dict[str, Any]
    header: dict[str, Any]
    signing_key: rsa.RSAPrivateKey | None
    id_token: str | None
    redeemed: bool = False


class BrowserSide:
    """What a browser does at Microsoft: sign in, cancel, sign out elsewhere."""

    client_id: str
    login_host: str
    browser_base_url: str
    _grants: dict[str, Grant]
    authorize_requests: list[dict[str, str]]

    if TYPE_CHECKING:

        def _tenant_id(self, tenant: str) -> str | None: ...

    def sign_in(
        self,
        authorize_url: str,
        user: MicrosoftUser,
        *,
        id_token_claims: dict[str, Any] | None = None,
        id_token_header: dict[str, Any] | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        id_token: str | None = None,
    ) -> AuthorizationAnswer:
        """``user`` signs in at ``authorize_url``; return what Microsoft sends back.

        ``id_token_claims`` and ``id_token_header`` change the id_token this sign-in will get
        (a value of None removes the claim); ``signing_key`` signs it with another key;
        ``id_token`` replaces it whole. They exist to test that forged tokens are refused.
        """
        request = self._authorize_request(authorize_url)
        tenant = request["tenant"]
        self._check_user_may_sign_in(tenant, user)
        code = secrets.token_urlsafe(32)
        self._grants[code] = Grant(
            user=user,
            client_id=request["client_id"],
            redirect_uri=request["redirect_uri"],
            code_challenge=request.get("code_challenge"),
            nonce=request.get("nonce"),
            scope=request.get("scope", ""),
            tenant=tenant,
            expires=time.time() + CODE_LIFETIME,
            claims={**self._strength_claims(request, user), **(id_token_claims or {})},
            header=dict(id_token_header or {}),
            signing_key=signing_key,
            id_token=id_token,
        )
        params = {"code": code, "session_state": str(uuid.uuid4())}
        if request.get("state") is not None:
            params["state"] = request["state"]
        return self._answer(request, params)

    @staticmethod
    def _strength_claims(request: dict[str, Any], user: MicrosoftUser) -> dict[str, Any]:
        """``acrs`` and ``amr`` as Entra gives them for what the authorize request asked.

        The authentication contexts of the claims request (``{"id_token": {"acrs": {"essential":
        true, "value": "c1"}}}``, or ``"values"``) come back in ``acrs`` when the person completes
        multi-factor authentication, as a Conditional Access policy tied to them would demand;
        ``prompt=login`` asks them to sign in again, with it.
        """
        wanted: list[str] = []
        try:
            asked = json.loads(request.get("claims") or "{}")["id_token"]["acrs"]
        except (ValueError, KeyError, TypeError):
            asked = None
        if isinstance(asked, dict):
            values = asked.get("values", [asked.get("value")])
            wanted = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
        stepped_up = bool(wanted) or request.get("prompt") == "login"
        if not stepped_up:
            return {} if user.mfa is None else {"amr": ["pwd"]}
        if user.mfa is False:
            return {"amr": ["pwd"]}
        return {"amr": ["pwd", "mfa"], **({"acrs": wanted} if wanted else {})}

    def deny(
        self,
        authorize_url: str,
        error: str = "access_denied",
        description: str = "AADSTS65004: User declined to consent to access the app.",
    ) -> AuthorizationAnswer:
        """The person cancels (or Microsoft refuses) at ``authorize_url``."""
        request = self._authorize_request(authorize_url)
        params = {"error": error, "error_description": description}
        if request.get("state") is not None:
            params["state"] = request["state"]
        return self._answer(request, params)

    def login(
        self,
        django_client: Any,
        user: MicrosoftUser,
        *,
        next: str | None = None,
        start_url: str | None = None,
        secure: bool = False,
        **sign_in_options: Any,
    ) -> Any:
        """Run a whole sign-in with a Django test client; return the callback's response.

        ``secure`` makes both requests over https, as form_post mode needs without DEBUG.
        When the start view does not send the browser to Microsoft (sign-in refused before
        that), its response is returned instead.
        """
        if start_url is None:
            from django.urls import reverse

            start_url = reverse("django_microsoft_sso:oauth_start_login")
        params = {"next": next} if next is not None else {}
        start = django_client.get(start_url, params, secure=secure)
        location = start.get("Location", "")
        if start.status_code != 302 or not self.is_authorize_url(location):
            return start
        return self.sign_in(location, user, **sign_in_options).send(django_client, secure=secure)

    def front_channel_logout(
        self, django_client: Any, user: MicrosoftUser, *, url: str | None = None
    ) -> Any:
        """``user`` signs out of Microsoft elsewhere: Entra loads the app's front-channel logout URL.

        As Entra does, with the Microsoft session's ``sid`` only: Entra leaves out the ``iss``
        that OpenID Connect Front-Channel Logout 1.0 asks for. ``django_client`` stands for the
        hidden iframe, which a browser gives no SameSite=Lax cookie: pass a fresh client.
        """
        if url is None:
            from django.urls import reverse

            url = reverse("django_microsoft_sso:oauth_front_channel_logout")
        return django_client.get(url, {"sid": self.session_id(user)})

    @staticmethod
    def session_id(user: MicrosoftUser) -> str:
        """The ``sid`` of ``user``'s Microsoft session, as the id_token's optional claim gives it."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, user.object_id))

    def is_authorize_url(self, url: str) -> bool:
        """Whether ``url`` is this fake's authorize endpoint (on the sign-in host or the browser base)."""
        return self._tenant_path(url, ["oauth2", "v2.0", "authorize"]) is not None

    def _tenant_path(self, url: str, tail: list[str]) -> list[str] | None:
        """The path segments after the host or browser base, when they are <tenant>/``tail``."""
        parts = urlsplit(url)
        base = urlsplit(self.browser_base_url)
        if parts.hostname == self.login_host and parts.scheme == "https":
            path = parts.path
        elif (parts.scheme, parts.netloc) == (base.scheme, base.netloc) and parts.path.startswith(
            base.path + "/"
        ):
            path = parts.path[len(base.path) :]
        else:
            return None
        segments = [s for s in path.split("/") if s]
        return segments if segments[1:] == tail else None

    def _authorize_request(self, authorize_url: str) -> dict[str, Any]:
        parts = urlsplit(authorize_url)
        segments = self._tenant_path(authorize_url, ["oauth2", "v2.0", "authorize"])
        if segments is None:
            raise FakeMicrosoftError(f"not an authorize URL of this fake: {authorize_url}")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.authorize_requests.append(dict(query))
        if query.get("client_id") != self.client_id:
            raise FakeMicrosoftError("AADSTS700016: application not found in the directory")
        if query.get("response_type") != "code" or not query.get("redirect_uri"):
            raise FakeMicrosoftError(
                "authorize request needs response_type=code and a redirect_uri"
            )
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            raise FakeMicrosoftError("only S256 PKCE is supported")
        query["tenant"] = segments[0].lower()
        return query

    def _check_user_may_sign_in(self, tenant: str, user: MicrosoftUser) -> None:
        if tenant == "common":
            return
        if tenant == "organizations":
            if user.tenant_id == PERSONAL_ACCOUNTS_TENANT_ID:
                raise FakeMicrosoftError("AADSTS50020: personal accounts cannot use this app")
            return
        if self._tenant_id(tenant) != user.tenant_id:
            raise FakeMicrosoftError(
                "AADSTS50020: the user's account is not in the application's tenant"
            )

    @staticmethod
    def _answer(request: dict[str, Any], params: dict[str, str]) -> AuthorizationAnswer:
        method = "POST" if request.get("response_mode") == "form_post" else "GET"
        return AuthorizationAnswer(request["redirect_uri"], method, params)
