from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from django_microsoft_sso.models import MicrosoftSSOUser


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
