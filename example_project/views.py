import os

import httpx
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing.emulator import EMULATOR_URL_VARIABLE

# Where the demo's browsers reach the emulator's sign-in pages: on this site, so that they work
# wherever the site does (another machine, a container, a codespace), not only on this one.
EMULATOR_PAGES_PATH = "/microsoft-emulator/login.microsoftonline.com"


def home(request: HttpRequest) -> HttpResponse:
    """Anyone may look: the page says who is signed in and offers to sign in or out."""
    # The package's button keeps the page's ``next``: signing in here leads to the private page.
    context: dict[str, object] = {"next": reverse("private")}
    if getattr(settings, "EXAMPLE_USES_EMULATOR", False):
        from example_project.demo import PEOPLE

        context["demo_people"] = PEOPLE
    return render(request, "example_project/home.html", context)


@login_required
def private(request: HttpRequest) -> HttpResponse:
    """Only for people who are signed in; others go to the admin's login page first."""
    microsoft = MicrosoftSSOUser.objects.filter(user_id=request.user.pk).first()
    return render(request, "example_project/private.html", {"microsoft": microsoft})


@csrf_exempt  # the emulator's own form; it stands for Microsoft's site, not this one
def emulator_page(request: HttpRequest, path: str) -> HttpResponse:
    """Pass a browser's request for the emulator's sign-in or sign-out page on to the emulator."""
    emulator = os.environ.get(EMULATOR_URL_VARIABLE)
    if not (getattr(settings, "EXAMPLE_USES_EMULATOR", False) and settings.DEBUG and emulator):
        raise Http404
    query = request.META.get("QUERY_STRING", "")
    answer = httpx.request(
        request.method or "GET",
        f"{emulator}/login.microsoftonline.com/{path}" + (f"?{query}" if query else ""),
        content=request.body,
        headers={"Content-Type": request.content_type or "application/octet-stream"},
        timeout=10,
    )
    response = HttpResponse(
        answer.content,
        status=answer.status_code,
        content_type=answer.headers.get("Content-Type", "text/plain"),
    )
    for name in ("Location", "Cache-Control"):
        if name in answer.headers:
            response[name] = answer.headers[name]
    return response
