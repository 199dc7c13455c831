"""``FakeMicrosoft``: the directory, the browser's side, the token service, Graph and faults
in one object, which answers every httpx request to Microsoft's hosts while it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from django_microsoft_sso import discovery
from django_microsoft_sso.caches import reset_process_caches
from django_microsoft_sso.testing.directory import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    GRAPH_HOST,
    LOGIN_HOST,
    Directory,
    MicrosoftUser,
)
from django_microsoft_sso.testing.faults import Faults, Outcome
from django_microsoft_sso.testing.graph import Graph
from django_microsoft_sso.testing.signin import BrowserSide, Grant
from django_microsoft_sso.testing.signing import (
    AccessTokens,
    IdTokens,
    Metadata,
    default_signing_key,
)
from django_microsoft_sso.testing.tokens import TokenService
from django_microsoft_sso.testing.users_delta import DeletedUser, UsersDelta

if TYPE_CHECKING:
    from unittest import TestCase as _TestCaseBase
else:
    _TestCaseBase = object


class FakeMicrosoft(
    Directory,
    BrowserSide,
    Metadata,
    TokenService,
    IdTokens,
    AccessTokens,
    Graph,
    UsersDelta,
    Faults,
):
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
        # The query of every authorize request a browser brought here, one value per name: what
        # the app asked of Microsoft (prompt, login_hint, domain_hint...).
        self.authorize_requests: list[dict[str, str]] = []
        # Every answer of the token endpoint that gave tokens (access, refresh and id token).
        self.issued_tokens: list[dict[str, Any]] = []
        self._grants: dict[str, Grant] = {}
        self._access_tokens: dict[str, tuple[MicrosoftUser, float]] = {}
        # Refresh tokens still valid: token -> (person, scope). Redeeming one issues a new one.
        self._refresh_tokens: dict[str, tuple[MicrosoftUser, str]] = {}
        # Refresh tokens of ended sessions: token -> AADSTS code Microsoft answers with.
        self._ended_refresh_tokens: dict[str, int] = {}
        self._faults: dict[str, list[Outcome]] = {}
        self._router: Any = None
        # The application's own view of the directory (``/users/delta``): the permissions an
        # administrator granted it, the people deleted, and the change counter of delta links.
        self.application_permissions: set[str] = {"User.Read.All"}
        self.deleted_users: list[DeletedUser] = []
        self.delta_page_size = 100
        self._directory_version = 0
        self._delta_generation = 0
        self._expired_delta_status = 400
        self._app_tokens: dict[str, tuple[str, frozenset[str], float]] = {}

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
            # Graph answers /users/delta and its fully qualified name alike.
            if method == "GET" and path in (
                "/v1.0/users/delta",
                "/v1.0/users/microsoft.graph.delta",
            ):
                return "users_delta", self._users_delta
            if method == "GET" and len(segments) >= 4 and segments[1] == "users":
                if segments[3:] in (
                    ["transitiveMemberOf"],
                    ["transitiveMemberOf", "microsoft.graph.group"],
                ):
                    return "user_groups", self._user_groups
                if segments[3:] == ["appRoleAssignments"]:
                    return "user_app_roles", self._user_app_roles
            if (
                method == "GET"
                and len(segments) == 2
                and segments[1].startswith("servicePrincipals(appId=")
            ):
                return "service_principal", self._service_principal
            if method == "GET" and len(segments) == 3 and segments[1] == "users":
                return "users", self._directory_user
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

    @staticmethod
    def _login_not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, text="<html><body>Not found</body></html>", headers={"Content-Type": "text/html"}
        )


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
