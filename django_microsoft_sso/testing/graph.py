"""The fake's Microsoft Graph: ``/me``, the photo, group memberships and ``$batch``."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from django_microsoft_sso.testing.directory import MicrosoftUser
from django_microsoft_sso.testing.wire import graph_error

PHOTO_SIZES = frozenset(f"{n}x{n}" for n in (48, 64, 96, 120, 240, 360, 432, 504, 648))


class Graph:
    """Graph's answers for the person an access token was issued to."""

    graph_host: str
    groups: dict[str, str]
    groups_page_size: int
    batch_calls: list[tuple[str, httpx.Request]]
    _access_tokens: dict[str, tuple[MicrosoftUser, float]]

    if TYPE_CHECKING:

        def _route(
            self, request: httpx.Request
        ) -> tuple[str, Callable[[httpx.Request], httpx.Response]]: ...

        def _respond(self, request: httpx.Request) -> httpx.Response: ...

    def _graph_user(self, request: httpx.Request) -> MicrosoftUser | httpx.Response:
        authorization = request.headers.get("Authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        found = self._access_tokens.get(token)
        if found is None or found[1] < time.time():
            return graph_error(
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
                    return graph_error(
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
            return graph_error(404, "ImageNotFound", "The photo wasn't found.")
        if user.photo is None:
            return graph_error(
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
        return self._member_of_user(request, user)

    def _member_of_user(self, request: httpx.Request, user: MicrosoftUser) -> httpx.Response:
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
            return graph_error(400, "BadRequest", "Invalid $top or $skiptoken.")
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
            return graph_error(400, "BadRequest", "Invalid JSON body.")
        if request.url.path.endswith("/checkMemberGroups"):
            asked = body.get("groupIds") if isinstance(body, dict) else None
            if not isinstance(asked, list):
                return graph_error(400, "BadRequest", "groupIds is required.")
            found = [group_id for group_id in asked if group_id in user.groups]
        else:
            found = list(user.groups)
        context = f"https://{self.graph_host}/v1.0/$metadata#Collection(Edm.String)"
        return httpx.Response(200, json={"@odata.context": context, "value": found})

    def _batch(self, request: httpx.Request) -> httpx.Response:
        try:
            items = json.loads(request.content)["requests"]
        except (ValueError, KeyError, TypeError):
            return graph_error(400, "BadRequest", "Invalid batch payload format.")
        if not isinstance(items, list) or len(items) > 20:
            return graph_error(
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
                result = graph_error(503, "serviceNotAvailable", "Service unavailable.")
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
        return graph_error(
            400, "BadRequest", f"Resource not found for the segment '{request.url.path}'."
        )
