"""``/api/drf/me/``: who calls, as Django REST framework sees a Microsoft access token."""

from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_microsoft_sso.rest_framework import HasScopes, MicrosoftTokenAuthentication
from example_project.api_common import API_SCOPE, caller


class Me(APIView):
    authentication_classes = [MicrosoftTokenAuthentication]
    permission_classes = [HasScopes]
    required_scopes = [API_SCOPE]
    # JSON only: the example does not install DRF's browsable API (rest_framework app).
    renderer_classes = [JSONRenderer]

    def get(self, request: Request) -> Response:
        return Response(caller(request.user, request.auth))


me = Me.as_view()
