"""The package's middleware.

``SessionFollowsTokenMiddleware``: a Django session ends when Microsoft's does.

With ``MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN``, a session that signed in with Microsoft redeems its
refresh token at most every ``MICROSOFT_SSO_SESSION_CHECK_MINUTES``. When Microsoft refuses
(sessions revoked, account disabled or deleted), the person is logged out with a message; between
two checks no request goes to Microsoft. Place it after ``SessionMiddleware`` and
``AuthenticationMiddleware`` (check E016).

It is sync and async capable: under ASGI, Django keeps an async middleware chain through it, and
the check (the user and session from the database, the refresh at Microsoft) runs in a thread,
never on the event loop.

``StrongSignInForAdminMiddleware``: the admin only with a strong sign-in (``stepup``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import redirects, sessions, signals, stepup
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import LoginError
from django_microsoft_sso.logs import log

DEACTIVATED_MESSAGE = _(
    "Your Microsoft account is disabled or no longer exists, so your account here has been "
    "deactivated. Please contact your administrator."
)


class SessionEndedError(LoginError):
    reason = "session_revoked"


class SessionFollowsTokenMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponse]
        | Callable[[HttpRequest], Awaitable[HttpResponse]],
    ) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        self.follow_token(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        # One thread hop for the whole check: the lazy user, the session and msal all block.
        await sync_to_async(self.follow_token)(request)
        get_response = cast(Callable[[HttpRequest], Awaitable[HttpResponse]], self.get_response)
        return await get_response(request)

    def follow_token(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            sso = Settings(request)
            if sso.session_follows_token and not sessions.session_is_current(request, sso):
                self.end_session(request, sso)

    @staticmethod
    def end_session(request: HttpRequest, sso: Settings) -> None:
        user_pk = getattr(request.user, "pk", None)
        # Deactivated just now by ``lifecycle`` when Microsoft said the account is gone.
        deactivated = not getattr(request.user, "is_active", True)
        logout(request)
        log(sso, "INFO", "Microsoft refused the session of user {}: logged out", user_pk)
        message = (
            DEACTIVATED_MESSAGE
            if deactivated
            else _("Your Microsoft sign-in has ended. Please sign in again.")
        )
        error = SessionEndedError("Microsoft refused to refresh the token", message)
        signals.send(
            signals.microsoft_sso_login_failed,
            request,
            sender=SessionEndedError,
            reason=error.reason,
            error=error,
        )
        if sso.enable_messages:
            messages.warning(request, str(message), fail_silently=True)


class StrongSignInForAdminMiddleware:
    """The admin only with a strong sign-in (``MICROSOFT_SSO_ADMIN_AUTH_CONTEXT``,
    ``MICROSOFT_SSO_ADMIN_REQUIRE_MFA``).

    Staff whose sign-in is not strong enough are sent to Microsoft for a stronger one (``stepup``),
    then back to the admin page they asked for. Its logout stays open. Place it after
    ``AuthenticationMiddleware`` and ``MessageMiddleware`` (check E073).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        # The admin lets in active staff only; anyone else gets its login page, as always.
        if user is None or not (user.is_authenticated and user.is_active and user.is_staff):
            return None
        sso = Settings(request)
        needed = stepup.admin_requirement(sso)
        if needed is None or not redirects.is_admin_url(sso, request.path):
            return None
        match = request.resolver_match
        if match is not None and match.url_name == "logout":
            return None
        return stepup.step_up_response(request, needed)
