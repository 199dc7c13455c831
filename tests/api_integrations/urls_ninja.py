"""Test operations of the django-ninja integration: one API with the error handlers, one
without them (what a project that skips ``add_bearer_error_handlers`` gets)."""

from django.urls import path
from ninja import NinjaAPI

from django_microsoft_sso.ninja import MicrosoftBearer, add_bearer_error_handlers
from tests.api_integrations.conftest import APP_ROLE, SCOPE
from tests.project.urls import urlpatterns as project_urlpatterns


def caller(request):
    access = request.auth
    return {
        "user": None if request.user.is_anonymous else request.user.get_username(),
        "app": access.client_app_id,
        "scopes": sorted(access.scopes),
        "roles": sorted(access.roles),
    }


api = NinjaAPI(urls_namespace="tests-ninja", auth=MicrosoftBearer())
add_bearer_error_handlers(api)


@api.get("/me")
def me(request):
    return caller(request)


@api.get("/scoped", auth=MicrosoftBearer(scopes=[SCOPE]))
def scoped(request):
    return caller(request)


@api.get("/reports", auth=MicrosoftBearer(app_roles=[APP_ROLE]))
async def reports(request):
    return caller(request)


bare = NinjaAPI(urls_namespace="tests-ninja-bare", auth=MicrosoftBearer(scopes=[SCOPE]))


@bare.get("/scoped")
def bare_scoped(request):
    return caller(request)


# The project's own URLs too: the web sign-in that makes Alice's user.
urlpatterns = [*project_urlpatterns, path("ninja/", api.urls), path("bare/", bare.urls)]
