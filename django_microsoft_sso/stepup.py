"""Step-up: a strong sign-in for the admin and for the views a project chooses.

What a sign-in proved is kept in the session when it ends (``remember``): the authentication
contexts its id_token carries (``acrs``), its methods (``amr``) and when. A view that needs more
(``StrongSignIn``) sends the browser to Microsoft again, asking for that context with the claims
request Microsoft documents, or with ``prompt=login`` for multi-factor authentication; the answer
must carry what was asked, or the step-up is refused. A refused step-up is remembered in the
session, as is each step-up the guard starts: while one is under way or refused, the guarded view
shows a message and waits for the person to try again, so a person Microsoft cannot step up is
never sent round in a loop (even when the callback, a form_post, could not reach the session).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso import shapes
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import RefusedError

STRENGTH_SESSION_KEY = "_microsoft_sso_sign_in_strength"
REFUSED_SESSION_KEY = "_microsoft_sso_step_up_refused"
STEP_UP_PARAMETER = "step_up"
# Entra's ``amr`` values for a sign-in stronger than a password: multi-factor, Windows Hello
# and passkeys provisioning ("ngcmfa"), the Authenticator app ("rsa"), a hardware key, a smart card.
STRONG_METHODS = frozenset({"mfa", "ngcmfa", "rsa", "hwk", "sc"})
MFA, FRESH = "mfa", "fresh"

REFUSED_MESSAGE = _(
    "This page needs a stronger sign-in (such as multi-factor authentication), and Microsoft did "
    "not confirm one. Try again, or ask your administrator to set it up for your account."
)


class StepUpRefusedError(RefusedError):
    """Microsoft's answer to a step-up does not carry what it asked for."""

    reason = "step_up_refused"


@dataclass(frozen=True)
class StrongSignIn:
    """What a view needs of the sign-in: an authentication context, multi-factor, or both;
    ``max_age`` seconds after it, the strong sign-in is asked for again."""

    auth_context: str | None = None
    mfa: bool = False
    max_age: int | None = None

    def __post_init__(self) -> None:
        problem = shapes.auth_context(self.auth_context)
        if problem:
            raise ValueError(f"auth_context {problem}")
        if not (self.auth_context or self.mfa):
            raise ValueError("a strong sign-in needs an auth_context, mfa, or both")
        if self.max_age is not None and shapes.whole(1)(self.max_age):
            raise ValueError("max_age must be a whole number of seconds, 1 or more")

    @property
    def asks(self) -> list[str]:
        """What the step-up asks Microsoft for, as the start view's ``step_up`` gives it."""
        return [item for item in (self.auth_context, MFA if self.mfa else None) if item]

    def met_by(self, claims: dict[str, Any]) -> bool:
        """Whether an id_token's claims carry what this needs."""
        if self.auth_context and self.auth_context not in claim_list(claims, "acrs"):
            return False
        return not self.mfa or bool(STRONG_METHODS & set(claim_list(claims, "amr")))

    def met_in(self, request: HttpRequest) -> bool:
        kept = strength(request)
        return kept is not None and self.met_by(kept) and not self.aged(kept)

    def aged(self, kept: dict[str, Any]) -> bool:
        at = kept.get("at")
        if self.max_age is None:
            return False
        return not isinstance(at, int | float) or time.time() - at > self.max_age


def admin_requirement(sso: Settings) -> StrongSignIn | None:
    """What the admin needs of a sign-in, or None when the project asks for nothing more."""
    context, mfa = sso.admin_auth_context, bool(sso.admin_require_mfa)
    if not (context or mfa):
        return None
    return StrongSignIn(context or None, mfa, sso.admin_strong_sign_in_max_age)


def claim_list(claims: dict[str, Any], name: str) -> list[str]:
    """A claim that is a list of strings (Entra's ``acrs`` and ``amr``); anything else is none."""
    value = claims.get(name)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def strength(request: HttpRequest) -> dict[str, Any] | None:
    """What the sign-in of this session proved, if it was this person's sign-in with Microsoft."""
    kept = request.session.get(STRENGTH_SESSION_KEY)
    user = getattr(request, "user", None)
    if not isinstance(kept, dict) or user is None or not user.is_authenticated:
        return None
    return kept if kept.get("user") == str(user.pk) else None


def remember(request: HttpRequest, claims: dict[str, Any]) -> None:
    """Keep what the sign-in that just ended proved: its contexts, its methods and when."""
    request.session[STRENGTH_SESSION_KEY] = {
        "user": str(request.user.pk),
        "acrs": claim_list(claims, "acrs")[:100],
        "amr": claim_list(claims, "amr")[:20],
        "at": time.time(),
    }
    request.session.pop(REFUSED_SESSION_KEY, None)


# -- the start and the end of a step-up sign-in ---------------------------------------------------


def requested(request: HttpRequest) -> dict[str, Any] | None:
    """The step-up the start view was asked for (``?step_up=c1,mfa,fresh``), or None.

    Anything else in it is ignored: it only ever asks Microsoft for more.
    """
    items = str(request.GET.get(STEP_UP_PARAMETER, ""))[:100].split(",")
    contexts = [item for item in items if item and shapes.auth_context(item) is None]
    if not contexts and MFA not in items:
        return None
    return {
        "auth_context": contexts[0] if contexts else None,
        "mfa": MFA in items,
        "fresh": FRESH in items,
    }


def authorize_params(step_up: dict[str, Any] | None) -> dict[str, Any]:
    """msal's ``initiate_auth_code_flow`` arguments for a step-up: the claims request for the
    authentication context, and ``prompt=login`` for multi-factor or a strong sign-in grown old."""
    if step_up is None:
        return {}
    params: dict[str, Any] = {}
    if step_up["auth_context"]:
        claims = {"id_token": {"acrs": {"essential": True, "value": step_up["auth_context"]}}}
        params["claims_challenge"] = json.dumps(claims, separators=(",", ":"))
    if step_up["mfa"] or step_up["fresh"]:
        params["prompt"] = "login"
    return params


def ensure_met(
    request: HttpRequest, step_up: dict[str, Any] | None, claims: dict[str, Any]
) -> None:
    """Refuse the answer to a step-up that lacks what it asked for, and remember the refusal."""
    if step_up is None:
        return
    needed = StrongSignIn(step_up["auth_context"], bool(step_up["mfa"]))
    if needed.met_by(claims):
        return
    request.session[REFUSED_SESSION_KEY] = {"asks": needed.asks, "at": time.time()}
    raise StepUpRefusedError(
        f"step-up for {','.join(needed.asks)} answered without it "
        f"(acrs {claim_list(claims, 'acrs')[:5]}, amr {claim_list(claims, 'amr')[:5]})",
        REFUSED_MESSAGE,
    )


# -- the guard -------------------------------------------------------------------------------------


def step_up_response(request: HttpRequest, needed: StrongSignIn) -> HttpResponse | None:
    """None when the session's sign-in is strong enough; else the way to a stronger one.

    That is Microsoft, through the start view, unless a step-up for the same thing was refused
    in this session: then a page that says so, with a link to try again.
    """
    if needed.met_in(request):
        return None
    asks = list(needed.asks)
    kept = strength(request)
    if kept is not None and needed.met_by(kept):
        asks.append(FRESH)  # strong once, too long ago: Microsoft must ask again
    start = start_url(request, asks)
    if tried_lately(request, needed):
        context = {"message": REFUSED_MESSAGE, "try_again_url": start}
        return render(request, "microsoft_sso/step_up_refused.html", context, status=403)
    request.session[REFUSED_SESSION_KEY] = {"asks": needed.asks, "at": time.time()}
    return HttpResponseRedirect(start)


def tried_lately(request: HttpRequest, needed: StrongSignIn) -> bool:
    """Whether this session was sent for the same step-up within a sign-in's lifetime."""
    tried = request.session.get(REFUSED_SESSION_KEY)
    if not isinstance(tried, dict) or tried.get("asks") != needed.asks:
        return False
    at = tried.get("at")
    lifetime = Settings(request).timeout_minutes * 60
    return isinstance(at, int | float) and time.time() - at < lifetime


def start_url(request: HttpRequest, asks: list[str]) -> str:
    query = urlencode({"next": request.get_full_path(), STEP_UP_PARAMETER: ",".join(asks)})
    return f"{reverse('django_microsoft_sso:oauth_start_login')}?{query}"
