"""django-ninja: Microsoft Entra access tokens as a ninja ``HttpBearer`` auth.

    from ninja import NinjaAPI
    from django_microsoft_sso.ninja import MicrosoftBearer, add_bearer_error_handlers

    api = NinjaAPI(auth=MicrosoftBearer(scopes=["access_as_user"]))
    add_bearer_error_handlers(api)   # the WWW-Authenticate header of RFC 6750 on 401 and 403

    @api.get("/me")
    def me(request):
        return {"scopes": sorted(request.auth.scopes)}

``request.auth`` is the validated ``MicrosoftAccessToken`` and ``request.user`` the Django user of
the web sign-in (anonymous for an app-only caller). Install with
``pip install django-microsoft-sso[ninja]``.

ninja turns an auth's exception into a response through the handlers of the ``NinjaAPI``, and
its own handlers set no header: without ``add_bearer_error_handlers`` a client still gets 401
and 403 with ``{"detail": ...}``, only not the ``WWW-Authenticate`` header.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security import HttpBearer

from django_microsoft_sso import api
from django_microsoft_sso.api import BearerError, MicrosoftAccessToken

__all__ = [
    "MicrosoftBearer",
    "MicrosoftBearerError",
    "MicrosoftForbidden",
    "MicrosoftUnauthorized",
    "add_bearer_error_handlers",
]

# Set on a request that reached a MicrosoftBearer with no token: ninja then raises its own
# AuthenticationError, and the handler adds ``WWW-Authenticate: Bearer`` for this request only.
_CHALLENGE_ATTRIBUTE = "_microsoft_bearer_challenge"


class MicrosoftBearerError(HttpError):
    """A refusal of RFC 6750; ``www_authenticate`` is the header it calls for."""

    def __init__(self, error: BearerError) -> None:
        super().__init__(error.status, error.description)
        self.www_authenticate = error.www_authenticate()


class MicrosoftUnauthorized(MicrosoftBearerError, AuthenticationError):
    """401: the token is malformed, invalid, or its person may not use the API."""


class MicrosoftForbidden(MicrosoftBearerError, AuthorizationError):
    """403: a good token without the scopes or app roles the operation requires."""


class MicrosoftBearer(HttpBearer):
    """Authenticate ``Authorization: Bearer <Microsoft access token>`` for a ninja operation.

    ``scopes`` (delegated, ``scp``) and ``app_roles`` (``roles``) are all required when given.
    """

    def __init__(self, scopes: Iterable[str] = (), app_roles: Iterable[str] = ()) -> None:
        self.scopes = tuple(scopes)
        self.app_roles = tuple(app_roles)
        super().__init__()

    def __call__(self, request: HttpRequest) -> MicrosoftAccessToken | None:
        # ninja's HttpBearer.__call__ would log a header of another scheme with DEBUG on; a
        # header is never logged here.
        header = request.headers.get(self.header, "")
        if header.split(" ", 1)[0].strip().lower() != "bearer":
            setattr(request, _CHALLENGE_ATTRIBUTE, True)
            return None
        return self.authenticate(request, header)

    def authenticate(self, request: HttpRequest, token: str) -> MicrosoftAccessToken | None:
        try:
            outcome = api.authenticate(request, scopes=self.scopes, app_roles=self.app_roles)
        except BearerError as error:
            if error.status == 403:
                raise MicrosoftForbidden(error) from None
            if error.status == 401:
                raise MicrosoftUnauthorized(error) from None
            # Microsoft's keys out of reach (503): not the caller's fault, no challenge.
            raise MicrosoftBearerError(error) from None
        if outcome is None:
            setattr(request, _CHALLENGE_ATTRIBUTE, True)
            return None
        user, access = outcome
        # The Django user of the web sign-in, as AuthenticationMiddleware would have set it.
        request.user = user  # type: ignore[assignment]
        return access


def add_bearer_error_handlers(ninja_api: NinjaAPI) -> None:
    """Answer the refusals of ``MicrosoftBearer`` with RFC 6750's ``WWW-Authenticate`` header."""

    # ninja types a handler's exception as "the class or an instance"; it passes an instance.
    def refusal(request: HttpRequest, exc: Any) -> HttpResponse:
        status = getattr(exc, "status_code", 401)
        response = ninja_api.create_response(request, {"detail": str(exc)}, status=status)
        if isinstance(exc, MicrosoftBearerError):
            if status in (401, 403):
                response["WWW-Authenticate"] = exc.www_authenticate
        elif getattr(request, _CHALLENGE_ATTRIBUTE, False):
            response["WWW-Authenticate"] = "Bearer"
        return response

    ninja_api.add_exception_handler(MicrosoftBearerError, refusal)
    ninja_api.add_exception_handler(AuthenticationError, refusal)
