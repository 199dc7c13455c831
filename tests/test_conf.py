"""Settings: the 7.x names and defaults, read live, and values that are callables of the request."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from django_microsoft_sso import conf, hooks
from django_microsoft_sso.testing import DEFAULT_TENANT_ID

# The settings of django-microsoft-sso 7.x and their defaults, as listed in DESIGN.md. Where
# DESIGN.md names a setting without a default, the value is 7.x's: no credentials, the hooks of
# ``django_microsoft_sso.hooks``, the shipped logo (None here), and the shared SSO_* defaults.
SEVEN_X_DEFAULTS = {
    "MICROSOFT_SSO_ENABLED": True,
    "MICROSOFT_SSO_ENABLE_LOGS": True,
    "MICROSOFT_SSO_ENABLE_MESSAGES": True,
    "MICROSOFT_SSO_APPLICATION_ID": None,
    "MICROSOFT_SSO_CLIENT_SECRET": None,
    "MICROSOFT_SSO_AUTHORITY": None,
    "MICROSOFT_SSO_SCOPES": ["User.ReadBasic.All"],
    "MICROSOFT_SSO_TIMEOUT": 10,
    "MICROSOFT_SSO_GRAPH_TIMEOUT": 10,
    "MICROSOFT_SSO_CALLBACK_DOMAIN": None,
    "MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK": False,
    "MICROSOFT_SSO_CACHE_NAME": "default",
    "MICROSOFT_SSO_ALLOWABLE_DOMAINS": [],
    "MICROSOFT_SSO_AUTO_CREATE_USERS": True,
    "MICROSOFT_SSO_UNIQUE_EMAIL": False,
    "MICROSOFT_SSO_STAFF_LIST": [],
    "MICROSOFT_SSO_SUPERUSER_LIST": [],
    "MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER": False,
    "MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA": False,
    "MICROSOFT_SSO_SAVE_BASIC_MICROSOFT_INFO": True,
    "MICROSOFT_SSO_SAVE_ACCESS_TOKEN": False,
    "MICROSOFT_SSO_SESSION_COOKIE_AGE": 3600,
    "MICROSOFT_SSO_NEXT_URL": "admin:index",
    "MICROSOFT_SSO_LOGIN_FAILED_URL": "admin:login",
    "MICROSOFT_SSO_LOGOUT_REDIRECT_PATH": "admin:index",
    "MICROSOFT_SSO_SLO_ENABLED": False,
    "MICROSOFT_SSO_AUTHENTICATION_BACKEND": None,
    "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK": "django_microsoft_sso.hooks.pre_validate_user",
    "MICROSOFT_SSO_PRE_CREATE_CALLBACK": "django_microsoft_sso.hooks.pre_create_user",
    "MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS": False,
    "MICROSOFT_SSO_PRE_LOGIN_CALLBACK": "django_microsoft_sso.hooks.pre_login_user",
    "MICROSOFT_SSO_SHOW_FAILED_LOGIN_MESSAGE": False,
    "MICROSOFT_SSO_ADMIN_ENABLED": None,
    "MICROSOFT_SSO_PAGES_ENABLED": None,
    "MICROSOFT_SSO_LOGO_URL": None,
    "MICROSOFT_SSO_TEXT": "Sign in with Microsoft",
    "SSO_ADMIN_ROUTE": "admin:index",
    "SSO_SHOW_FORM_ON_ADMIN_PAGE": True,
    "SSO_USE_ALTERNATE_W003": False,
}
# Settings this package adds; their defaults keep a 7.x project working unchanged.
NEW_DEFAULTS = {
    "MICROSOFT_SSO_ADAPTER": "django_microsoft_sso.adapter.MicrosoftSSOAdapter",
    "MICROSOFT_SSO_ALLOWED_TENANTS": None,
    "MICROSOFT_SSO_MAX_PICTURE_BYTES": 100 * 1024,
    "MICROSOFT_SSO_HTTP_TRANSPORT": None,
    "MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN": False,
    "MICROSOFT_SSO_SESSION_CHECK_MINUTES": 15,
    "MICROSOFT_SSO_GROUPS_MAP": {},
    "MICROSOFT_SSO_ROLES_MAP": {},
    "MICROSOFT_SSO_GROUPS_MAX_PAGES": 10,
    "MICROSOFT_SSO_MAPPING_TENANTS": [],
    "MICROSOFT_SSO_CLOUD": "global",
    "MICROSOFT_SSO_CERTIFICATE": None,
    "MICROSOFT_SSO_API_AUDIENCES": None,
    "MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS": [],
    "MICROSOFT_SSO_API_CREATE_USERS": False,
    "MICROSOFT_SSO_PROMPT": None,
    "MICROSOFT_SSO_REMEMBER_ACCOUNT": False,
    "MICROSOFT_SSO_ADMIN_AUTH_CONTEXT": None,
    "MICROSOFT_SSO_ADMIN_REQUIRE_MFA": False,
    "MICROSOFT_SSO_ADMIN_STRONG_SIGN_IN_MAX_AGE": None,
}


def test_every_setting_has_its_documented_default():
    assert conf.DEFAULTS == SEVEN_X_DEFAULTS | NEW_DEFAULTS


# Module attributes that other provider apps use as they are: tested on their own below.
READY_FOR_SIBLINGS = {
    "MICROSOFT_SSO_LOGO_URL",
    "MICROSOFT_SSO_ADMIN_ENABLED",
    "MICROSOFT_SSO_PAGES_ENABLED",
}


@pytest.mark.parametrize(
    "name", sorted((SEVEN_X_DEFAULTS | NEW_DEFAULTS).keys() - READY_FOR_SIBLINGS)
)
def test_unset_setting_reads_as_its_default(settings, name):
    if hasattr(settings, name):
        delattr(settings, name)

    assert getattr(conf, name) == conf.DEFAULTS[name]


# -- the attributes other provider apps read ------------------------------------------------------


@pytest.mark.parametrize("name", ["MICROSOFT_SSO_ADMIN_ENABLED", "MICROSOFT_SSO_PAGES_ENABLED"])
@pytest.mark.parametrize("enabled", [True, False, len])
def test_unset_area_switch_attribute_is_what_it_follows(settings, name, enabled):
    if hasattr(settings, name):
        delattr(settings, name)
    settings.MICROSOFT_SSO_ENABLED = enabled

    assert conf.DEFAULTS[name] is None
    assert getattr(conf, name) is enabled


@pytest.mark.parametrize("name", ["MICROSOFT_SSO_ADMIN_ENABLED", "MICROSOFT_SSO_PAGES_ENABLED"])
def test_set_area_switch_attribute_is_the_setting(settings, name):
    settings.MICROSOFT_SSO_ENABLED = True
    setattr(settings, name, False)

    assert getattr(conf, name) is False


def test_unset_logo_url_attribute_is_the_shipped_logo(settings):
    if hasattr(settings, "MICROSOFT_SSO_LOGO_URL"):
        del settings.MICROSOFT_SSO_LOGO_URL

    assert conf.MICROSOFT_SSO_LOGO_URL == "/static/django_microsoft_sso/microsoft_logo.svg"
    assert conf.Settings().logo_url is None


@pytest.mark.parametrize(
    ("setting", "attribute"),
    [
        ("https://intranet.contoso.com/logo.png", "https://intranet.contoso.com/logo.png"),
        ("/branding/contoso.svg", "/branding/contoso.svg"),
        ("branding/contoso.svg", "/static/branding/contoso.svg"),
    ],
)
def test_logo_url_attribute_is_a_url(settings, setting, attribute):
    settings.MICROSOFT_SSO_LOGO_URL = setting

    assert attribute == conf.MICROSOFT_SSO_LOGO_URL
    assert conf.Settings().logo_url == setting


@pytest.mark.parametrize(
    ("returned", "url"),
    [
        ("branding/app.example.com.svg", "/static/branding/app.example.com.svg"),
        (None, "/static/django_microsoft_sso/microsoft_logo.svg"),
    ],
)
def test_logo_url_callable_stays_a_callable_that_gives_a_url(settings, returned, url):
    settings.MICROSOFT_SSO_LOGO_URL = lambda request: returned

    assert conf.MICROSOFT_SSO_LOGO_URL(RequestFactory().get("/")) == url


def test_module_attribute_reads_the_setting_live(settings):
    settings.MICROSOFT_SSO_TEXT = "Sign in with Contoso"
    assert conf.MICROSOFT_SSO_TEXT == "Sign in with Contoso"

    settings.MICROSOFT_SSO_TEXT = "Sign in with Fabrikam"
    assert conf.MICROSOFT_SSO_TEXT == "Sign in with Fabrikam"
    assert conf.Settings().text == "Sign in with Fabrikam"


def test_unknown_module_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = conf.MICROSOFT_SSO_NO_SUCH_SETTING


def test_callable_of_the_request_is_raw_on_the_module_and_resolved_by_settings(settings):
    def text_for(request):
        return f"Sign in to {request.get_host()}"

    settings.MICROSOFT_SSO_TEXT = text_for
    request = RequestFactory().get("/", HTTP_HOST="app.example.com")

    assert conf.MICROSOFT_SSO_TEXT is text_for
    assert conf.Settings(request).text == "Sign in to app.example.com"


def test_callable_without_a_request_at_hand_is_an_error(settings):
    settings.MICROSOFT_SSO_TEXT = lambda request: "never called"

    with pytest.raises(TypeError, match="MICROSOFT_SSO_TEXT is a callable of the request"):
        _ = conf.Settings().text


@pytest.mark.django_db
def test_callable_setting_is_resolved_for_the_sign_in_request(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = lambda request: [request.get_host()]
    settings.ALLOWED_HOSTS = ["contoso.com", "fabrikam.com"]
    alice = microsoft.add_user("alice@contoso.com")
    client.defaults["HTTP_HOST"] = "fabrikam.com"

    refused = microsoft.login(client, alice)
    client.defaults["HTTP_HOST"] = "contoso.com"
    accepted = microsoft.login(client, alice)

    assert refused.url == reverse("admin:login")
    assert [str(m) for m in get_messages(refused.wsgi_request)] == [
        "Email address not allowed: alice@contoso.com. Please contact your administrator."
    ]
    assert accepted.url == reverse("admin:index")
    assert get_user_model().objects.get().username == "alice@contoso.com"


def test_legacy_slo_name_of_7x_still_works(settings):
    settings.MICROSOFT_SLO_ENABLED = True

    assert conf.MICROSOFT_SSO_SLO_ENABLED is True
    assert conf.Settings().slo_enabled is True


def test_new_slo_name_wins_over_the_legacy_one(settings):
    settings.MICROSOFT_SLO_ENABLED = True
    settings.MICROSOFT_SSO_SLO_ENABLED = False

    assert conf.Settings().slo_enabled is False


@pytest.mark.django_db
def test_legacy_slo_name_signs_out_of_microsoft(client, microsoft, settings):
    settings.MICROSOFT_SLO_ENABLED = True
    client.force_login(get_user_model().objects.create_user("alice@contoso.com"))

    response = client.post(reverse("django_microsoft_sso:oauth_logout"))

    assert response.url.startswith(
        f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}/oauth2/v2.0/logout?"
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "name",
    [
        "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
        "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
        "MICROSOFT_SSO_PRE_LOGIN_CALLBACK",
    ],
)
def test_hook_setting_is_never_called_with_the_request(settings, name):
    calls = []

    def project_hook(*args):
        calls.append(args)

    setattr(settings, name, project_hook)
    request = RequestFactory().get("/")

    assert conf.value(name, request) is project_hook
    assert hooks.load(name) is project_hook
    assert calls == []


def test_backend_class_is_never_called_with_the_request(settings):
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = ModelBackend

    assert conf.Settings(RequestFactory().get("/")).authentication_backend is ModelBackend
    assert hooks.backend_path() == "django.contrib.auth.backends.ModelBackend"


def test_admin_and_pages_enabled_follow_enabled_when_unset(settings):
    settings.MICROSOFT_SSO_ENABLED = False
    assert (conf.Settings().admin_enabled, conf.Settings().pages_enabled) == (False, False)

    settings.MICROSOFT_SSO_ENABLED = True
    settings.MICROSOFT_SSO_PAGES_ENABLED = False
    assert (conf.Settings().admin_enabled, conf.Settings().pages_enabled) == (True, False)


# -- one declaration per setting ------------------------------------------------------------------


def test_each_setting_is_declared_once_with_its_accessor():
    accessors = [
        attribute
        for attribute, declared in vars(conf.Settings).items()
        if isinstance(declared, conf.Setting)
    ]

    assert len(accessors) == len(conf.DECLARED) == len(conf.DEFAULTS)
    for attribute in accessors:
        declared = getattr(conf.Settings, attribute)
        assert conf.DECLARED[declared.name] is declared


@pytest.mark.parametrize("name", sorted(SEVEN_X_DEFAULTS.keys() | NEW_DEFAULTS.keys()))
def test_accessor_reads_the_default_when_unset(settings, name):
    if hasattr(settings, name):
        delattr(settings, name)
    attribute = next(
        attribute
        for attribute, declared in vars(conf.Settings).items()
        if isinstance(declared, conf.Setting) and declared.name == name
    )

    assert getattr(conf.Settings(), attribute) == conf.DEFAULTS[name]


def test_a_shape_without_its_check_id_or_hint_is_refused():
    with pytest.raises(TypeError, match="MICROSOFT_SSO_X: a shape needs"):
        conf.Setting("MICROSOFT_SSO_X", 1, "E999", problem=None)
    with pytest.raises(TypeError, match="MICROSOFT_SSO_X: a shape needs"):
        conf.Setting("MICROSOFT_SSO_X", 1, "E999", lambda value: None)
