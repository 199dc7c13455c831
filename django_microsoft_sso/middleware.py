"""``SessionFollowsTokenMiddleware``: a Django session ends when Microsoft's does.

With ``MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN``, a session that signed in with Microsoft redeems its
refresh token at most every ``MICROSOFT_SSO_SESSION_CHECK_MINUTES``. When Microsoft refuses
(sessions revoked, account disabled or deleted), the person is logged out with a message; between
two checks no request goes to Microsoft. Place it after ``SessionMiddleware`` and
``AuthenticationMiddleware`` (check E016).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import sessions, signals
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
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            sso = Settings(request)
            if sso.session_follows_token and not sessions.session_is_current(request, sso):
                self.end_session(request, sso)
        return self.get_response(request)

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
