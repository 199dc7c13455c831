"""Test views of the Django REST framework integration."""

from django.urls import path
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from django_microsoft_sso.rest_framework import (
    HasAppRoles,
    HasScopes,
    MicrosoftTokenAuthentication,
)
from tests.api_integrations.conftest import APP_ROLE, SCOPE
from tests.project.urls import urlpatterns as project_urlpatterns


def caller(request):
    access = request.auth
    return {
        "user": None if request.user.is_anonymous else request.user.get_username(),
        "app": getattr(access, "client_app_id", None),
        "scopes": sorted(getattr(access, "scopes", ())),
        "roles": sorted(getattr(access, "roles", ())),
    }


class Me(APIView):
    # The session after ours: a browser signed in on the web still gets in without a token.
    authentication_classes = [MicrosoftTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(caller(request))


class Scoped(APIView):
    authentication_classes = [MicrosoftTokenAuthentication]
    permission_classes = [HasScopes]
    required_scopes = [SCOPE]

    def get(self, request):
        return Response(caller(request))


class Reports(APIView):
    authentication_classes = [MicrosoftTokenAuthentication]
    permission_classes = [HasAppRoles]
    required_app_roles = [APP_ROLE]

    def get(self, request):
        return Response(caller(request))


class Forgetful(APIView):
    authentication_classes = [MicrosoftTokenAuthentication]
    permission_classes = [HasScopes]

    def get(self, request):
        return Response(caller(request))


# The project's own URLs too: the web sign-in that makes Alice's user.
urlpatterns = [
    *project_urlpatterns,
    path("me/", Me.as_view()),
    path("scoped/", Scoped.as_view()),
    path("reports/", Reports.as_view()),
    path("forgetful/", Forgetful.as_view()),
]
