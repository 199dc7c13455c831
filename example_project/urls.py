from django.contrib import admin
from django.urls import include, path

from example_project import views

urlpatterns = [
    path("", views.home, name="home"),
    path("private/", views.private, name="private"),
    path("admin/", admin.site.urls),
    path(
        "microsoft_sso/",
        include("django_microsoft_sso.urls", namespace="django_microsoft_sso"),
    ),
]
