"""What the authorize request hints to Microsoft: ``prompt``, ``login_hint`` and ``domain_hint``.

``MICROSOFT_SSO_PROMPT`` gives the prompt. ``?login_hint=`` and ``?domain_hint=`` on the start view
are passed on when they look like what Microsoft takes; anything else is dropped, and the sign-in
goes on without it. With ``MICROSOFT_SSO_REMEMBER_ACCOUNT``, a signed cookie keeps the account that
last signed in on this browser, and it is the next ``login_hint``; the logout view deletes it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.logs import log

if TYPE_CHECKING:
    from django_microsoft_sso.tokens import MicrosoftIdentity

PROMPTS = ("select_account", "login", "consent", "none")

REMEMBERED_ACCOUNT_COOKIE = "microsoft_sso_account"
# The cookie's salt: a value signed for any other purpose of the project is not taken for it.
REMEMBERED_ACCOUNT_SALT = "django_microsoft_sso.hints.account"
# Long enough to be useful between visits; a hint, not a credential, and read only once it is due.
REMEMBERED_ACCOUNT_MAX_AGE = 90 * 24 * 3600

# An address, a user principal name or the opaque ``login_hint`` claim (base64url): characters of
# those only, so that a hint never carries markup or spaces into the authorize URL or a log line.
LOGIN_HINT = re.compile(r"[A-Za-z0-9.@_+\-=/!#$%&'*?^{|}~]{1,512}")
# A domain name, or Microsoft's own names ("consumers", "organizations"), which are single labels.
DOMAIN_HINT = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def valid_login_hint(value: Any) -> str | None:
    """``value`` when it can be a login hint; else None."""
    return value if isinstance(value, str) and LOGIN_HINT.fullmatch(value) else None


def valid_domain_hint(value: Any) -> str | None:
    """``value`` when it is a domain name (or ``consumers`` / ``organizations``); else None."""
    return value if isinstance(value, str) and DOMAIN_HINT.fullmatch(value) else None


def prompt(sso: Settings) -> str | None:
    """``MICROSOFT_SSO_PROMPT``; a callable's answer that Microsoft would refuse is left out."""
    value = sso.prompt
    if value is None or value == "":
        return None
    if value not in PROMPTS:
        # A callable of the request can answer anything; the check judges only plain values.
        log(sso, "WARNING", "MICROSOFT_SSO_PROMPT gave no known prompt: none is sent")
        return None
    return str(value)


def login_hint(request: HttpRequest, sso: Settings) -> str | None:
    """The start view's ``?login_hint=``, else the remembered account (when remembered)."""
    asked = request.GET.get("login_hint")
    if asked:
        hint = valid_login_hint(asked)
        if hint is None:
            log(sso, "INFO", "Sign-in started with an unusable login_hint: it is left out")
        return hint
    if sso.remember_account:
        return remembered_account(request)
    return None


def domain_hint(request: HttpRequest, sso: Settings) -> str | None:
    """The start view's ``?domain_hint=``, when it is a domain name."""
    asked = request.GET.get("domain_hint")
    if not asked:
        return None
    hint = valid_domain_hint(asked)
    if hint is None:
        log(sso, "INFO", "Sign-in started with an unusable domain_hint: it is left out")
    return hint


def authorize_params(request: HttpRequest, sso: Settings) -> dict[str, str]:
    """The hints of this sign-in's authorize request, for ``client.initiate_flow``."""
    params = {
        "prompt": prompt(sso),
        "login_hint": login_hint(request, sso),
        "domain_hint": domain_hint(request, sso),
    }
    return {name: value for name, value in params.items() if value}


def remembered_account(request: HttpRequest) -> str | None:
    """The hint the cookie keeps, when its signature holds and it is not too old."""
    value = request.get_signed_cookie(
        REMEMBERED_ACCOUNT_COOKIE,
        default=None,
        salt=REMEMBERED_ACCOUNT_SALT,
        max_age=REMEMBERED_ACCOUNT_MAX_AGE,
    )
    return valid_login_hint(value)


def account_hint(identity: MicrosoftIdentity) -> str | None:
    """What names the account of a sign-in for the next one: the ``login_hint`` claim, made for
    this, else ``preferred_username``."""
    for claim in ("login_hint", "preferred_username"):
        hint = valid_login_hint(identity.claims.get(claim))
        if hint:
            return hint
    return None


def remember_account(
    request: HttpRequest, response: HttpResponse, sso: Settings, identity: MicrosoftIdentity
) -> None:
    """Keep the account of this sign-in as the browser's next hint; or, when the project does not
    remember accounts, delete a cookie left from when it did."""
    hint = account_hint(identity) if sso.remember_account else None
    if hint is None:
        if REMEMBERED_ACCOUNT_COOKIE in request.COOKIES:
            forget_account(response)
        return
    response.set_signed_cookie(
        REMEMBERED_ACCOUNT_COOKIE,
        hint,
        salt=REMEMBERED_ACCOUNT_SALT,
        max_age=REMEMBERED_ACCOUNT_MAX_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def forget_account(response: HttpResponse) -> None:
    """Delete the remembered account: whoever uses the browser next is not hinted at anyone."""
    response.delete_cookie(REMEMBERED_ACCOUNT_COOKIE, samesite="Lax")
