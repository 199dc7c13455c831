"""Faults a test sets on the fake's endpoints, and the record of the requests that reached it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from django_microsoft_sso.testing.signin import Grant

Outcome = (
    httpx.Response
    | BaseException
    | type[BaseException]
    | Callable[[httpx.Request], httpx.Response]
)


class Faults:
    """Every request passes here: it is counted, then answered or failed as the test said."""

    calls: list[tuple[str, httpx.Request]]
    _faults: dict[str, list[Outcome]]
    _grants: dict[str, Grant]

    if TYPE_CHECKING:

        def _route(
            self, request: httpx.Request
        ) -> tuple[str, Callable[[httpx.Request], httpx.Response]]: ...

    def fail(self, endpoint: str, outcome: Outcome, times: int = 1) -> None:
        """Make the next ``times`` calls of ``endpoint`` end with ``outcome`` instead.

        ``endpoint`` is one of instance, metadata, keys, token, me, photo, groups (Graph's
        ``memberOf``, ``transitiveMemberOf``, ``checkMemberGroups``, ``getMemberGroups``),
        batch, users_delta (``/users/delta``), users (``/users/{id}``), user_groups
        (``/users/{id}/transitiveMemberOf``), user_app_roles (``/users/{id}/appRoleAssignments``),
        service_principal (``/servicePrincipals(appId='...')``). ``outcome`` is an ``httpx.Response``, an exception (class or instance, e.g.
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
