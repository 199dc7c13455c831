"""The fake's directory read by an application: client credentials tokens and ``/users/delta``.

Shapes from Microsoft's "Use delta query to track changes in Microsoft Graph data" and
"user: delta": pages linked by ``@odata.nextLink``, the last one carrying ``@odata.deltaLink``;
a deleted person is ``{"id": ..., "@removed": {"reason": "changed"}}`` ("changed" while the
account can still be restored, "deleted" once it is gone for good). An expired delta link of a
directory resource answers 400 ``syncStateNotFound`` ("Duration of change tracking tokens for
identity and education resources", Microsoft 365 Developer Blog, 2020); Graph may also answer
410 Gone (``resyncRequired``) for any delta resource, which ``expire_delta_links(status=410)``
gives.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from django_microsoft_sso.testing.directory import MicrosoftUser
from django_microsoft_sso.testing.wire import graph_error

# The permissions that let an application read every user (Graph's "user: delta" page).
READ_ALL_USERS = frozenset({"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"})


@dataclass
class DeletedUser:
    user: MicrosoftUser
    version: int
    permanently: bool


class UsersDelta:
    """App-only tokens, and ``/users/delta`` over the fake's people with their changes."""

    graph_host: str
    users: list[MicrosoftUser]
    deleted_users: list[DeletedUser]
    application_permissions: set[str]
    delta_page_size: int
    _directory_version: int
    _delta_generation: int
    _expired_delta_status: int
    _app_tokens: dict[str, tuple[str, frozenset[str], float]]

    # -- what a test does to the directory -------------------------------------------------

    def touch(self, user: MicrosoftUser) -> None:
        """Note that ``user`` changed: the next delta read lists them."""
        self._directory_version += 1
        user.changed_version = self._directory_version

    def disable_user(self, user: MicrosoftUser) -> None:
        """Block ``user``'s sign-in, as an administrator sets ``accountEnabled`` to false."""
        user.account_enabled = False
        self.touch(user)

    def enable_user(self, user: MicrosoftUser) -> None:
        user.account_enabled = True
        self.touch(user)

    def update_user(self, user: MicrosoftUser, **fields: Any) -> None:
        """Change fields of ``user`` (those of ``MicrosoftUser``)."""
        for name, value in fields.items():
            setattr(user, name, value)
        self.touch(user)

    def delete_user(self, user: MicrosoftUser, *, permanently: bool = False) -> None:
        """Delete ``user``: soft (restorable for 30 days) unless ``permanently``."""
        self.users.remove(user)
        self._directory_version += 1
        self.deleted_users.append(DeletedUser(user, self._directory_version, permanently))

    def expire_delta_links(self, *, status: int = 400) -> None:
        """Make every delta link given so far expired (``status`` 400 or 410)."""
        self._delta_generation += 1
        self._expired_delta_status = status

    def throttle(self, endpoint: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``endpoint`` with 429 and ``Retry-After``."""
        answer = graph_error(429, "TooManyRequests", "Too many requests, retry after some time.")
        answer.headers["Retry-After"] = str(retry_after)
        self.fail(endpoint, answer, times)  # type: ignore[attr-defined]

    # -- the token endpoint ------------------------------------------------------------------

    def _client_credentials(self, request: httpx.Request, form: dict[str, str]) -> httpx.Response:
        from django_microsoft_sso.testing.wire import aad_error

        tenant = request.url.path.split("/")[1].lower()
        tenant_id = self._tenant_id(tenant)  # type: ignore[attr-defined]
        if tenant_id is None or tenant in ("common", "organizations", "consumers"):
            return aad_error(
                400,
                "invalid_request",
                "AADSTS90009: Application is requesting a token for itself. This scenario is "
                "supported only if resource is specified using the GUID based App Identifier.",
                90009,
            )
        if form.get("scope") != f"https://{self.graph_host}/.default":
            return aad_error(
                400,
                "invalid_scope",
                "AADSTS1002012: The provided value for scope is not valid. Client credential "
                "flows must have a scope value with /.default suffixed to the resource "
                "identifier.",
                1002012,
            )
        token = "fake-app-" + secrets.token_urlsafe(32)
        self._app_tokens[token] = (
            tenant_id,
            frozenset(self.application_permissions),
            time.time() + 3600,
        )
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )

    # -- Graph -------------------------------------------------------------------------------

    def _application_tenant(self, request: httpx.Request) -> str | httpx.Response:
        """The tenant of the app-only token of ``request``, or Graph's refusal."""
        authorization = request.headers.get("Authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        found = self._app_tokens.get(token)
        if found is None or found[2] < time.time():
            return graph_error(
                401, "InvalidAuthenticationToken", "Access token is empty or invalid."
            )
        tenant_id, roles, _expires = found
        if not roles & READ_ALL_USERS:
            return graph_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        return tenant_id

    def _directory_user(self, request: httpx.Request) -> httpx.Response:
        """``/users/{id}``: one person of the token's tenant, 404 once deleted."""
        tenant_id = self._application_tenant(request)
        if isinstance(tenant_id, httpx.Response):
            return tenant_id
        wanted = request.url.path.split("/")[3].lower()
        user = next(
            (
                user
                for user in self.users
                if user.tenant_id == tenant_id and user.graph_id.lower() == wanted
            ),
            None,
        )
        if user is None:
            return graph_error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{wanted}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        select = request.url.params.get("$select", "")
        fields = [name.strip() for name in select.split(",") if name.strip()]
        context = f"https://{self.graph_host}/v1.0/$metadata#users/$entity"
        return httpx.Response(
            200, json={"@odata.context": context, **self._delta_user(user, fields)}
        )

    # -- a person's groups and app roles, as the application reads them ----------------------

    def _tenant_user(self, tenant_id: str, object_id: str) -> MicrosoftUser | None:
        return next(
            (
                user
                for user in self.users
                if user.tenant_id == tenant_id and user.graph_id.lower() == object_id.lower()
            ),
            None,
        )

    def _user_groups(self, request: httpx.Request) -> httpx.Response:
        """``/users/{id}/transitiveMemberOf[/microsoft.graph.group]``: the person's groups."""
        tenant_id = self._application_tenant(request)
        if isinstance(tenant_id, httpx.Response):
            return tenant_id
        user = self._tenant_user(tenant_id, request.url.path.split("/")[3])
        if user is None:
            return _no_such_user()
        return self._member_of_user(request, user)  # type: ignore[attr-defined,no-any-return]

    def _service_principal(self, request: httpx.Request) -> httpx.Response:
        """``/servicePrincipals(appId='...')``: the application in the token's tenant and the app
        roles it defines (every role some person of the fake holds)."""
        tenant_id = self._application_tenant(request)
        if isinstance(tenant_id, httpx.Response):
            return tenant_id
        segment = request.url.path.split("/")[2]
        app_id = segment[len("servicePrincipals(appId=") :].rstrip(")").strip("'")
        if app_id != self.client_id:  # type: ignore[attr-defined]
            return graph_error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{app_id}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        values = sorted({role for user in self.users for role in user.roles})
        return httpx.Response(
            200,
            json={
                "@odata.context": f"https://{self.graph_host}/v1.0/$metadata#servicePrincipals"
                "(id,appRoles)/$entity",
                "id": self._service_principal_id(tenant_id),
                "appRoles": [
                    {
                        "allowedMemberTypes": ["User"],
                        "displayName": value,
                        "id": _app_role_id(value),
                        "isEnabled": True,
                        "value": value,
                    }
                    for value in values
                ],
            },
        )

    def _user_app_roles(self, request: httpx.Request) -> httpx.Response:
        """``/users/{id}/appRoleAssignments``: the person's app roles of this application
        (``$filter=resourceId eq ...`` honoured), all in one page."""
        tenant_id = self._application_tenant(request)
        if isinstance(tenant_id, httpx.Response):
            return tenant_id
        user = self._tenant_user(tenant_id, request.url.path.split("/")[3])
        if user is None:
            return _no_such_user()
        principal = self._service_principal_id(tenant_id)
        wanted = request.url.params.get("$filter", "")
        if wanted and wanted.replace(" ", "") != f"resourceIdeq{principal}":
            return httpx.Response(200, json={"@odata.context": "", "value": []})
        return httpx.Response(
            200,
            json={
                "@odata.context": f"https://{self.graph_host}/v1.0/$metadata#users('{user.graph_id}')"
                "/appRoleAssignments",
                "value": [
                    {
                        "id": secrets.token_urlsafe(16),
                        "appRoleId": _app_role_id(role),
                        "principalId": user.graph_id,
                        "principalType": "User",
                        "resourceId": principal,
                    }
                    for role in user.roles
                ],
            },
        )

    def _service_principal_id(self, tenant_id: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{tenant_id}:{self.client_id}"))  # type: ignore[attr-defined]

    def _users_delta(self, request: httpx.Request) -> httpx.Response:
        tenant_id = self._application_tenant(request)
        if isinstance(tenant_id, httpx.Response):
            return tenant_id
        params = request.url.params
        if "$deltatoken" in params or "$skiptoken" in params:
            try:
                state = json.loads(
                    base64.urlsafe_b64decode(params.get("$deltatoken") or params["$skiptoken"])
                )
            except (ValueError, KeyError):
                return graph_error(400, "BadRequest", "Invalid delta or skip token.")
            if state.get("t") != tenant_id:
                return graph_error(400, "BadRequest", "Invalid delta or skip token.")
            if state["g"] != self._delta_generation:
                if self._expired_delta_status == 410:
                    return graph_error(
                        410, "resyncRequired", "The delta token is no longer valid."
                    )
                return graph_error(
                    400,
                    "syncStateNotFound",
                    "The sync state generation is not found. The delta token is expired and "
                    "data must be synchronized again.",
                )
            if "$deltatoken" in params:
                state = {**state, "since": state["upto"], "upto": self._directory_version, "at": 0}
        else:
            select = params.get("$select", "")
            state = {
                "t": tenant_id,
                "g": self._delta_generation,
                "since": None,
                "upto": self._directory_version,
                "at": 0,
                "select": [name.strip() for name in select.split(",") if name.strip()],
            }
        return self._delta_page(state)

    def _delta_page(self, state: dict[str, Any]) -> httpx.Response:
        since, upto, at = state["since"], state["upto"], state["at"]
        tenant_id = state["t"]
        values: list[dict[str, Any]] = []
        total = len(self.users) + len(self.deleted_users)
        while at < total and len(values) < self.delta_page_size:
            if at < len(self.users):
                user = self.users[at]
                if user.tenant_id == tenant_id and (
                    since is None or since < user.changed_version <= upto
                ):
                    values.append(self._delta_user(user, state["select"]))
            else:
                deleted = self.deleted_users[at - len(self.users)]
                if (
                    since is not None
                    and deleted.user.tenant_id == tenant_id
                    and since < deleted.version <= upto
                ):
                    values.append(
                        {
                            "@odata.type": "#microsoft.graph.user",
                            "id": deleted.user.graph_id,
                            "@removed": {
                                "reason": "deleted" if deleted.permanently else "changed"
                            },
                        }
                    )
            at += 1
        body: dict[str, Any] = {
            "@odata.context": f"https://{self.graph_host}/v1.0/$metadata#users",
            "value": values,
        }
        root = f"https://{self.graph_host}/v1.0/users/delta"
        if at < total:
            body["@odata.nextLink"] = f"{root}?$skiptoken={_encode({**state, 'at': at})}"
        else:
            body["@odata.deltaLink"] = f"{root}?$deltatoken={_encode({**state, 'at': 0})}"
        return httpx.Response(200, json=body)

    @staticmethod
    def _delta_user(user: MicrosoftUser, select: list[str]) -> dict[str, Any]:
        whole = {**user.graph_me(), "accountEnabled": user.account_enabled}
        fields = select or list(whole)
        return {"id": user.graph_id, **{name: whole.get(name) for name in fields}}


def _app_role_id(value: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"app-role:{value}"))


def _no_such_user() -> httpx.Response:
    return graph_error(
        404,
        "Request_ResourceNotFound",
        "Resource does not exist or one of its queried reference-property objects are not present.",
    )


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()
