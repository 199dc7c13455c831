"""A fake Microsoft for tests: the package's own, and any project's.

``FakeMicrosoft`` answers what the real one would, over httpx, with Microsoft's field names and
error shapes: msal's discovery, the authorize step (you choose who signs in), the token endpoint
(real RS256 id_tokens, PKCE checked, codes that redeem once), the signing keys, and Graph
(``/me``, the photo, ``$batch``). Nothing leaves the process: while it is active every httpx
request goes to it (through respx), and a request to any other host fails loudly.

    from django_microsoft_sso.testing import FakeMicrosoft

    with FakeMicrosoft() as microsoft:
        alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
        response = microsoft.login(client, alice)      # a Django test client
        assert response.url == "/admin/"

With pytest-django the ``microsoft`` and ``microsoft_user`` fixtures give you one (see
``pytest_plugin``); with Django's ``TestCase``, ``FakeMicrosoftMixin`` or ``fake_microsoft()``.

Install with ``pip install django-microsoft-sso[testing]`` (it brings respx).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from django_microsoft_sso import conf, discovery, tenants
from django_microsoft_sso.caches import reset_process_caches

if TYPE_CHECKING:
    from unittest import TestCase as _TestCaseBase
else:
    _TestCaseBase = object

DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
PERSONAL_ACCOUNTS_TENANT_ID = tenants.PERSONAL_ACCOUNTS_TENANT_ID
DEFAULT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
DEFAULT_CLIENT_SECRET = "fake-client-secret-value"
LOGIN_HOST = "login.microsoftonline.com"
GRAPH_HOST = "graph.microsoft.com"
PHOTO_SIZES = frozenset(f"{n}x{n}" for n in (48, 64, 96, 120, 240, 360, 432, 504, 648))
MULTI_TENANT = frozenset({"common", "organizations"})
CODE_LIFETIME = 600
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# The smallest valid PNG (1x1 pixel): a picture for demo and test people.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class FakeMicrosoftError(AssertionError):
    """A test drove the fake in a way the real Microsoft would not allow."""


@lru_cache(maxsize=1)
def default_signing_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: generating one per test would slow suites down."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_id(key: rsa.RSAPrivateKey) -> str:
    numbers = key.public_key().public_numbers()
    return "fake-" + hashlib.sha256(str(numbers.n).encode()).hexdigest()[:16]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Personal Microsoft accounts are shaped unlike work accounts. Their ``oid`` is
# ``00000000-0000-0000-`` and 16 hex digits (MSAL's own test data: an ``oid`` of
# ``00000000-0000-0000-66f3-3332eca7ea81`` for the ``9188040d-…`` issuer). Graph's ``/me`` ``id``
# is those 16 digits alone, its ``userPrincipalName`` the address they sign in with, and its
# ``mail`` often null: a real answer for an outlook.com account is ``"id": "fde926f844473904",
# "userPrincipalName": "…@outlook.com", "mail": null`` (github.com/OfficeDev/outlook-dev-docs
# issue 918).
PERSONAL_OBJECT_ID_PREFIX = "00000000-0000-0000-"


def new_object_id(tenant_id: str) -> str:
    """A fresh ``oid`` shaped as Microsoft shapes them in ``tenant_id``."""
    if tenant_id.lower() == PERSONAL_ACCOUNTS_TENANT_ID:
        digits = secrets.token_hex(8)
        return f"{PERSONAL_OBJECT_ID_PREFIX}{digits[:4]}-{digits[4:]}"
    return str(uuid.uuid4())


@dataclass
class MicrosoftUser:
    """A person of the fake Microsoft. ``None`` fields are absent or null, as in Graph.

    ``object_id`` left empty becomes a new one of the tenant's shape (``new_object_id``).
    """

    user_principal_name: str
    tenant_id: str = DEFAULT_TENANT_ID
    object_id: str = ""
    mail: str | None = None
    given_name: str | None = None
    surname: str | None = None
    display_name: str | None = None
    preferred_language: str | None = None
    job_title: str | None = None
    photo: bytes | None = None
    groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    extra_claims: dict[str, Any] = field(default_factory=dict)
    extra_graph: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.object_id:
            self.object_id = new_object_id(self.tenant_id)

    @property
    def graph_id(self) -> str:
        """Graph's ``id``: the ``oid``, but for a personal account its last 16 hex digits."""
        oid = self.object_id.lower()
        if self.tenant_id.lower() == PERSONAL_ACCOUNTS_TENANT_ID and oid.startswith(
            PERSONAL_OBJECT_ID_PREFIX
        ):
            return oid[len(PERSONAL_OBJECT_ID_PREFIX) :].replace("-", "")
        return self.object_id

    def graph_me(self) -> dict[str, Any]:
        """The Graph ``/me`` object, with the default properties Graph returns."""
        return {
            "businessPhones": [],
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": self.job_title,
            "mail": self.mail,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": self.preferred_language,
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
            "id": self.graph_id,
            **self.extra_graph,
        }


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
class _Grant:
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


Outcome = (
    httpx.Response
    | BaseException
    | type[BaseException]
    | Callable[[httpx.Request], httpx.Response]
)


class FakeMicrosoft:
    """Microsoft's identity platform and Graph, in-process, for the users you add."""

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        login_host: str = LOGIN_HOST,
        graph_host: str = GRAPH_HOST,
        tenant_domains: dict[str, str] | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        browser_base_url: str | None = None,
        client_certificate: x509.Certificate | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        # The certificate uploaded to the app registration: when set, the application proves
        # itself with a client assertion signed by its key instead of the client secret.
        self.client_certificate = client_certificate
        self.login_host = login_host
        # Where a browser reaches the sign-in host (the emulator serves it there); the
        # authorize and sign-out endpoints in the tenant metadata point at it.
        self.browser_base_url = (browser_base_url or f"https://{login_host}").rstrip("/")
        self._lock = threading.Lock()
        self.graph_host = graph_host
        self.tenant_domains = {"contoso.com": DEFAULT_TENANT_ID, **(tenant_domains or {})}
        self.signing_key = signing_key or default_signing_key()
        self.users: list[MicrosoftUser] = []
        # Groups of the directory, by object id: their display names, for Graph's answers.
        self.groups: dict[str, str] = {}
        # Entra puts at most this many group ids in an id_token; beyond it, the token carries
        # the overage marker (``_claim_names``) instead. Graph pages its group lists by this size.
        self.groups_claim_limit = 200
        self.groups_page_size = 100
        self._people_made = 0
        # Every HTTP request that reached the fake, by endpoint name; and the requests inside
        # each $batch, which are not HTTP requests of their own.
        self.calls: list[tuple[str, httpx.Request]] = []
        self.batch_calls: list[tuple[str, httpx.Request]] = []
        # Every answer of the token endpoint that gave tokens (access, refresh and id token).
        self.issued_tokens: list[dict[str, Any]] = []
        self._grants: dict[str, _Grant] = {}
        self._access_tokens: dict[str, tuple[MicrosoftUser, float]] = {}
        # Refresh tokens still valid: token -> (person, scope). Redeeming one issues a new one.
        self._refresh_tokens: dict[str, tuple[MicrosoftUser, str]] = {}
        # Refresh tokens of ended sessions: token -> AADSTS code Microsoft answers with.
        self._ended_refresh_tokens: dict[str, int] = {}
        self._faults: dict[str, list[Outcome]] = {}
        self._router: Any = None

    # -- people ---------------------------------------------------------------------------------

    def add_user(self, user_principal_name: str, **fields: Any) -> MicrosoftUser:
        """Add a person who can sign in; ``fields`` are those of ``MicrosoftUser``."""
        user = MicrosoftUser(user_principal_name, **fields)
        self.users.append(user)
        return user

    def add_project_user(
        self, user_principal_name: str | None = None, **fields: Any
    ) -> MicrosoftUser:
        """Add a person whom the project's current settings let sign in.

        What is not given follows the settings: the tenant is the one the authority names (for
        ``common`` or ``organizations``, the first of ``MICROSOFT_SSO_ALLOWED_TENANTS``), the
        user principal name is ``person<n>@`` the first of ``MICROSOFT_SSO_ALLOWABLE_DOMAINS``,
        and ``mail`` is the user principal name (null for a personal account, as Graph often
        gives it).
        """
        fields.setdefault("tenant_id", self.project_tenant_id())
        if user_principal_name is None:
            self._people_made += 1
            user_principal_name = f"person{self._people_made}@{_project_domain()}"
        personal = str(fields["tenant_id"]).lower() == PERSONAL_ACCOUNTS_TENANT_ID
        fields.setdefault("mail", None if personal else user_principal_name)
        return self.add_user(user_principal_name, **fields)

    def project_tenant_id(self) -> str:
        """The tenant whose people the project's authority admits (``DEFAULT_TENANT_ID`` if any).

        An authority that names a domain this fake does not know makes it a domain of
        ``DEFAULT_TENANT_ID``, so that the fake can answer for it.
        """
        authority = conf.raw("MICROSOFT_SSO_AUTHORITY")
        if not isinstance(authority, str) or not authority:
            authority = discovery.DEFAULT_AUTHORITY
        tenant = tenants.authority_tenant(authority)
        if tenant in MULTI_TENANT:
            allowed = conf.raw("MICROSOFT_SSO_ALLOWED_TENANTS")
            listed = [str(t).lower() for t in allowed] if isinstance(allowed, list | tuple) else []
            return next((t for t in listed if t != "*"), DEFAULT_TENANT_ID)
        tenant_id = self._tenant_id(tenant)
        if tenant_id is None:
            self.tenant_domains[tenant] = tenant_id = DEFAULT_TENANT_ID
        return tenant_id

    def add_group(self, display_name: str, object_id: str | None = None) -> str:
        """Add a group to the directory; return its object id, for ``MicrosoftUser.groups``."""
        group_id = object_id or str(uuid.uuid4())
        self.groups[group_id] = display_name
        return group_id

    def project_settings(self) -> dict[str, Any]:
        """The settings that point a project at this fake: its credentials, no custom transport."""
        if self.client_certificate is not None:
            # The project gives the certificate's key in MICROSOFT_SSO_CERTIFICATE.
            return {
                "MICROSOFT_SSO_APPLICATION_ID": self.client_id,
                "MICROSOFT_SSO_CLIENT_SECRET": None,
                "MICROSOFT_SSO_HTTP_TRANSPORT": None,
            }
        return {
            "MICROSOFT_SSO_APPLICATION_ID": self.client_id,
            "MICROSOFT_SSO_CLIENT_SECRET": self.client_secret,
            "MICROSOFT_SSO_CERTIFICATE": None,
            # A transport the project set (a proxy, the emulator) would take requests past the fake.
            "MICROSOFT_SSO_HTTP_TRANSPORT": None,
        }

    # -- the browser's side ---------------------------------------------------------------------

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
        self._grants[code] = _Grant(
            user=user,
            client_id=request["client_id"],
            redirect_uri=request["redirect_uri"],
            code_challenge=request.get("code_challenge"),
            nonce=request.get("nonce"),
            scope=request.get("scope", ""),
            tenant=tenant,
            expires=time.time() + CODE_LIFETIME,
            claims=dict(id_token_claims or {}),
            header=dict(id_token_header or {}),
            signing_key=signing_key,
            id_token=id_token,
        )
        params = {"code": code, "session_state": str(uuid.uuid4())}
        if request.get("state") is not None:
            params["state"] = request["state"]
        return self._answer(request, params)

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

    # -- faults and bookkeeping -----------------------------------------------------------------

    def fail(self, endpoint: str, outcome: Outcome, times: int = 1) -> None:
        """Make the next ``times`` calls of ``endpoint`` end with ``outcome`` instead.

        ``endpoint`` is one of instance, metadata, keys, token, me, photo, groups (Graph's
        ``memberOf``, ``transitiveMemberOf``, ``checkMemberGroups``, ``getMemberGroups``),
        batch. ``outcome`` is an ``httpx.Response``, an exception (class or instance, e.g.
        ``httpx.ConnectTimeout``) or a function of the ``httpx.Request``.
        """
        self._faults.setdefault(endpoint, []).extend([outcome] * times)

    def count(self, endpoint: str | None = None) -> int:
        """How many requests reached ``endpoint`` (all of them when None)."""
        return sum(1 for name, _ in self.calls if endpoint is None or name == endpoint)

    def expire_codes(self) -> None:
        """Let every code issued so far run out, as ten minutes would."""
        for grant in self._grants.values():
            grant.expires = 0

    def reset_project(self) -> None:
        """Let the next request be the first of a project that never met this fake.

        The package forgets, in this process, the msal application, metadata, keys and pooled
        client it had, and Django's cache forgets the metadata and keys this fake served.
        """
        reset_process_caches()
        discovery.forget_shared_copies(
            str(request.url) for name, request in self.calls if name in ("metadata", "keys")
        )

    def __enter__(self) -> FakeMicrosoft:
        import respx

        reset_process_caches()
        self._router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        self._router.route(host=self.login_host).mock(side_effect=self.handle)
        self._router.route(host=self.graph_host).mock(side_effect=self.handle)
        self._router.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._router.stop()
        self._router = None
        self.reset_project()

    # -- HTTP -------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP request as Microsoft would (or as a fault set with ``fail`` says)."""
        self.calls.append((self._route(request)[0], request))
        return self._respond(request)

    def _respond(self, request: httpx.Request) -> httpx.Response:
        endpoint, answer = self._route(request)
        faults = self._faults.get(endpoint)
        if not faults:
            return answer(request)
        outcome = faults.pop(0)
        if isinstance(outcome, httpx.Response):
            return outcome
        if isinstance(outcome, type) and issubclass(outcome, httpx.TransportError):
            raise outcome("fault injected by FakeMicrosoft", request=request)
        if isinstance(outcome, type | BaseException):
            raise outcome
        return outcome(request)

    def _route(
        self, request: httpx.Request
    ) -> tuple[str, Callable[[httpx.Request], httpx.Response]]:
        host, path, method = request.url.host, request.url.path, request.method
        segments = [s for s in path.split("/") if s]
        if host == self.graph_host:
            if method == "POST" and path == "/v1.0/$batch":
                return "batch", self._batch
            # Graph answers /me with or without a trailing slash.
            if method == "GET" and path in ("/v1.0/me", "/v1.0/me/"):
                return "me", self._me
            if method == "GET" and (
                path == "/v1.0/me/photo/$value"
                or (
                    len(segments) == 5
                    and segments[1:3] == ["me", "photos"]
                    and segments[4] == "$value"
                )
            ):
                return "photo", self._photo
            if method == "GET" and segments[1:3] in (
                ["me", "memberOf"],
                ["me", "transitiveMemberOf"],
            ):
                return "groups", self._member_of
            if method == "POST" and segments[1:] in (
                ["me", "checkMemberGroups"],
                ["me", "getMemberGroups"],
            ):
                return "groups", self._member_groups
            return "graph_other", self._graph_not_found
        if method == "GET" and segments[1:] == ["discovery", "instance"]:
            return "instance", self._instance_discovery
        if method == "GET" and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return "metadata", self._metadata
        if method == "GET" and segments[1:] == ["discovery", "v2.0", "keys"]:
            return "keys", self._keys
        if method == "POST" and segments[1:] == ["oauth2", "v2.0", "token"]:
            return "token", self._token
        return "login_other", self._login_not_found

    def _tenant_id(self, tenant: str) -> str | None:
        tenant = tenant.lower()
        if tenant == "consumers":
            return PERSONAL_ACCOUNTS_TENANT_ID
        try:
            return str(uuid.UUID(tenant))
        except ValueError:
            return self.tenant_domains.get(tenant)

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
                return _aad_error(
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

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") not in ("authorization_code", "refresh_token"):
            return _aad_error(
                400, "unsupported_grant_type", "AADSTS70003: unsupported grant", 70003
            )
        if form.get("client_id") != self.client_id:
            return _aad_error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found.",
                700016,
            )
        if self.client_certificate is not None:
            problem = self._assertion_problem(request, form)
            if problem is not None:
                return _aad_error(401, "invalid_client", problem, 700027)
        elif form.get("client_secret") != self.client_secret:
            return _aad_error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided.",
                7000215,
            )
        with self._lock:
            if form["grant_type"] == "refresh_token":
                return self._refresh(form)
            return self._redeem(form)

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
            sha1 = _b64url(certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - Entra's x5t
            sha256 = _b64url(certificate.fingerprint(hashes.SHA256()))
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
            return _aad_error(
                400, "invalid_grant", "AADSTS50057: The user account is disabled.", 50057
            )
        if ended is not None:
            return _aad_error(
                400,
                "invalid_grant",
                "AADSTS50173: The provided grant has expired due to it being revoked.",
                50173,
            )
        # As with Microsoft, a redeemed refresh token stays valid next to the new one it gave
        # (two requests of one session may redeem it at once), until its sessions are revoked.
        found = self._refresh_tokens.get(token)
        if found is None:
            return _aad_error(
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
            "client_info": _b64url(
                json.dumps({"uid": user.object_id, "utid": user.tenant_id}).encode()
            ),
        }

    def _redeem(self, form: dict[str, str]) -> httpx.Response:
        grant = self._grants.get(form.get("code", ""))
        if grant is None:
            return _aad_error(
                400, "invalid_grant", "AADSTS70000: Provided grant is invalid.", 70000
            )
        if grant.redeemed:
            return _aad_error(
                400,
                "invalid_grant",
                "AADSTS54005: OAuth2 Authorization code was already redeemed.",
                54005,
            )
        if grant.expires < time.time():
            return _aad_error(
                400,
                "invalid_grant",
                "AADSTS70008: The provided authorization code has expired.",
                70008,
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            return _aad_error(
                400,
                "invalid_grant",
                "AADSTS500112: The reply address does not match the one of the authorization code.",
                500112,
            )
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
            if challenge != grant.code_challenge:
                return _aad_error(
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

    def _id_token(self, grant: _Grant) -> str:
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
            "login_hint": _b64url(f"{user.object_id}@{user.tenant_id}".encode()),
            "sub": _b64url(
                hashlib.sha256(f"{user.object_id}:{grant.client_id}".encode()).digest()
            ),
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
            encoded_header = _b64url(json.dumps({"alg": "none", **header}).encode())
            return f"{encoded_header}.{_b64url(json.dumps(claims).encode())}."
        return jwt.encode(claims, key, algorithm=algorithm, headers=header)

    # -- Graph ------------------------------------------------------------------------------------

    def _graph_user(self, request: httpx.Request) -> MicrosoftUser | httpx.Response:
        authorization = request.headers.get("Authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        found = self._access_tokens.get(token)
        if found is None or found[1] < time.time():
            return _graph_error(
                401, "InvalidAuthenticationToken", "Access token is empty or invalid."
            )
        return found[0]

    def _me(self, request: httpx.Request) -> httpx.Response:
        user = self._graph_user(request)
        if isinstance(user, httpx.Response):
            return user
        me = user.graph_me()
        select = request.url.params.get("$select")
        if select:
            fields = [name.strip() for name in select.split(",") if name.strip()]
            for name in fields:
                if name not in me:
                    return _graph_error(
                        400,
                        "BadRequest",
                        f"Could not find a property named '{name}' on type 'microsoft.graph.user'.",
                    )
            me = {name: me[name] for name in fields}
        context = "https://graph.microsoft.com/v1.0/$metadata#users/$entity"
        return httpx.Response(200, json={"@odata.context": context, **me})

    def _photo(self, request: httpx.Request) -> httpx.Response:
        user = self._graph_user(request)
        if isinstance(user, httpx.Response):
            return user
        segments = [s for s in request.url.path.split("/") if s]
        if segments[2] == "photos" and segments[3] not in PHOTO_SIZES:
            return _graph_error(404, "ImageNotFound", "The photo wasn't found.")
        if user.photo is None:
            return _graph_error(
                404,
                "ImageNotFound",
                "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
            )
        content_type = "image/png" if user.photo.startswith(b"\x89PNG") else "image/jpeg"
        return httpx.Response(200, content=user.photo, headers={"Content-Type": content_type})

    def _member_of(self, request: httpx.Request) -> httpx.Response:
        """``/me/memberOf`` and ``/me/transitiveMemberOf``: the person's groups, page by page."""
        user = self._graph_user(request)
        if isinstance(user, httpx.Response):
            return user
        groups: list[dict[str, Any]] = [
            {
                "@odata.type": "#microsoft.graph.group",
                "id": group_id,
                "displayName": self.groups.get(group_id),
                "securityEnabled": True,
                "mailEnabled": False,
            }
            for group_id in user.groups
        ]
        select = request.url.params.get("$select")
        if select:
            names = {"@odata.type", *(name.strip() for name in select.split(","))}
            groups = [{k: v for k, v in group.items() if k in names} for group in groups]
        # Paged as Graph pages: at most ``$top`` (and the fake's page size) a page, the rest
        # behind ``@odata.nextLink``.
        try:
            top = int(request.url.params.get("$top", "100"))
            start = int(request.url.params.get("$skiptoken", "0"))
        except ValueError:
            return _graph_error(400, "BadRequest", "Invalid $top or $skiptoken.")
        size = max(1, min(top, 999, self.groups_page_size))
        context = f"https://{self.graph_host}/v1.0/$metadata#directoryObjects"
        body: dict[str, Any] = {"@odata.context": context, "value": groups[start : start + size]}
        if start + size < len(groups):
            body["@odata.nextLink"] = str(
                request.url.copy_merge_params({"$skiptoken": str(start + size)})
            )
        return httpx.Response(200, json=body)

    def _member_groups(self, request: httpx.Request) -> httpx.Response:
        """``checkMemberGroups`` (which of ``groupIds``) and ``getMemberGroups`` (all)."""
        user = self._graph_user(request)
        if isinstance(user, httpx.Response):
            return user
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            return _graph_error(400, "BadRequest", "Invalid JSON body.")
        if request.url.path.endswith("/checkMemberGroups"):
            asked = body.get("groupIds") if isinstance(body, dict) else None
            if not isinstance(asked, list):
                return _graph_error(400, "BadRequest", "groupIds is required.")
            found = [group_id for group_id in asked if group_id in user.groups]
        else:
            found = list(user.groups)
        context = f"https://{self.graph_host}/v1.0/$metadata#Collection(Edm.String)"
        return httpx.Response(200, json={"@odata.context": context, "value": found})

    def _batch(self, request: httpx.Request) -> httpx.Response:
        try:
            items = json.loads(request.content)["requests"]
        except (ValueError, KeyError, TypeError):
            return _graph_error(400, "BadRequest", "Invalid batch payload format.")
        if not isinstance(items, list) or len(items) > 20:
            return _graph_error(
                400, "BadRequest", "Number of batch request steps exceeds the maximum of 20."
            )
        responses = []
        for item in items:
            inner = httpx.Request(
                item.get("method", "GET"),
                f"https://{self.graph_host}/v1.0{item.get('url', '')}",
                headers={"Authorization": request.headers.get("Authorization", "")},
            )
            self.batch_calls.append((self._route(inner)[0], inner))
            try:
                result = self._respond(inner)
            except Exception:
                result = _graph_error(503, "serviceNotAvailable", "Service unavailable.")
            content_type = result.headers.get("Content-Type", "application/json")
            if content_type.startswith("application/json"):
                body: Any = result.json() if result.content else None
            else:
                body = base64.b64encode(result.content).decode()
            responses.append(
                {
                    "id": item.get("id"),
                    "status": result.status_code,
                    "headers": {"Content-Type": content_type},
                    "body": body,
                }
            )
        return httpx.Response(200, json={"responses": responses})

    @staticmethod
    def _graph_not_found(request: httpx.Request) -> httpx.Response:
        return _graph_error(
            400, "BadRequest", f"Resource not found for the segment '{request.url.path}'."
        )

    @staticmethod
    def _login_not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, text="<html><body>Not found</body></html>", headers={"Content-Type": "text/html"}
        )


def _project_domain() -> str:
    """A domain the project's ``MICROSOFT_SSO_ALLOWABLE_DOMAINS`` admits (contoso.com if any)."""
    from django_microsoft_sso.domains import domain_patterns

    for pattern in domain_patterns(conf.raw("MICROSOFT_SSO_ALLOWABLE_DOMAINS")):
        if pattern.startswith("*."):
            return "people." + pattern[2:]
        if pattern != "*":
            return pattern
    return "contoso.com"


@contextmanager
def fake_microsoft(**options: Any) -> Iterator[FakeMicrosoft]:
    """Run a ``FakeMicrosoft(**options)`` with the project's settings pointed at it.

    For any test: ``with fake_microsoft() as microsoft: microsoft.login(self.client, ...)``.
    """
    from django.test import override_settings

    fake = FakeMicrosoft(**options)
    with override_settings(**fake.project_settings()), fake:
        yield fake


class FakeMicrosoftMixin(_TestCaseBase):
    """For Django's ``TestCase`` (or any ``unittest.TestCase``): ``self.microsoft`` in every test.

        class SignInTests(FakeMicrosoftMixin, TestCase):
            def test_alice_signs_in(self):
                alice = self.microsoft.add_project_user("alice@contoso.com")
                response = self.microsoft.login(self.client, alice, next="/private/")
                self.assertRedirects(response, "/private/", fetch_redirect_response=False)

    ``fake_microsoft_options`` are passed to ``FakeMicrosoft``.
    """

    fake_microsoft_options: dict[str, Any] = {}
    microsoft: FakeMicrosoft

    def setUp(self) -> None:
        super().setUp()
        running = fake_microsoft(**self.fake_microsoft_options)
        self.microsoft = running.__enter__()
        self.addCleanup(running.__exit__, None, None, None)


def _aad_error(status: int, error: str, description: str, code: int) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": error,
            "error_description": f"{description}\r\nTrace ID: {uuid.uuid4()}\r\nCorrelation ID: {uuid.uuid4()}\r\nTimestamp: 2026-01-01 00:00:00Z",
            "error_codes": [code],
            "timestamp": "2026-01-01 00:00:00Z",
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
    )


def _graph_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "code": code,
                "message": message,
                "innerError": {"request-id": str(uuid.uuid4()), "date": "2026-01-01T00:00:00"},
            }
        },
    )


__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_TENANT_ID",
    "OTHER_TENANT_ID",
    "PERSONAL_ACCOUNTS_TENANT_ID",
    "TINY_PNG",
    "AuthorizationAnswer",
    "FakeMicrosoft",
    "FakeMicrosoftError",
    "FakeMicrosoftMixin",
    "MicrosoftUser",
    "fake_microsoft",
]
