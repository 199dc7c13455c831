from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path

from example_project import views

urlpatterns = [
    path("", views.home, name="home"),
    path("private/", views.private, name="private"),
    path("admin/", admin.site.urls),
    # The demo's Microsoft emulator: its sign-in pages, served through this site (404 otherwise).
    path("microsoft-emulator/login.microsoftonline.com/<path:path>", views.emulator_page),
    path(
        "microsoft_sso/",
        include("django_microsoft_sso.urls", namespace="django_microsoft_sso"),
    ),
]

# The same API in both frameworks, each when its extra is installed (scripts/example installs
# both): call them with a token from `manage.py microsoft_sso_demo_token` (docs/api.md).
if find_spec("rest_framework"):
    from example_project import api_drf

    urlpatterns.append(path("api/drf/me/", api_drf.me, name="api-drf-me"))
if find_spec("ninja"):
    from example_project.api_ninja import api as ninja_api

    urlpatterns.append(path("api/ninja/", ninja_api.urls))
