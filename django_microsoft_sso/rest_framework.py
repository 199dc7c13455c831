"""Django REST framework: Microsoft Entra access tokens as DRF authentication and permissions.

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "django_microsoft_sso.rest_framework.MicrosoftTokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
    }

    class MeView(APIView):
        permission_classes = [HasScopes]
        required_scopes = ["access_as_user"]

``request.user`` is the Django user the web sign-in uses (anonymous for an app-only caller) and
``request.auth`` the validated ``MicrosoftAccessToken``. Install with
``pip install django-microsoft-sso[drf]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from django_microsoft_sso import api
from django_microsoft_sso.api import BearerError, MicrosoftAccessToken

__all__ = ["HasAppRoles", "HasScopes", "MicrosoftTokenAuthentication"]

# Where the refusal of this request waits for ``authenticate_header``, which DRF calls later.
_ERROR_ATTRIBUTE = "_microsoft_bearer_error"


class MicrosoftTokenAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Bearer <Microsoft access token>``.

    Without a Bearer header it answers None, so that the classes after it may try. A token that
    is there but not good ends the request with 401 ``error="invalid_token"``.
    """

    def authenticate(self, request: Request) -> tuple[Any, MicrosoftAccessToken] | None:
        if not has_bearer_scheme(request):
            return None
        try:
            outcome = api.authenticate(request._request)
        except BearerError as error:
            raise drf_exception(request, error) from None
        if outcome is None:
            return None
        user, access = outcome
        return user, access

    def authenticate_header(self, request: Request) -> str:
        error: BearerError | None = getattr(request, _ERROR_ATTRIBUTE, None)
        return error.www_authenticate() if error is not None else "Bearer"


def has_bearer_scheme(request: Request) -> bool:
    """Whether the Authorization header is ours: another scheme belongs to another class."""
    header: str = request._request.headers.get("Authorization", "")
    return header.split(" ", 1)[0].strip().lower() == "bearer"


def drf_exception(request: Request, error: BearerError) -> exceptions.APIException:
    """The DRF exception that answers ``error`` with its status and ``WWW-Authenticate``."""
    if error.status == 401:
        # DRF sets the header of a 401 from ``authenticate_header``, which reads this.
        setattr(request, _ERROR_ATTRIBUTE, error)
        return exceptions.AuthenticationFailed(error.description)
    if error.status == 403:
        return InsufficientScope(error)
    return MicrosoftUnavailable(error)


class InsufficientScope(exceptions.PermissionDenied):
    """403 with ``WWW-Authenticate: Bearer error="insufficient_scope"``.

    DRF's exception handler copies ``auth_header`` into ``WWW-Authenticate``.
    """

    def __init__(self, error: BearerError) -> None:
        super().__init__(error.description)
        self.auth_header = error.www_authenticate()


class MicrosoftUnavailable(exceptions.APIException):
    """The token could not be checked now (Microsoft's signing keys out of reach): try later."""

    status_code = 503

    def __init__(self, error: BearerError) -> None:
        super().__init__(error.description)
        self.status_code = error.status


class _RequiresClaims(BasePermission):
    """Let in a Microsoft access token that holds what the view requires."""

    def required(self, view: Any) -> tuple[Iterable[str], Iterable[str]]:
        raise NotImplementedError

    def has_permission(self, request: Request, view: Any) -> bool:
        access = request.auth
        if not isinstance(access, MicrosoftAccessToken):
            # Not a Microsoft bearer: DRF answers 401 when nobody authenticated, else 403.
            return False
        scopes, app_roles = self.required(view)
        try:
            api.require(
                access, scopes=tuple(scopes), app_roles=tuple(app_roles), request=request._request
            )
        except BearerError as error:
            raise drf_exception(request, error) from None
        return True


def view_attribute(view: Any, name: str, permission: str) -> Iterable[str]:
    """The names a view requires; a view that forgot them would let any token in."""
    names: Iterable[str] | None = getattr(view, name, None)
    if names is None:
        raise ImproperlyConfigured(
            f"{type(view).__name__} uses {permission} and must set {name} (a list of names)."
        )
    if isinstance(names, str):
        return names.split()
    return names


class HasScopes(_RequiresClaims):
    """The token's delegated scopes (``scp``) hold every name in the view's ``required_scopes``."""

    def required(self, view: Any) -> tuple[Iterable[str], Iterable[str]]:
        return view_attribute(view, "required_scopes", "HasScopes"), ()


class HasAppRoles(_RequiresClaims):
    """The token's ``roles`` hold every name in the view's ``required_app_roles``."""

    def required(self, view: Any) -> tuple[Iterable[str], Iterable[str]]:
        return (), view_attribute(view, "required_app_roles", "HasAppRoles")
