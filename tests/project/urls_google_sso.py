"""The test URLs plus those of django-google-sso (tests/project/settings_google_sso.py)."""

from django.urls import include, path

from tests.project.urls import urlpatterns as test_urlpatterns

urlpatterns = [
    *test_urlpatterns,
    path("google_sso/", include("django_google_sso.urls", namespace="django_google_sso")),
]
