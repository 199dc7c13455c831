from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.views.generic import TemplateView

from django_microsoft_sso.views import microsoft_slo_view
from tests.project import inline_admin
from tests.project.app import views

urlpatterns = [
    path("", views.home, name="home"),
    path("private/", views.private, name="private"),
    path("admin/", admin.site.urls),
    # A project's user admin with the Microsoft inline (tests/project/inline_admin.py).
    path("inline-admin/", inline_admin.site.urls),
    # Any page with {% include "microsoft_sso/login_sso.html" %}; the second passes its own next.
    path("sign-in/", TemplateView.as_view(template_name="tests_app/sign_in.html"), name="sign_in"),
    path(
        "sign-in/to-private/",
        TemplateView.as_view(
            template_name="tests_app/sign_in.html", extra_context={"next": "/private/?tab=2"}
        ),
        name="sign_in_to_private",
    ),
    # 7.x's urls.md: a login view of the project's with the package's login template, and one
    # that chooses the buttons and hides the form through the context, as 7.x's how.md shows.
    path(
        "compat/accounts/login/",
        LoginView.as_view(template_name="microsoft_sso/login.html"),
        name="compat_login",
    ),
    path(
        "compat/accounts/login/custom/",
        LoginView.as_view(
            template_name="microsoft_sso/login.html",
            extra_context={
                "show_admin_form": False,
                "sso_providers": [
                    {
                        "name": "microsoft",
                        "logo_url": "/static/django_microsoft_sso/microsoft_logo.svg",
                        "text": "SignWithContext",
                        "login_url": "/microsoft_sso/login/",
                        "css_url": "/static/django_microsoft_sso/microsoft_button.css",
                    }
                ],
            },
        ),
        name="compat_login_custom",
    ),
    # A project that routed its own logout URL to 7.x's view name.
    path("compat/slo/", microsoft_slo_view, name="compat_slo"),
    path(
        "microsoft_sso/",
        include("django_microsoft_sso.urls", namespace="django_microsoft_sso"),
    ),
]
