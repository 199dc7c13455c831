"""The URLs of 7.x's example project that its tests use: ``index``, ``secret``, the admin, a login
view with 7.x's login template, 7.x's logout view name, and the package."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

from django_microsoft_sso.views import microsoft_slo_view


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "login.html")


@login_required
def secret(request: HttpRequest) -> HttpResponse:
    return HttpResponse("secret")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("secret/", secret, name="secret"),
    path("accounts/login/", LoginView.as_view(template_name="microsoft_sso/login.html")),
    path("accounts/logout/", microsoft_slo_view, name="logout"),
    path("", index, name="index"),
    path(
        "microsoft_sso/",
        include("django_microsoft_sso.urls", namespace="django_microsoft_sso"),
    ),
]
