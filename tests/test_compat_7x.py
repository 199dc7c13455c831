"""What 7.x's documentation taught projects to write keeps working in version 8.

Each test names the 7.x docs page that made the pattern part of the contract. 7.1.1's own test
suite runs against this package too: scripts/test-7x-contract.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.template import RequestContext, Template
from django.template.loader import render_to_string

from tests.project import compat7x_settings

pytestmark = pytest.mark.django_db

User = get_user_model()


# -- pages.md: per-request settings chosen with is_admin_path ------------------------------------


@pytest.fixture
def per_request_settings(settings):
    compat7x_settings.apply(settings)


@pytest.fixture
def outsider(microsoft):
    """Someone of a domain only the pages' configuration allows."""
    return microsoft.add_user("olga@fabrikam.com", mail="olga@fabrikam.com")


@pytest.fixture
def colleague(microsoft):
    return microsoft.add_user("carl@contoso.com", mail="carl@contoso.com")


def test_start_without_next_goes_to_microsoft(client, microsoft, per_request_settings):
    # 7.x's NEXT_URL callable asks is_admin_path, which must not ask NEXT_URL again.
    response = client.get("/microsoft_sso/login/")

    assert response.status_code == 302
    assert microsoft.is_authorize_url(response["Location"])


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "null"])
def test_start_with_an_unsafe_next_goes_to_microsoft(
    client, microsoft, per_request_settings, next_url
):
    response = client.get("/microsoft_sso/login/", {"next": next_url})

    assert response.status_code == 302
    assert microsoft.is_authorize_url(response["Location"])


def test_sign_in_without_next_lands_on_the_pages_next_url(
    client, microsoft, colleague, per_request_settings
):
    response = microsoft.login(client, colleague)

    assert response["Location"] == "/private/"
    assert client.session.get_expiry_age() == 86400


@pytest.mark.parametrize("next_url", ["/private/", "/admin/"])
def test_form_post_sign_in_is_judged_by_the_configuration_of_its_next(
    client, microsoft, outsider, per_request_settings, settings, next_url
):
    # form_post keeps the pending sign-in in the browser's sealed cookie: is_admin_path reads
    # the next stored there at the callback, as it reads the session's in query mode.
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }

    response = microsoft.login(client, outsider, next=next_url, secure=True)

    if next_url == "/private/":
        assert response["Location"] == "/private/"
        assert User.objects.filter(email="olga@fabrikam.com").exists()
    else:  # the admin's configuration allows only contoso.com
        assert response["Location"] == "/admin/login/"
        assert not User.objects.filter(email="olga@fabrikam.com").exists()


def test_pages_sign_in_is_judged_by_the_pages_configuration(
    client, microsoft, outsider, per_request_settings
):
    response = microsoft.login(client, outsider, next="/private/")

    assert response["Location"] == "/private/"
    user = User.objects.get(email="olga@fabrikam.com")
    # The pages give no first superuser, and their longer session.
    assert not user.is_superuser
    assert not user.is_staff
    assert client.session.get_expiry_age() == 86400


def test_first_pages_user_does_not_become_superuser(
    client, microsoft, colleague, per_request_settings
):
    microsoft.login(client, colleague, next="/private/")

    assert not User.objects.get(email="carl@contoso.com").is_superuser


def test_admin_sign_in_is_judged_by_the_admin_configuration(
    client, microsoft, colleague, per_request_settings
):
    response = microsoft.login(client, colleague, next="/admin/")

    assert response["Location"] == "/admin/"
    assert User.objects.get(email="carl@contoso.com").is_superuser
    assert client.session.get_expiry_age() == 3600


def test_admin_refuses_a_domain_only_the_pages_allow(
    client, microsoft, outsider, per_request_settings
):
    response = microsoft.login(client, outsider, next="/admin/")

    assert response["Location"] == "/admin/login/"
    assert not User.objects.filter(email="olga@fabrikam.com").exists()
    assert "_auth_user_id" not in client.session


def test_failed_pages_sign_in_goes_to_the_pages_failure_url(
    client, microsoft, outsider, per_request_settings, settings
):
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = False

    response = microsoft.login(client, outsider, next="/private/")

    assert response["Location"] == "/"


# -- admin.md / troubleshooting.md: a project's user admin with 7.x's inline --------------------


def reload_urls():
    """The admin's URLs are bound to the registered admins when the URLconf loads."""
    import importlib

    from django.urls import clear_url_caches

    from tests.project import urls

    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def restored_admin_registry():
    from django.contrib import admin

    saved = dict(admin.site._registry)
    yield
    admin.site._registry.clear()
    admin.site._registry.update(saved)
    reload_urls()


def test_admin_md_user_admin_with_the_inline(client, restored_admin_registry, microsoft):
    # admin.md's snippet, as a project's admin.py runs it.
    from django.contrib import admin

    from django_microsoft_sso.admin import MicrosoftSSOInlineAdmin, get_current_user_and_admin

    CurrentUserModel, last_admin, LastUserAdmin = get_current_user_and_admin()
    if admin.site.is_registered(CurrentUserModel):
        admin.site.unregister(CurrentUserModel)

    @admin.register(CurrentUserModel)
    class CustomUserAdmin(LastUserAdmin):
        inlines = (
            tuple({*list(last_admin.inlines), MicrosoftSSOInlineAdmin})
            if last_admin
            else (MicrosoftSSOInlineAdmin,)
        )

    reload_urls()
    person = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    microsoft.login(client, person)
    user = User.objects.get()
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)

    page = client.get(f"/admin/auth/user/{user.pk}/change/")

    assert page.status_code == 200
    assert "Microsoft identity" in page.content.decode()
    assert person.object_id in page.content.decode()


def test_get_current_user_and_admin_without_a_user_admin(restored_admin_registry):
    from django.contrib import admin
    from django.contrib.auth.admin import UserAdmin

    from django_microsoft_sso.admin import get_current_user_and_admin

    admin.site.unregister(User)

    assert get_current_user_and_admin() == (User, None, UserAdmin)


# -- smaller: the model's picture, models.User, OPTIONS on the logout view ----------------------


def test_picture_property_is_an_img_of_the_picture_view(client, microsoft):
    from django_microsoft_sso.models import MicrosoftSSOUser
    from django_microsoft_sso.testing import TINY_PNG

    person = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", photo=TINY_PNG)
    microsoft.login(client, person)
    link = MicrosoftSSOUser.objects.get()

    assert str(link.picture).startswith(f'<img src="/microsoft_sso/picture/{link.user_id}/"')
    assert client.get(f"/microsoft_sso/picture/{link.user_id}/").status_code == 200


def test_models_user_is_the_user_model():
    from django_microsoft_sso import models

    assert models.User is User


@pytest.mark.parametrize("url", ["/microsoft_sso/logout/", "/compat/slo/"])
def test_logout_answers_options_without_logging_out(client, microsoft, url):
    person = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    microsoft.login(client, person)

    response = client.options(url)

    assert response.status_code == 200
    assert response["Allow"] == "POST, OPTIONS"
    assert "_auth_user_id" in client.session


# -- quick_setup.md: the package listed after django.contrib.admin -------------------------------


@pytest.fixture
def admin_listed_first(settings):
    from django.contrib.admin import site

    saved = site.login_template
    site.login_template = None
    apps = [app for app in settings.INSTALLED_APPS if app != "django_microsoft_sso"]
    settings.INSTALLED_APPS = [*apps, "django_microsoft_sso"]
    yield
    site.login_template = saved


def sso_buttons(page):
    return re.findall(r'class="sso-login__button sso-login__button--(\w+)', page)


def test_admin_login_shows_the_button_when_listed_after_the_admin(client, admin_listed_first):
    page = client.get("/admin/login/", {"next": "/admin/"}).content.decode()

    assert sso_buttons(page) == ["microsoft"]
    assert page.index("sso-login__button") < page.index('id="login-form"')
    assert "/microsoft_sso/login/?next=%2Fadmin%2F" in page


@pytest.mark.parametrize("listed_first", [False, True])
def test_admin_login_shows_the_button_once(client, settings, listed_first, request):
    if listed_first:
        request.getfixturevalue("admin_listed_first")

    page = client.get("/admin/login/").content.decode()

    assert sso_buttons(page) == ["microsoft"]
    assert page.count("microsoft_button.css") == 1


def test_admin_login_hides_the_form_when_told(client, admin_listed_first, settings):
    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = False

    page = client.get("/admin/login/").content.decode()

    assert sso_buttons(page) == ["microsoft"]
    assert 'id="login-form"' not in page


# -- urls.md: LoginView(template_name="microsoft_sso/login.html") --------------------------------


def test_login_view_with_7x_login_template(client):
    page = client.get("/compat/accounts/login/", {"next": "/private/"}).content.decode()

    assert sso_buttons(page) == ["microsoft"]
    assert "/microsoft_sso/login/?next=%2Fprivate%2F" in page
    assert 'id="login-form"' in page


def test_login_template_honours_the_views_context(client):
    page = client.get("/compat/accounts/login/custom/").content.decode()

    assert "SignWithContext" in page
    assert 'id="login-form"' not in page


# -- customize.md: 7.x's class names beside the new ones -----------------------------------------


def test_button_keeps_7x_class_names(client):
    page = client.get("/sign-in/").content.decode()

    assert re.search(r'<a class="[^"]*\bmicrosoft-login-btn\b', page)
    assert re.search(r'<img class="[^"]*\bmicrosoft-btn-logo\b', page)
    assert re.search(r'<span class="[^"]*\bmicrosoft-btn-label\b', page)


# -- how.md / third_party_admins.md: the sso_tags and show_form libraries -----------------------


def test_sso_tags_library_in_a_template(rf):
    request = rf.get("/sign-in/", {"next": "/private/"})
    source = (
        "{% load sso_tags show_form %}{% define_sso_providers as providers %}"
        "{% define_show_form as show_form %}"
        "{% for p in providers %}{{ p.name }}|{{ p.text }}|{{ p.login_url }}|{{ p.css_url }}"
        "{% endfor %}|{{ show_form }}"
    )

    output = Template(source).render(RequestContext(request))

    assert output == (
        "microsoft|Sign in with Microsoft|/microsoft_sso/login/?next=%2Fprivate%2F|"
        "/static/django_microsoft_sso/microsoft_button.css|True"
    )


def test_define_sso_providers_from_python_gives_dicts_a_view_can_change(client, rf):
    from django_microsoft_sso.templatetags.show_form import define_show_form
    from django_microsoft_sso.templatetags.sso_tags import define_sso_providers

    request = rf.get("/sign-in/")
    providers = define_sso_providers({"request": request})
    providers[0]["text"] = "SignWith2"

    page = render_to_string(
        "microsoft_sso/login_sso.html", {"sso_providers": providers}, request=request
    )

    assert "SignWith2" in page
    assert define_show_form({"request": request}) is True


def test_async_helpers_of_utils(rf, settings):
    from asgiref.sync import async_to_sync

    from django_microsoft_sso.utils import adefine_show_form, adefine_sso_providers

    settings.SSO_SHOW_FORM_ON_ADMIN_PAGE = False
    request = rf.get("/sign-in/")

    providers = async_to_sync(adefine_sso_providers)(request)

    assert [provider["name"] for provider in providers] == ["microsoft"]
    assert async_to_sync(adefine_show_form)(request) is False


def test_no_template_library_warning_of_our_own():
    from django.core.checks import run_checks

    assert not [m for m in run_checks() if m.id in ("templates.W003", "templates.E003")]
