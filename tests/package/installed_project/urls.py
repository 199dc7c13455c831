from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_required
def private(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"private page of {request.user.get_username()}")


urlpatterns = [
    path("private/", private),
    path("admin/", admin.site.urls),
    path(
        "microsoft_sso/",
        include("django_microsoft_sso.urls", namespace="django_microsoft_sso"),
    ),
]
