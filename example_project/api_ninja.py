"""``/api/ninja/me``: who calls, as django-ninja sees a Microsoft access token."""

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI

from django_microsoft_sso.ninja import MicrosoftBearer, add_bearer_error_handlers
from example_project.api_common import API_SCOPE, caller

api = NinjaAPI(
    title="django-microsoft-sso example",
    urls_namespace="example-ninja",
    auth=MicrosoftBearer(scopes=[API_SCOPE]),
)
add_bearer_error_handlers(api)


@api.get("/me")
def me(request: HttpRequest) -> dict[str, Any]:
    return caller(request.user, request.auth)  # type: ignore[attr-defined]
