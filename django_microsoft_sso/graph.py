"""Microsoft Graph: the person's profile and picture, in one ``$batch`` round trip; the
directory's people, page by page, for the directory sync."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from django_microsoft_sso import transport
from django_microsoft_sso.exceptions import GraphError

# Graph of the global cloud; ``MICROSOFT_SSO_CLOUD`` chooses another (``clouds.Cloud.graph_root``).
GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
# The /me fields the package itself uses; a project's hook gets the whole object instead.
PROFILE_FIELDS = (
    "id",
    "userPrincipalName",
    "mail",
    "givenName",
    "surname",
    "displayName",
    "preferredLanguage",
)
PHOTO_SIZE = "96x96"
# Image signatures accepted as a picture: JPEG, PNG, GIF, WebP (RIFF…WEBP).
_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Beyond the picture, a batch answer for one person is a few kilobytes; this leaves room for
# absurdly long fields (cut to the columns later) while the memory a sign-in uses stays bounded.
_BATCH_OVERHEAD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class MicrosoftProfile:
    """The Graph ``/me`` object of the person who signed in, and their picture when they have one."""

    user_info: dict[str, Any]
    picture: bytes | None = field(default=None, repr=False)

    def text(self, key: str, max_length: int | None = None) -> str | None:
        """A string field of ``/me``, or None when it is missing, empty or not a string."""
        value = self.user_info.get(key)
        if not isinstance(value, str) or not value.strip():
            return None
        value = value.strip()
        return value[:max_length] if max_length else value

    @property
    def object_id(self) -> str | None:
        value = self.text("id")
        return value.lower() if value else None

    @property
    def user_principal_name(self) -> str | None:
        return self.text("userPrincipalName")

    @property
    def mail(self) -> str | None:
        return self.text("mail")


def fetch_profile(
    access_token: str,
    *,
    full_profile: bool,
    timeout: float,
    max_picture_bytes: int,
    graph_root: str = GRAPH_ROOT,
) -> MicrosoftProfile:
    """Fetch ``/me`` and the 96x96 photo in one ``$batch`` request.

    ``full_profile`` asks for every default ``/me`` field (a project hook reads them); otherwise
    only the fields the package uses. A missing photo is no error; a missing profile is.
    """
    me_url = "/me" if full_profile else "/me?$select=" + ",".join(PROFILE_FIELDS)
    body = {
        "requests": [
            {"id": "me", "method": "GET", "url": me_url},
            {"id": "photo", "method": "GET", "url": f"/me/photos/{PHOTO_SIZE}/$value"},
        ]
    }
    limit = max_picture_bytes * 2 + _BATCH_OVERHEAD_BYTES
    try:
        answer = _request_json(
            "POST", f"{graph_root}/$batch", access_token, timeout, limit, body=body
        )
    except _AnswerTooLargeError:
        # Only an oversized picture makes the answer this large: read the profile alone.
        me_alone = _request_json(
            "GET", graph_root + me_url, access_token, timeout, _BATCH_OVERHEAD_BYTES
        )
        return _profile(me_alone, picture=None)
    responses = answer.get("responses")
    if not isinstance(responses, list):
        raise GraphError("graph: $batch answer has no responses")
    by_id = {item.get("id"): item for item in responses if isinstance(item, dict)}

    me = by_id.get("me") or {}
    if me.get("status") != 200 or not isinstance(me.get("body"), dict):
        raise GraphError(f"graph: /me answered {me.get('status')!r}")
    return _profile(me["body"], _picture(by_id.get("photo") or {}, max_picture_bytes))


def _profile(user_info: dict[str, Any], picture: bytes | None) -> MicrosoftProfile:
    profile = MicrosoftProfile(user_info=user_info, picture=picture)
    if not profile.object_id:
        raise GraphError("graph: /me has no id")
    if not profile.user_principal_name:
        raise GraphError("graph: /me has no userPrincipalName")
    return profile


def _picture(answer: dict[str, Any], max_bytes: int) -> bytes | None:
    """Decode the photo part of a batch answer; anything odd means no picture, not a failure."""
    body = answer.get("body")
    if answer.get("status") != 200 or not isinstance(body, str):
        return None
    if len(body) > (max_bytes * 4) // 3 + 4:
        return None
    try:
        picture = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(picture) > max_bytes or image_type(picture) is None:
        return None
    return picture


def image_type(data: bytes) -> str | None:
    """The content type of ``data`` by its first bytes: PNG, JPEG, GIF or WebP; else None."""
    for magic, content_type in _IMAGE_TYPES:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class _AnswerTooLargeError(GraphError):
    """Graph's answer was cut off at the size limit."""


class GraphStatusError(GraphError):
    """Graph answered with an HTTP error: its status, error code and ``Retry-After``."""

    def __init__(self, detail: str, status: int, code: str, retry_after: str | None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.retry_after = retry_after


# An error answer is a small JSON object; more than this is not read.
_ERROR_BYTES = 64 * 1024


def _error_code(content: bytes) -> str:
    """Graph's ``error.code`` of an error answer, or an empty string."""
    try:
        document = json.loads(content)
    except ValueError:
        return ""
    error = document.get("error") if isinstance(document, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code[:60] if isinstance(code, str) else ""


def _request_json(
    method: str,
    url: str,
    access_token: str,
    timeout: float,
    limit: int,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Graph's JSON answer, read as it arrives: at most ``limit`` bytes, and no read started
    after ``timeout`` seconds, however slowly the answer trickles in (each read has that limit).
    """
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    deadline = time.monotonic() + timeout
    try:
        with transport.http_client().stream(
            method, url, json=body, headers=headers, timeout=timeout
        ) as response:
            if response.status_code != 200:
                retry = response.headers.get("Retry-After")
                suffix = f" (Retry-After {retry[:10]})" if retry else ""
                error_answer = bytearray()
                for chunk in response.iter_bytes():
                    error_answer += chunk
                    if len(error_answer) > _ERROR_BYTES:
                        break
                code = _error_code(bytes(error_answer))
                shown = f" {code}" if code else ""
                raise GraphStatusError(
                    f"graph: HTTP {response.status_code}{shown}{suffix}",
                    response.status_code,
                    code,
                    retry,
                )
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > limit:
                    raise _AnswerTooLargeError(f"graph: answer larger than {limit} bytes")
                if time.monotonic() > deadline:
                    raise GraphError(f"graph: answer took longer than {timeout} s")
    except httpx.HTTPError as error:
        raise GraphError(f"graph: {type(error).__name__}") from error
    try:
        document = json.loads(bytes(content))
    except ValueError as error:
        raise GraphError("graph: answer is not JSON") from error
    if not isinstance(document, dict):
        raise GraphError("graph: answer is not a JSON object")
    return document


# Entra returns at most 999 directory objects a page; 10 pages cover anyone's groups.
GROUPS_PAGE_SIZE = 999
_GROUPS_PAGE_BYTES = 4 * 1024 * 1024


def fetch_group_ids(
    access_token: str, *, timeout: float, max_pages: int, graph_root: str = GRAPH_ROOT
) -> set[str]:
    """The object ids of every group the person belongs to, directly or through other groups.

    Reads ``/me/transitiveMemberOf`` page after page (``@odata.nextLink``), at most
    ``max_pages`` pages: a longer list is an error rather than a partial answer, since a
    partial answer would take groups away. A next link must stay on the Graph host the first
    page came from, so that the access token goes nowhere else.
    """
    root = graph_root
    url: str | None = f"{root}/me/transitiveMemberOf?$select=id&$top={GROUPS_PAGE_SIZE}"
    found: set[str] = set()
    for _page in range(max(1, max_pages)):
        assert url is not None
        answer = _request_json("GET", url, access_token, timeout, _GROUPS_PAGE_BYTES)
        items = answer.get("value")
        if not isinstance(items, list):
            raise GraphError("graph: transitiveMemberOf answer has no value")
        for item in items:
            if (
                isinstance(item, dict)
                and item.get("@odata.type") == "#microsoft.graph.group"
                and isinstance(item.get("id"), str)
            ):
                found.add(item["id"].lower())
        url = answer.get("@odata.nextLink")
        if url is None:
            return found
        if not isinstance(url, str) or not url.startswith(root + "/"):
            raise GraphError("graph: transitiveMemberOf next link leaves Graph")
    raise GraphError(f"graph: more than {max_pages} pages of groups")


# The user fields the directory sync reads: who they are, whether they may sign in, and what a
# sign-in would write to the Django user.
DELTA_FIELDS = (
    "id",
    "accountEnabled",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
)
# A page of /users/delta holds at most a few hundred people of a few hundred bytes each.
_DELTA_PAGE_BYTES = 16 * 1024 * 1024
# Graph's answers worth asking again: throttled, or briefly unavailable.
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# The longest a Retry-After holds a directory read back, and the wait without one (doubling).
MAX_DELTA_WAIT = 300
_FIRST_BACKOFF = 1.0


class DeltaLinkExpiredError(GraphError):
    """Graph no longer knows the delta link: the directory must be read whole again."""


class DirectoryPermissionError(GraphError):
    """Graph refused to list the directory's people: the application lacks the permission."""


@dataclass(frozen=True)
class DeltaPage:
    """One page of ``/users/delta``: its people, and on the last page the link to changes."""

    users: list[dict[str, Any]]
    delta_link: str | None


def read_user_delta(
    access_token: Callable[[], str],
    *,
    delta_link: str | None,
    timeout: float,
    graph_root: str = GRAPH_ROOT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[DeltaPage]:
    """The directory's people, one page of ``/users/delta`` at a time.

    From ``delta_link`` only the changes since the run that got it; without one, everyone.
    Only one page is held at a time. A page that meets throttling (429 and ``Retry-After``), a
    5xx or a network fault is asked again, at most ``retries`` times; then ``GraphError``.
    ``DeltaLinkExpiredError`` when Graph no longer knows ``delta_link``;
    ``DirectoryPermissionError`` when the application may not read users. Each link must stay
    on the Graph host, so that the token goes nowhere else.
    """
    url: str | None = delta_link or (f"{graph_root}/users/delta?$select=" + ",".join(DELTA_FIELDS))
    while url is not None:
        if not url.startswith(graph_root + "/"):
            raise GraphError("graph: users/delta link leaves Graph")
        answer = _get_with_retries(access_token, url, timeout, retries, sleep)
        users = answer.get("value")
        if not isinstance(users, list):
            raise GraphError("graph: users/delta answer has no value")
        next_link = answer.get("@odata.nextLink")
        if next_link is not None:
            if not isinstance(next_link, str):
                raise GraphError("graph: users/delta next link is not a string")
            yield DeltaPage([user for user in users if isinstance(user, dict)], None)
            url = next_link
            continue
        last_link = answer.get("@odata.deltaLink")
        if not isinstance(last_link, str) or not last_link.startswith(graph_root + "/"):
            raise GraphError("graph: users/delta last page has no delta link")
        yield DeltaPage([user for user in users if isinstance(user, dict)], last_link)
        url = None


def fetch_directory_user(
    access_token: Callable[[], str],
    object_id: str,
    *,
    timeout: float,
    graph_root: str = GRAPH_ROOT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any] | None:
    """One person of the directory (``/users/{id}``, the fields of ``DELTA_FIELDS``), or None
    when Graph says there is no such person (deleted). Retries as ``read_user_delta`` does."""
    url = f"{graph_root}/users/{quote(object_id, safe='')}?$select=" + ",".join(DELTA_FIELDS)
    try:
        return _get_with_retries(access_token, url, timeout, retries, sleep)
    except GraphStatusError as error:
        if error.status == 404:
            return None
        raise


def _get_with_retries(
    access_token: Callable[[], str],
    url: str,
    timeout: float,
    retries: int,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    backoff = _FIRST_BACKOFF
    for attempt in range(retries + 1):
        try:
            return _request_json("GET", url, access_token(), timeout, _DELTA_PAGE_BYTES)
        except GraphStatusError as error:
            if error.status == 403:
                raise DirectoryPermissionError(error.detail) from error
            if error.status == 410 or error.code in ("syncStateNotFound", "resyncRequired"):
                raise DeltaLinkExpiredError(error.detail) from error
            if error.status not in _TRANSIENT_STATUSES or attempt == retries:
                raise
            wait = _retry_after(error.retry_after)
            sleep(backoff if wait is None else wait)
        except _AnswerTooLargeError:
            raise
        except GraphError:
            # A network fault or a garbled answer: the same page may well come whole next time.
            if attempt == retries:
                raise
            sleep(backoff)
        backoff *= 2
    raise GraphError("graph: retries exhausted")  # pragma: no cover


def _retry_after(value: str | None) -> float | None:
    """Graph's ``Retry-After`` in seconds (it sends whole seconds), at most ``MAX_DELTA_WAIT``."""
    if value is None or not value.strip().isdigit():
        return None
    return float(min(int(value.strip()), MAX_DELTA_WAIT))


# -- a person's groups and app roles, read with the application's token (``--update``) --------
#
# Shapes as Microsoft's Graph reference gives them: an appRoleAssignment carries ``appRoleId``
# (the id of an app role in the ``appRoles`` of the resource's service principal) and
# ``resourceId`` (that service principal's id); an appRole carries ``id`` and ``value``, the
# value being what a token's ``roles`` claim holds ("appRoleAssignment resource type" and
# "appRole resource type", learn.microsoft.com/graph/api/resources/approleassignment and
# .../resources/approle).


def _paged_values(
    access_token: Callable[[], str],
    url: str,
    *,
    what: str,
    timeout: float,
    max_pages: int,
    graph_root: str,
    retries: int,
    sleep: Callable[[float], None],
) -> Iterator[dict[str, Any]]:
    """The items of a paged Graph list; more than ``max_pages`` pages is an error, since a
    partial list would take groups or roles away. Next links must stay on the Graph host."""
    next_url: str | None = url
    for _page in range(max(1, max_pages)):
        assert next_url is not None
        answer = _get_with_retries(access_token, next_url, timeout, retries, sleep)
        items = answer.get("value")
        if not isinstance(items, list):
            raise GraphError(f"graph: {what} answer has no value")
        yield from (item for item in items if isinstance(item, dict))
        next_url = answer.get("@odata.nextLink")
        if next_url is None:
            return
        if not isinstance(next_url, str) or not next_url.startswith(graph_root + "/"):
            raise GraphError(f"graph: {what} next link leaves Graph")
    raise GraphError(f"graph: more than {max_pages} pages of {what}")


def fetch_user_group_ids(
    access_token: Callable[[], str],
    object_id: str,
    *,
    timeout: float,
    max_pages: int,
    graph_root: str = GRAPH_ROOT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> set[str]:
    """The ids (lower case) of every group ``object_id`` belongs to, directly or not."""
    url = (
        f"{graph_root}/users/{quote(object_id, safe='')}/transitiveMemberOf/"
        f"microsoft.graph.group?$select=id&$top={GROUPS_PAGE_SIZE}"
    )
    found = set()
    for item in _paged_values(
        access_token,
        url,
        what="transitiveMemberOf",
        timeout=timeout,
        max_pages=max_pages,
        graph_root=graph_root,
        retries=retries,
        sleep=sleep,
    ):
        kind = item.get("@odata.type", "#microsoft.graph.group")
        if kind == "#microsoft.graph.group" and isinstance(item.get("id"), str):
            found.add(item["id"].lower())
    return found


@dataclass(frozen=True)
class ApplicationRoles:
    """The application's service principal in one tenant and its app roles (id -> value)."""

    service_principal_id: str
    values: dict[str, str]


def fetch_application_roles(
    access_token: Callable[[], str],
    application_id: str,
    *,
    timeout: float,
    graph_root: str = GRAPH_ROOT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplicationRoles:
    """The service principal of ``application_id`` in the token's tenant, with its app roles."""
    url = (
        f"{graph_root}/servicePrincipals(appId='{quote(application_id, safe='')}')"
        "?$select=id,appRoles"
    )
    answer = _get_with_retries(access_token, url, timeout, retries, sleep)
    principal_id = answer.get("id")
    roles = answer.get("appRoles")
    if not isinstance(principal_id, str) or not isinstance(roles, list):
        raise GraphError("graph: servicePrincipal answer has no id or appRoles")
    values = {
        role["id"].lower(): role["value"]
        for role in roles
        if isinstance(role, dict)
        and isinstance(role.get("id"), str)
        and isinstance(role.get("value"), str)
        and role["value"]
    }
    return ApplicationRoles(principal_id.lower(), values)


def fetch_user_roles(
    access_token: Callable[[], str],
    object_id: str,
    application: ApplicationRoles,
    *,
    timeout: float,
    max_pages: int,
    graph_root: str = GRAPH_ROOT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> set[str]:
    """The values of the app roles of this application assigned to ``object_id``.

    Assignments to other applications' service principals are ignored, as is the default
    access assignment (an ``appRoleId`` of zeros, which no app role has).
    """
    principal = application.service_principal_id
    url = (
        f"{graph_root}/users/{quote(object_id, safe='')}/appRoleAssignments"
        f"?$filter=resourceId eq {quote(principal, safe='')}&$select=appRoleId,resourceId"
    )
    found = set()
    for item in _paged_values(
        access_token,
        url,
        what="appRoleAssignments",
        timeout=timeout,
        max_pages=max_pages,
        graph_root=graph_root,
        retries=retries,
        sleep=sleep,
    ):
        resource, role_id = item.get("resourceId"), item.get("appRoleId")
        if not isinstance(resource, str) or resource.lower() != principal:
            continue
        value = application.values.get(role_id.lower()) if isinstance(role_id, str) else None
        if value is not None:
            found.add(value)
    return found
