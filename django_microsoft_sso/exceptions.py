"""Everything that can stop a sign-in, as one small tree of exceptions.

Each carries ``message``, shown to the person (translatable, safe to display), and ``detail``,
written to the log (never a token, a code or a secret). The views turn any ``LoginError`` into a
log line, a message and a redirect to ``MICROSOFT_SSO_LOGIN_FAILED_URL``: never a 500.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class LoginError(Exception):
    """A sign-in that cannot go on."""

    default_message: str | Promise = _("Sign in with Microsoft failed. Please try again.")
    reason = "login_failed"

    def __init__(self, detail: str = "", message: str | Promise | None = None) -> None:
        self.detail = detail or self.reason
        self.message = message if message is not None else self.default_message
        super().__init__(self.detail)


class DisabledError(LoginError):
    """The project switched sign-in with Microsoft off (for this request)."""

    default_message = _("Sign in with Microsoft is not enabled.")
    reason = "disabled"


class StateError(LoginError):
    """The callback does not belong to a sign-in this browser started, or it expired."""

    default_message = _("Your sign-in session expired or is invalid. Please sign in again.")
    reason = "state"


class AuthorizationError(LoginError):
    """Microsoft answered the authorization request with an error (e.g. the person cancelled)."""

    default_message = _("Microsoft did not authorize the sign-in.")
    reason = "authorization"


class MicrosoftUnavailableError(LoginError):
    """Microsoft could not be reached, or answered with something that is not a valid answer."""

    default_message = _("Microsoft could not be reached. Please try again in a moment.")
    reason = "microsoft_unavailable"


class MicrosoftThrottledError(MicrosoftUnavailableError):
    """Microsoft answered 429 or 503 with ``Retry-After``: no token request until it has passed."""

    default_message = _("Microsoft is busy and asked to wait. Please try again in a moment.")
    reason = "microsoft_throttled"

    def __init__(self, detail: str, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(detail, _wait_message(seconds))


def _wait_message(seconds: int) -> str | Promise:
    """The wait in words: "a moment" for a few seconds, then seconds, then minutes.

    Never fewer than 11 seconds nor 2 minutes: the counted words stay plural in every language.
    """
    if seconds <= 10:
        return MicrosoftThrottledError.default_message
    if seconds < 120:
        return _(
            "Microsoft is busy and asked to wait. Please try again in %(seconds)s seconds."
        ) % {"seconds": seconds}
    return _("Microsoft is busy and asked to wait. Please try again in %(minutes)s minutes.") % {
        "minutes": (seconds + 59) // 60
    }


class TokenError(LoginError):
    """Microsoft refused to redeem the authorization code."""

    default_message = _("Microsoft refused the sign-in. Please try again.")
    reason = "token"


class IdTokenError(LoginError):
    """The id_token failed validation (signature, issuer, audience, lifetime or nonce)."""

    default_message = _("The sign-in could not be verified. Please try again.")
    reason = "id_token"


class GraphError(LoginError):
    """Microsoft Graph did not give the person's profile."""

    default_message = _("Your Microsoft profile could not be read. Please try again.")
    reason = "graph"


class RefusedError(LoginError):
    """Policy refuses this person: tenant, domain, hook, inactive account, or no account."""

    default_message = _("You are not allowed to sign in here. Please contact your administrator.")
    reason = "refused"


class ConfigurationError(LoginError):
    """The project's settings are wrong in a way ``manage.py check`` reports."""

    default_message = _(
        "Sign in with Microsoft is not configured correctly. Please contact your administrator."
    )
    reason = "configuration"


class OnBehalfOfError(Exception):
    """Microsoft gave no token for a downstream API on behalf of the API's caller.

    ``status`` is the answer a view may give: 503 when Microsoft could not be reached or asked
    to wait, 502 when it refused (``error`` is its OAuth error, e.g. ``invalid_grant`` when the
    person must consent first). ``reason`` is for the log and never holds a token.
    ``microsoft_sso_token_required`` answers with ``status`` when a view lets it through.
    """

    def __init__(self, status: int, error: str | None, reason: str) -> None:
        self.status = status
        self.error = error
        self.reason = reason
        super().__init__(reason)
