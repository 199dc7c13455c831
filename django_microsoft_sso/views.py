"""Thin views: each runs a step of ``LoginFlow`` and turns its result or error into a response."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_safe,
)

from django_microsoft_sso import discovery, graph, hints, signals
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import LoginError
from django_microsoft_sso.flow import LOGIN_HINT_SESSION_KEY, LoginFlow
from django_microsoft_sso.frontchannel import end_microsoft_session
from django_microsoft_sso.logs import log
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.redirects import resolve_setting_url


def login_failed(request: HttpRequest, error: LoginError) -> HttpResponseRedirect:
    """The one place a failed sign-in becomes a log line, a message and a redirect."""
    sso = Settings(request)
    log(sso, "WARNING", "Microsoft sign-in failed ({}): {}", error.reason, error.detail)
    transaction.on_commit(
        lambda: signals.send(
            signals.microsoft_sso_login_failed,
            request,
            sender=type(error),
            reason=error.reason,
            error=error,
        )
    )
    if sso.enable_messages:
        messages.error(request, str(error.message), fail_silently=True)
    return HttpResponseRedirect(resolve_setting_url(sso.login_failed_url))


@never_cache
@require_GET
def start_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to Microsoft (``?next=`` is where it lands after signing in)."""
    try:
        return LoginFlow(request).start()
    except LoginError as error:
        return login_failed(request, error)


@never_cache
@csrf_exempt  # Microsoft POSTs here in form_post mode; the single-use state protects it.
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    """Complete the sign-in that Microsoft sends back."""
    flow = LoginFlow(request)
    response: HttpResponse
    try:
        response = flow.finish()
    except LoginError as error:
        response = login_failed(request, error)
    flow.forget_answered_state(response)
    return response


@never_cache
@require_http_methods(["POST", "OPTIONS"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out of Django; with ``MICROSOFT_SSO_SLO_ENABLED``, out of Microsoft too."""
    if request.method == "OPTIONS":
        # As 7.x (and Django's LogoutView) answer it: the methods allowed, and no logout.
        response = HttpResponse()
        response["Allow"] = "POST, OPTIONS"
        response["Content-Length"] = "0"
        return response
    sso = Settings(request)
    login_hint = request.session.get(LOGIN_HINT_SESSION_KEY)
    logout(request)
    if sso.enable_messages:
        # Shown where the person lands, after Microsoft's sign-out page too: without it the
        # page they come back to looks the same as before they clicked.
        messages.info(request, _("You have signed out."), fail_silently=True)
    response = leave_microsoft(request, sso, login_hint)
    # Whoever uses the browser next is not offered the account that just signed out.
    hints.forget_account(response)
    return response


def leave_microsoft(
    request: HttpRequest, sso: Settings, login_hint: str | None
) -> HttpResponseRedirect:
    """Where the browser goes once logged out: Microsoft's sign-out page with SLO, else home."""
    target = resolve_setting_url(sso.logout_redirect_path)
    if not (sso.slo_enabled and sso.enabled):
        return HttpResponseRedirect(target)
    try:
        end_session = discovery.tenant_metadata(sso).end_session_endpoint
    except LoginError as error:
        log(sso, "WARNING", "Microsoft sign-out skipped: {}", error.detail)
        end_session = None
    if not end_session:
        return HttpResponseRedirect(target)
    params = {"post_logout_redirect_uri": request.build_absolute_uri(target)}
    if login_hint:
        params["logout_hint"] = login_hint
    separator = "&" if "?" in end_session else "?"
    return HttpResponseRedirect(f"{end_session}{separator}{urlencode(params)}")


# The name 7.x documented for projects that route their own logout URL to it.
microsoft_slo_view = logout_view


@never_cache
@xframe_options_exempt  # Microsoft loads it in a hidden iframe of its sign-out page.
@require_GET
def front_channel_logout(request: HttpRequest) -> HttpResponse:
    """Microsoft's front-channel logout: end the Django session its ``sid`` signed in.

    Register this URL as the app's front-channel logout URL in Entra. Only the session that the
    given Microsoft session (``sid``) signed in ends; nothing else happens. Entra sends ``sid``
    alone; an ``iss``, which OpenID's front-channel logout adds, must match when it is given.
    """
    sid, issuer = request.GET.get("sid", ""), request.GET.get("iss") or None
    if not sid or len(sid) > 256 or (issuer is not None and len(issuer) > 512):
        return HttpResponse(status=400)
    sso = Settings(request)
    if end_microsoft_session(sso, sid, issuer):
        log(sso, "INFO", "Microsoft ended a session: its Django session was logged out")
    return HttpResponse(b"", content_type="text/plain")


def may_see_picture(request: HttpRequest, owner_pk: object) -> bool:
    """The person themselves, or active staff who may view users or Microsoft identities."""
    viewer = request.user
    if viewer.pk == owner_pk:
        return True
    user_opts = get_user_model()._meta
    return bool(viewer.is_active and viewer.is_staff) and (
        viewer.has_perm(f"{user_opts.app_label}.view_{user_opts.model_name}")
        or viewer.has_perm("django_microsoft_sso.view_microsoftssouser")
    )


@require_safe
@login_required
def picture(request: HttpRequest, user_pk: str) -> HttpResponse:
    """The Microsoft picture of a user, with an ETag so that browsers keep it between pages.

    Anyone but the person and staff who may view users gets a 404, as does a user with no
    picture: whether someone exists or has a picture is not given away.
    """
    try:
        owner_pk = get_user_model()._meta.pk.to_python(user_pk)
    except ValidationError:
        raise Http404 from None
    if not may_see_picture(request, owner_pk):
        raise Http404
    raw = (
        MicrosoftSSOUser.objects.filter(user__pk=owner_pk)
        .values_list("picture_raw", flat=True)
        .first()
    )
    data = bytes(raw) if raw else b""
    content_type = graph.image_type(data)
    if content_type is None:
        raise Http404
    etag = f'"{hashlib.sha256(data).hexdigest()}"'
    response = HttpResponse(data, content_type=content_type)
    response["ETag"] = etag
    # Kept by the browser only, and checked again (a cheap 304) each time it is shown.
    patch_cache_control(response, private=True, no_cache=True)
    not_modified = get_conditional_response(request, etag=etag, response=response)
    return response if not_modified is None else not_modified
