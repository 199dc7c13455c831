from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "django_acme_sso"


def start_login(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"Acme sign-in towards {request.GET.get('next')}")


urlpatterns = [path("login/", start_login, name="oauth_start_login")]
