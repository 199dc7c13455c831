"""The test URLs plus those of the fake sibling provider ``django_acme_sso``."""

from django.urls import include, path

from tests.project.urls import urlpatterns as test_urlpatterns

urlpatterns = [
    *test_urlpatterns,
    path("acme_sso/", include("django_acme_sso.urls", namespace="django_acme_sso")),
]
