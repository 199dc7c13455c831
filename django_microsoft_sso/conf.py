"""Settings of django-microsoft-sso, with their defaults, read live from ``django.conf.settings``.

Two ways in:

* ``conf.MICROSOFT_SSO_TEXT`` (module attribute) gives the raw value, as 7.x did and as sibling
  packages (django-google-sso and friends) read it: a value, or a callable of the request. Three
  attributes are made ready for those packages, which use them as they are:
  ``conf.MICROSOFT_SSO_LOGO_URL`` is always a URL a browser can load (the shipped logo's when the
  setting is unset), and ``conf.MICROSOFT_SSO_ADMIN_ENABLED`` / ``…_PAGES_ENABLED``, when unset,
  give ``MICROSOFT_SSO_ENABLED`` (which they follow), never None.
* ``conf.Settings(request)`` gives typed properties with request-callables already resolved.
  This is what the package itself uses.

Nothing is cached, so ``override_settings`` and pytest-django's ``settings`` fixture just work.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.conf import settings as django_settings
from django.http import HttpRequest

T = TypeVar("T")

# Every setting, with its default. Settings that 7.x had keep their 7.x default.
DEFAULTS: dict[str, Any] = {
    "MICROSOFT_SSO_ENABLED": True,
    "MICROSOFT_SSO_ENABLE_LOGS": True,
    "MICROSOFT_SSO_ENABLE_MESSAGES": True,
    "MICROSOFT_SSO_APPLICATION_ID": None,
    "MICROSOFT_SSO_CLIENT_SECRET": None,
    "MICROSOFT_SSO_AUTHORITY": None,
    "MICROSOFT_SSO_CLOUD": "global",
    "MICROSOFT_SSO_CERTIFICATE": None,
    "MICROSOFT_SSO_SCOPES": ["User.ReadBasic.All"],
    "MICROSOFT_SSO_TIMEOUT": 10,
    "MICROSOFT_SSO_GRAPH_TIMEOUT": 10,
    "MICROSOFT_SSO_CALLBACK_DOMAIN": None,
    "MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK": False,
    "MICROSOFT_SSO_CACHE_NAME": "default",
    "MICROSOFT_SSO_ALLOWABLE_DOMAINS": [],
    "MICROSOFT_SSO_ALLOWED_TENANTS": None,
    "MICROSOFT_SSO_AUTO_CREATE_USERS": True,
    "MICROSOFT_SSO_UNIQUE_EMAIL": False,
    "MICROSOFT_SSO_STAFF_LIST": [],
    "MICROSOFT_SSO_SUPERUSER_LIST": [],
    "MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER": False,
    "MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA": False,
    "MICROSOFT_SSO_SAVE_BASIC_MICROSOFT_INFO": True,
    "MICROSOFT_SSO_SAVE_ACCESS_TOKEN": False,
    "MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN": False,
    "MICROSOFT_SSO_SESSION_CHECK_MINUTES": 15,
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
    "MICROSOFT_SSO_ADAPTER": "django_microsoft_sso.adapter.MicrosoftSSOAdapter",
    "MICROSOFT_SSO_ADMIN_ENABLED": None,
    "MICROSOFT_SSO_PAGES_ENABLED": None,
    "MICROSOFT_SSO_LOGO_URL": None,
    "MICROSOFT_SSO_TEXT": "Sign in with Microsoft",
    "MICROSOFT_SSO_MAX_PICTURE_BYTES": 100 * 1024,
    "MICROSOFT_SSO_HTTP_TRANSPORT": None,
    "MICROSOFT_SSO_GROUPS_MAP": {},
    "MICROSOFT_SSO_ROLES_MAP": {},
    "MICROSOFT_SSO_GROUPS_MAX_PAGES": 10,
    "MICROSOFT_SSO_MAPPING_TENANTS": [],
    "SSO_ADMIN_ROUTE": "admin:index",
    "SSO_SHOW_FORM_ON_ADMIN_PAGE": True,
    "SSO_USE_ALTERNATE_W003": False,
}

# Settings whose value is a dotted path or the object itself: never called with the request.
NOT_REQUEST_CALLABLE = frozenset(
    {
        "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
        "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
        "MICROSOFT_SSO_PRE_LOGIN_CALLBACK",
        "MICROSOFT_SSO_AUTHENTICATION_BACKEND",
        "MICROSOFT_SSO_HTTP_TRANSPORT",
        "MICROSOFT_SSO_ADAPTER",
    }
)

# 7.x spelled this one without "SSO_"; a project that still sets the old name keeps working.
_LEGACY_NAMES = {"MICROSOFT_SSO_SLO_ENABLED": "MICROSOFT_SLO_ENABLED"}

# The shipped logo, used when MICROSOFT_SSO_LOGO_URL is not set.
DEFAULT_LOGO = "django_microsoft_sso/microsoft_logo.svg"


def raw(name: str) -> Any:
    """Return the setting as the project wrote it (a value, or a callable of the request)."""
    if hasattr(django_settings, name):
        return getattr(django_settings, name)
    legacy = _LEGACY_NAMES.get(name)
    if legacy and hasattr(django_settings, legacy):
        return getattr(django_settings, legacy)
    return DEFAULTS[name]


def value(name: str, request: HttpRequest | None = None) -> Any:
    """Return the setting, calling it with ``request`` when the project set a callable."""
    setting = raw(name)
    if callable(setting) and name not in NOT_REQUEST_CALLABLE:
        if request is None:
            raise TypeError(f"{name} is a callable of the request; no request is at hand.")
        return setting(request)
    return setting


def parse_callback_domain(domain: str) -> tuple[str | None, str]:
    """(scheme, host) of ``MICROSOFT_SSO_CALLBACK_DOMAIN``: ``"www.example.com"`` (the scheme is
    the request's) or an origin, ``"https://www.example.com"``. ValueError when it is neither."""
    from urllib.parse import urlsplit

    text = str(domain).strip()
    host_only = "://" not in text
    if host_only and any(char in text for char in "/?#@\\ "):
        raise ValueError(f"{text!r} is neither a host nor an origin such as https://<host>")
    try:
        parts = urlsplit("//" + text if host_only else text)
        _ = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        parts = None
    if host_only:
        if parts is None or not parts.hostname:
            raise ValueError(f"{text!r} is neither a host nor an origin such as https://<host>")
        return None, text
    if (
        parts is None
        or parts.scheme.lower() not in ("https", "http")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"{text!r} is not an origin such as https://<host>")
    return parts.scheme.lower(), parts.netloc


def asset_url(path: str) -> str | None:
    """A URL or absolute path as it is; anything else is a static file's path, made its URL."""
    if path.startswith(("https://", "http://", "/")):
        return path
    from django.templatetags.static import static

    try:
        return static(path)
    except ValueError:  # Not in the manifest of ManifestStaticFilesStorage.
        return None


def logo_url_for_siblings() -> Any:
    """``MICROSOFT_SSO_LOGO_URL`` as other provider apps read it: a URL, never a static path.

    Unset, it is the shipped logo's URL; a callable of the request stays one, its result made a URL.
    """
    setting = raw("MICROSOFT_SSO_LOGO_URL")
    if callable(setting):
        return lambda request: asset_url(str(setting(request) or DEFAULT_LOGO))
    return asset_url(str(setting or DEFAULT_LOGO))


# Unset, these follow MICROSOFT_SSO_ENABLED; a sibling app that sees None for one of them while
# the other is set takes it as "off", so the module attribute gives the value it follows.
_AREA_SWITCHES = frozenset({"MICROSOFT_SSO_ADMIN_ENABLED", "MICROSOFT_SSO_PAGES_ENABLED"})


def __getattr__(name: str) -> Any:
    if name == "MICROSOFT_SSO_LOGO_URL":
        return logo_url_for_siblings()
    if name in _AREA_SWITCHES:
        switch = raw(name)
        return raw("MICROSOFT_SSO_ENABLED") if switch is None else switch
    if name in DEFAULTS:
        return raw(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Setting(Generic[T]):
    """A typed, live view of one setting, resolved for the request of its ``Settings``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__doc__ = f"``{name}``"

    def __get__(self, instance: Settings, owner: type[Settings] | None = None) -> T:
        return value(self.name, instance.request)  # type: ignore[no-any-return]


class Settings:
    """The package's settings for one request, with request-callables resolved."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    enabled = _Setting[bool]("MICROSOFT_SSO_ENABLED")
    enable_logs = _Setting[bool]("MICROSOFT_SSO_ENABLE_LOGS")
    enable_messages = _Setting[bool]("MICROSOFT_SSO_ENABLE_MESSAGES")
    application_id = _Setting[str | None]("MICROSOFT_SSO_APPLICATION_ID")
    client_secret = _Setting[str | None]("MICROSOFT_SSO_CLIENT_SECRET")
    authority_setting = _Setting[Any]("MICROSOFT_SSO_AUTHORITY")
    cloud = _Setting[Any]("MICROSOFT_SSO_CLOUD")
    certificate = _Setting[dict[str, Any] | None]("MICROSOFT_SSO_CERTIFICATE")
    scopes = _Setting[list[str]]("MICROSOFT_SSO_SCOPES")
    timeout_minutes = _Setting[int]("MICROSOFT_SSO_TIMEOUT")
    graph_timeout = _Setting[float]("MICROSOFT_SSO_GRAPH_TIMEOUT")
    callback_domain = _Setting[str | None]("MICROSOFT_SSO_CALLBACK_DOMAIN")
    require_secure_callback = _Setting[bool]("MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK")
    cache_name = _Setting[str]("MICROSOFT_SSO_CACHE_NAME")
    allowable_domains = _Setting[list[str]]("MICROSOFT_SSO_ALLOWABLE_DOMAINS")
    allowed_tenants = _Setting[list[str] | None]("MICROSOFT_SSO_ALLOWED_TENANTS")
    auto_create_users = _Setting[bool]("MICROSOFT_SSO_AUTO_CREATE_USERS")
    unique_email = _Setting[bool]("MICROSOFT_SSO_UNIQUE_EMAIL")
    staff_list = _Setting[list[str]]("MICROSOFT_SSO_STAFF_LIST")
    superuser_list = _Setting[list[str]]("MICROSOFT_SSO_SUPERUSER_LIST")
    auto_create_first_superuser = _Setting[bool]("MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER")
    always_update_user_data = _Setting[bool]("MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA")
    save_basic_microsoft_info = _Setting[bool]("MICROSOFT_SSO_SAVE_BASIC_MICROSOFT_INFO")
    save_access_token = _Setting[bool]("MICROSOFT_SSO_SAVE_ACCESS_TOKEN")
    session_follows_token = _Setting[bool]("MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN")
    session_check_minutes = _Setting[float]("MICROSOFT_SSO_SESSION_CHECK_MINUTES")
    session_cookie_age = _Setting[int]("MICROSOFT_SSO_SESSION_COOKIE_AGE")
    next_url = _Setting[str]("MICROSOFT_SSO_NEXT_URL")
    login_failed_url = _Setting[str]("MICROSOFT_SSO_LOGIN_FAILED_URL")
    logout_redirect_path = _Setting[str]("MICROSOFT_SSO_LOGOUT_REDIRECT_PATH")
    slo_enabled = _Setting[bool]("MICROSOFT_SSO_SLO_ENABLED")
    authentication_backend = _Setting[Any]("MICROSOFT_SSO_AUTHENTICATION_BACKEND")
    adapter = _Setting[Any]("MICROSOFT_SSO_ADAPTER")
    pre_create_user_return_full_args = _Setting[bool](
        "MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS"
    )
    show_failed_login_message = _Setting[bool]("MICROSOFT_SSO_SHOW_FAILED_LOGIN_MESSAGE")
    logo_url = _Setting[str | None]("MICROSOFT_SSO_LOGO_URL")
    text = _Setting[str]("MICROSOFT_SSO_TEXT")
    max_picture_bytes = _Setting[int]("MICROSOFT_SSO_MAX_PICTURE_BYTES")
    groups_map = _Setting[dict[str, Any]]("MICROSOFT_SSO_GROUPS_MAP")
    roles_map = _Setting[dict[str, Any]]("MICROSOFT_SSO_ROLES_MAP")
    groups_max_pages = _Setting[int]("MICROSOFT_SSO_GROUPS_MAX_PAGES")
    mapping_tenants = _Setting[list[str]]("MICROSOFT_SSO_MAPPING_TENANTS")
    admin_route = _Setting[str]("SSO_ADMIN_ROUTE")
    show_form_on_admin_page = _Setting[bool]("SSO_SHOW_FORM_ON_ADMIN_PAGE")

    @property
    def admin_enabled(self) -> bool:
        """``MICROSOFT_SSO_ADMIN_ENABLED``; unset (None) follows ``MICROSOFT_SSO_ENABLED``."""
        setting = value("MICROSOFT_SSO_ADMIN_ENABLED", self.request)
        return bool(self.enabled if setting is None else setting)

    @property
    def pages_enabled(self) -> bool:
        """``MICROSOFT_SSO_PAGES_ENABLED``; unset (None) follows ``MICROSOFT_SSO_ENABLED``."""
        setting = value("MICROSOFT_SSO_PAGES_ENABLED", self.request)
        return bool(self.enabled if setting is None else setting)

    @property
    def authority(self) -> str | None:
        """The authority URL; an msal ``AuthorityBuilder`` becomes its URL."""
        setting = self.authority_setting
        return None if setting is None else str(setting).rstrip("/")
