"""APIs protected by Entra access tokens: the caller's Django user, their permissions, the
decorator for plain views, and tokens for downstream APIs on the caller's behalf.

``access_tokens`` validates the token; this module maps it to the person the web sign-in knows,
by (``tid``, ``oid``) through the same link table, and checks what a view requires. The
integrations (``rest_framework``, ``ninja``) call ``authenticate`` and turn ``BearerError``
into their own answers. Nothing here asks Microsoft, but ``on_behalf_of``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from django_microsoft_sso import client, discovery, linking, tenants
from django_microsoft_sso.access_tokens import (
    INSUFFICIENT,
    USER_REFUSED,
    BearerError,
    MicrosoftAccessToken,
    audiences,
    bearer_token,
    validate_access_token,
)
from django_microsoft_sso.adapter import get_adapter
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.domains import verify_domain
from django_microsoft_sso.exceptions import LoginError, OnBehalfOfError
from django_microsoft_sso.facts import PersonFacts
from django_microsoft_sso.graph import MicrosoftProfile
from django_microsoft_sso.logs import log
from django_microsoft_sso.tokens import MicrosoftIdentity
from django_microsoft_sso.users import UserSync

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = [
    "BearerError",
    "MicrosoftAccessToken",
    "OnBehalfOfError",
    "audiences",
    "authenticate",
    "bearer_token",
    "microsoft_token_required",
    "on_behalf_of",
    "require",
    "user_for",
    "validate_access_token",
]

View = TypeVar("View", bound=Callable[..., Any])


def user_for(
    request: HttpRequest, access: MicrosoftAccessToken
) -> AbstractBaseUser | AnonymousUser:
    """The Django user the token speaks for; an app-only caller is no user (anonymous).

    A person is the user the web sign-in linked to (``tid``, ``oid``). One who never signed in
    is refused, or with ``MICROSOFT_SSO_API_CREATE_USERS`` created from the token's claims under
    the tenant and domain rules of a web sign-in (no Graph request). An inactive user is refused.
    """
    sso = Settings(request)
    if access.is_app_only:
        allowed = {str(app).lower() for app in sso.api_allowed_client_apps or []}
        if access.client_app_id not in allowed:
            raise BearerError(
                401,
                "invalid_token",
                USER_REFUSED,
                f"client app {access.client_app_id} not in MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS",
            )
        return AnonymousUser()
    assert access.object_id is not None  # a delegated token has one (access_tokens)
    identity = MicrosoftIdentity(access.tenant_id, access.object_id, access.claims)
    try:
        link = linking.find_link(sso, identity)
        if link is not None:
            user: AbstractBaseUser = link.user
        elif sso.api_create_users:
            user = create_user(request, sso, identity)
        else:
            raise BearerError(
                401,
                "invalid_token",
                USER_REFUSED,
                f"person {identity.object_id} never signed in and API_CREATE_USERS is off",
            )
    except LoginError as error:
        raise BearerError(401, "invalid_token", USER_REFUSED, error.detail) from error
    except ImproperlyConfigured as error:
        raise BearerError(401, "invalid_token", USER_REFUSED, str(error)[:200]) from error
    if not user.is_active:
        raise BearerError(401, "invalid_token", USER_REFUSED, f"user {user.pk} inactive")
    return user


def create_user(
    request: HttpRequest, sso: Settings, identity: MicrosoftIdentity
) -> AbstractBaseUser:
    """A first API call: the user a first web sign-in would get, from the token's claims."""
    metadata = discovery.tenant_metadata(sso)
    _allowed, trusted = tenants.allowed_and_trusted(sso.allowed_tenants, metadata.tenant_id)
    profile = profile_of(identity)
    facts = PersonFacts(
        identity, profile.user_principal_name or "", profile.mail, identity.tenant_id in trusted
    )
    if not facts.user_principal_name:
        raise BearerError(
            401, "invalid_token", USER_REFUSED, "token names no user principal name to create"
        )
    verify_domain(sso, facts)
    adapter = get_adapter()
    if not adapter.may_sign_in(request, profile):
        raise BearerError(401, "invalid_token", USER_REFUSED, "adapter may_sign_in refused")
    sync = UserSync(sso, request, adapter)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return sync.sync(facts, profile, None).user
        except IntegrityError:
            # A concurrent first call (or sign-in) of the same person created them first.
            link = linking.find_link(sso, identity)
            if link is not None:
                return cast("AbstractBaseUser", link.user)
    raise BearerError(401, "invalid_token", USER_REFUSED, "user could not be created")


def profile_of(identity: MicrosoftIdentity) -> MicrosoftProfile:
    """What a Graph ``/me`` would say, from the token's claims (v2 and v1 names)."""
    claims = identity.claims

    def text(*names: str) -> str | None:
        for name in names:
            value = claims.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    return MicrosoftProfile(
        {
            "id": identity.object_id,
            "userPrincipalName": text("preferred_username", "upn", "unique_name"),
            "mail": text("email"),
            "givenName": text("given_name"),
            "surname": text("family_name"),
            "displayName": text("name"),
        }
    )


def require(
    access: MicrosoftAccessToken,
    scopes: Iterable[str] = (),
    app_roles: Iterable[str] = (),
    *,
    request: HttpRequest | None = None,
) -> None:
    """Refuse (403 ``insufficient_scope``) unless the token has every scope and every role.

    App roles count only from tenants whose roles the project trusts (the authority's own and
    ``MICROSOFT_SSO_MAPPING_TENANTS``, as for the group mapping): the administrator of any other
    tenant could assign them to anyone.
    """
    missing_scopes = set(scopes) - access.scopes
    if missing_scopes:
        raise BearerError(
            403, "insufficient_scope", INSUFFICIENT, f"missing scopes {sorted(missing_scopes)}"
        )
    wanted_roles = set(app_roles)
    if not wanted_roles:
        return
    sso = Settings(request)
    trusted = tenants.mapping_tenants(
        sso.mapping_tenants, discovery.tenant_metadata(sso).tenant_id
    )
    if access.tenant_id not in trusted:
        raise BearerError(
            403,
            "insufficient_scope",
            INSUFFICIENT,
            f"roles of tenant {access.tenant_id} do not count (MICROSOFT_SSO_MAPPING_TENANTS)",
        )
    missing_roles = wanted_roles - access.roles
    if missing_roles:
        raise BearerError(
            403, "insufficient_scope", INSUFFICIENT, f"missing roles {sorted(missing_roles)}"
        )


def authenticate(
    request: HttpRequest, *, scopes: Iterable[str] = (), app_roles: Iterable[str] = ()
) -> tuple[AbstractBaseUser | AnonymousUser, MicrosoftAccessToken] | None:
    """(user, token) of the request's bearer token; None when it has no Authorization header.

    Raises ``BearerError``; the refusal is logged (its reason, never the token).
    """
    try:
        token = bearer_token(request)
        if token is None:
            return None
        access = validate_access_token(token, request)
        user = user_for(request, access)
        require(access, scopes, app_roles, request=request)
    except BearerError as error:
        log(
            Settings(request),
            "WARNING",
            "API request refused ({} {}): {}",
            error.status,
            error.error or "no token",
            error.reason,
        )
        raise
    return user, access


def refusal_response(error: BearerError) -> HttpResponse:
    """RFC 6750's answer: the status, ``WWW-Authenticate`` and, for a bad token, a JSON body."""
    body: dict[str, Any] = {}
    if error.error is not None:
        body = {"error": error.error, "error_description": error.description}
    response = JsonResponse(body, status=error.status)
    if error.status in (401, 403):
        response["WWW-Authenticate"] = error.www_authenticate()
    return response


def on_behalf_of_response(error: OnBehalfOfError) -> HttpResponse:
    body = {"error": "downstream_token_unavailable"}
    return JsonResponse(body, status=error.status)


def _authenticated(
    request: HttpRequest, scopes: tuple[str, ...], app_roles: tuple[str, ...]
) -> HttpResponse | None:
    """Set ``request.user`` and ``request.auth``; or the refusal to answer with."""
    try:
        found = authenticate(request, scopes=scopes, app_roles=app_roles)
    except BearerError as error:
        return refusal_response(error)
    if found is None:
        return refusal_response(BearerError(401, None, "", "no bearer token"))
    request.user, request.auth = found  # type: ignore[attr-defined,assignment]
    return None


def _log_on_behalf_of(request: HttpRequest, error: OnBehalfOfError) -> None:
    log(Settings(request), "WARNING", "On-behalf-of token refused: {}", error.reason)


def microsoft_token_required(
    view: View | None = None,
    *,
    scopes: Iterable[str] = (),
    app_roles: Iterable[str] = (),
) -> Any:
    """Protect a plain Django view (sync or async) with a Microsoft access token.

    ``@microsoft_token_required`` or ``@microsoft_token_required(scopes=[...], app_roles=[...])``.
    The view runs with ``request.user`` (the person's user, or anonymous for an app) and
    ``request.auth`` (the ``MicrosoftAccessToken``); otherwise the answer is RFC 6750's (401,
    403). An ``OnBehalfOfError`` the view lets through becomes a 502 or 503.
    """
    wanted_scopes, wanted_roles = tuple(scopes), tuple(app_roles)

    def decorate(function: View) -> View:
        if iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refused = await sync_to_async(_authenticated)(request, wanted_scopes, wanted_roles)
                if refused is not None:
                    return refused
                try:
                    return await function(request, *args, **kwargs)
                except OnBehalfOfError as error:
                    _log_on_behalf_of(request, error)
                    return on_behalf_of_response(error)

            return cast(View, async_view)

        @functools.wraps(function)
        def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = _authenticated(request, wanted_scopes, wanted_roles)
            if refused is not None:
                return refused
            try:
                return function(request, *args, **kwargs)
            except OnBehalfOfError as error:
                _log_on_behalf_of(request, error)
                return on_behalf_of_response(error)

        return cast(View, sync_view)

    if view is not None:
        return decorate(view)
    return decorate


def on_behalf_of(request: HttpRequest, scopes: Iterable[str]) -> str:
    """An access token for a downstream API (``scopes``), for the caller of this request.

    Needs ``request.auth``, the caller's validated delegated token (set by the decorator and
    the integrations). Through msal's on-behalf-of flow, kept until shortly before it expires.
    Raises ``OnBehalfOfError`` (status 502 or 503) when Microsoft gives none.
    """
    access = getattr(request, "auth", None)
    if not isinstance(access, MicrosoftAccessToken):
        raise OnBehalfOfError(502, None, "on_behalf_of: request.auth is no Microsoft token")
    if access.is_app_only:
        raise OnBehalfOfError(502, None, "on_behalf_of: an app-only token has no person")
    return client.on_behalf_of(Settings(request), access.token, list(scopes))
