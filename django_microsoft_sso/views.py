"""Thin views: each runs a step of ``LoginFlow`` and turns its result or error into a response."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from django_microsoft_sso import client
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import LoginError
from django_microsoft_sso.flow import LOGIN_HINT_SESSION_KEY, LoginFlow, resolve_setting_url
from django_microsoft_sso.logs import log


def login_failed(request: HttpRequest, error: LoginError) -> HttpResponseRedirect:
    """The one place a failed sign-in becomes a log line, a message and a redirect."""
    sso = Settings(request)
    log(sso, "WARNING", "Microsoft sign-in failed ({}): {}", error.reason, error.detail)
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
    try:
        return LoginFlow(request).finish()
    except LoginError as error:
        return login_failed(request, error)


@never_cache
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out of Django; with ``MICROSOFT_SSO_SLO_ENABLED``, out of Microsoft too."""
    sso = Settings(request)
    login_hint = request.session.get(LOGIN_HINT_SESSION_KEY)
    logout(request)
    target = resolve_setting_url(sso.logout_redirect_path)
    if not (sso.slo_enabled and sso.enabled):
        return HttpResponseRedirect(target)
    try:
        end_session = client.tenant_metadata(sso).end_session_endpoint
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
