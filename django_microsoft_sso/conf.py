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

Each setting is declared once, as a ``Setting`` in the body of ``Settings``: its name, default,
the check of its value's shape, whether it may be a callable of the request, whether it names a
hook. ``DEFAULTS``, ``NOT_REQUEST_CALLABLE``, the checks, ``hooks.HOOK_SETTINGS`` and the test that
keeps docs/settings.md complete are read from there.

Nothing is cached, so ``override_settings`` and pytest-django's ``settings`` fixture just work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from django.conf import settings as django_settings
from django.http import HttpRequest

from django_microsoft_sso import shapes

T = TypeVar("T")

# The shipped logo, used when MICROSOFT_SSO_LOGO_URL is not set.
DEFAULT_LOGO = "django_microsoft_sso/microsoft_logo.svg"


def raw(name: str) -> Any:
    """Return the setting as the project wrote it (a value, or a callable of the request)."""
    if hasattr(django_settings, name):
        return getattr(django_settings, name)
    declared = DECLARED[name]
    if declared.legacy_name and hasattr(django_settings, declared.legacy_name):
        return getattr(django_settings, declared.legacy_name)
    return declared.default


def is_request_callable(name: str) -> bool:
    """Whether the project's value is a callable of the request (never true of a hook)."""
    return DECLARED[name].request_callable and callable(raw(name))


def value(name: str, request: HttpRequest | None = None) -> Any:
    """Return the setting, calling it with ``request`` when the project set a callable."""
    setting = raw(name)
    if callable(setting) and DECLARED[name].request_callable:
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


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting, declared once: ``DEFAULTS``, the checks and the docs test all read this.

    On ``Settings`` it is also the typed accessor: the setting, resolved for that request.
    ``check_id``, ``problem`` and ``hint``: the system check of the value's type and shape (see
    ``shapes``). ``request_callable``: False where a function is the value itself (a dotted path
    or the object: hooks, classes, factories). ``hook``: one of the 7.x hooks (check E004).
    ``legacy_name``: 7.x's other spelling, still read when the name is not set.
    """

    name: str
    default: T
    check_id: str | None = None
    problem: shapes.Problem | None = None
    hint: str = ""
    request_callable: bool = True
    hook: bool = False
    legacy_name: str | None = None

    def __post_init__(self) -> None:
        if (self.check_id is None) != (self.problem is None) or (self.problem and not self.hint):
            raise TypeError(f"{self.name}: a shape needs its check id, problem and hint.")
        if self.hook and self.request_callable:
            raise TypeError(f"{self.name}: a hook is never a callable of the request.")

    @overload
    def __get__(self, instance: None, owner: type[Settings] | None = None) -> Setting[T]: ...

    @overload
    def __get__(self, instance: Settings, owner: type[Settings] | None = None) -> T: ...

    def __get__(
        self, instance: Settings | None, owner: type[Settings] | None = None
    ) -> T | Setting[T]:
        if instance is None:
            return self
        return value(self.name, instance.request)  # type: ignore[no-any-return]


def flag(name: str, default: bool, check_id: str, **more: Any) -> Setting[bool]:
    """A True/False setting, with its shape check."""
    return Setting[bool](name, default, check_id, shapes.boolean, shapes.BOOL_HINT, **more)


def named_object(name: str, default: str | None, **more: Any) -> Setting[Any]:
    """A setting that names a function or class: a dotted path, or the object itself."""
    return Setting[Any](name, default, request_callable=False, **more)


class Settings:
    """The package's settings for one request, with request-callables resolved.

    Each ``Setting`` here declares one setting; adding a setting is adding a line here.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    enabled = flag("MICROSOFT_SSO_ENABLED", True, "E018")
    enable_logs = flag("MICROSOFT_SSO_ENABLE_LOGS", True, "E019")
    enable_messages = flag("MICROSOFT_SSO_ENABLE_MESSAGES", True, "E020")
    application_id = Setting[str | None](
        "MICROSOFT_SSO_APPLICATION_ID",
        None,
        "E021",
        shapes.str_or_none,
        'Write the Application (client) ID as a string: "11111111-2222-3333-4444-555555555555".',
    )
    client_secret = Setting[str | None](
        "MICROSOFT_SSO_CLIENT_SECRET",
        None,
        "E022",
        shapes.str_or_none,
        'Write the client secret\'s Value as a string, e.g. os.environ["…"].',
    )
    authority_setting = Setting[Any]("MICROSOFT_SSO_AUTHORITY", None)
    cloud = Setting[Any]("MICROSOFT_SSO_CLOUD", "global")
    certificate = Setting[dict[str, Any] | None]("MICROSOFT_SSO_CERTIFICATE", None)
    scopes = Setting[list[str]](
        "MICROSOFT_SSO_SCOPES",
        ["User.ReadBasic.All"],
        "E023",
        shapes.list_of(shapes.scope),
        'Write a list of scopes: ["User.ReadBasic.All"].',
    )
    timeout_minutes = Setting[int](
        "MICROSOFT_SSO_TIMEOUT",
        10,
        "E024",
        shapes.positive,
        "Write the minutes a sign-in may take: 10.",
    )
    graph_timeout = Setting[float](
        "MICROSOFT_SSO_GRAPH_TIMEOUT",
        10,
        "E025",
        shapes.positive,
        "Write the seconds a request to Microsoft may take: 10.",
    )
    callback_domain = Setting[str | None](
        "MICROSOFT_SSO_CALLBACK_DOMAIN",
        None,
        "E026",
        shapes.host,
        'Write the host name, "app.contoso.com", or the origin, "https://app.contoso.com": '
        "no path.",
    )
    require_secure_callback = flag("MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK", False, "E027")
    cache_name = Setting[str](
        "MICROSOFT_SSO_CACHE_NAME",
        "default",
        "E028",
        shapes.text,
        'Write the name of a cache in CACHES: "default".',
    )
    allowable_domains = Setting[list[str]](
        "MICROSOFT_SSO_ALLOWABLE_DOMAINS",
        [],
        "E029",
        shapes.list_of(shapes.domain),
        'Write a list: ["contoso.com", "*.contoso.com"], or ["*"] for any domain; '
        "no spaces, no @.",
    )
    allowed_tenants = Setting[list[str] | None](
        "MICROSOFT_SSO_ALLOWED_TENANTS",
        None,
        "E030",
        shapes.list_of(shapes.tenant, allow_none=True),
        'Write a list of tenant ids (the GUIDs Entra shows, not domains), or ["*"] for any tenant.',
    )
    auto_create_users = flag("MICROSOFT_SSO_AUTO_CREATE_USERS", True, "E031")
    unique_email = flag("MICROSOFT_SSO_UNIQUE_EMAIL", False, "E032")
    staff_list = Setting[list[str]](
        "MICROSOFT_SSO_STAFF_LIST",
        [],
        "E033",
        shapes.list_of(shapes.address),
        'Write a list of addresses: ["ada@contoso.com"].',
    )
    superuser_list = Setting[list[str]](
        "MICROSOFT_SSO_SUPERUSER_LIST",
        [],
        "E034",
        shapes.list_of(shapes.address),
        'Write a list of addresses: ["ada@contoso.com"].',
    )
    auto_create_first_superuser = flag("MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER", False, "E035")
    always_update_user_data = flag("MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA", False, "E036")
    save_basic_microsoft_info = flag("MICROSOFT_SSO_SAVE_BASIC_MICROSOFT_INFO", True, "E037")
    save_access_token = flag("MICROSOFT_SSO_SAVE_ACCESS_TOKEN", False, "E038")
    session_follows_token = flag("MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN", False, "E039")
    session_check_minutes = Setting[float](
        "MICROSOFT_SSO_SESSION_CHECK_MINUTES",
        15,
        "E040",
        shapes.positive,
        "Write the minutes between two checks of a session: 15.",
    )
    session_cookie_age = Setting[int](
        "MICROSOFT_SSO_SESSION_COOKIE_AGE",
        3600,
        "E041",
        shapes.whole(0),
        "Write the seconds a session lasts: 3600 (0: until the browser closes).",
    )
    next_url = Setting[str]("MICROSOFT_SSO_NEXT_URL", "admin:index")
    login_failed_url = Setting[str]("MICROSOFT_SSO_LOGIN_FAILED_URL", "admin:login")
    logout_redirect_path = Setting[str]("MICROSOFT_SSO_LOGOUT_REDIRECT_PATH", "admin:index")
    slo_enabled = flag(
        "MICROSOFT_SSO_SLO_ENABLED", False, "E042", legacy_name="MICROSOFT_SLO_ENABLED"
    )
    prompt = Setting[str | None](
        "MICROSOFT_SSO_PROMPT",
        None,
        "E075",
        shapes.prompt,
        'Write one of "select_account", "login", "consent", "none", or None for no prompt.',
    )
    remember_account = flag("MICROSOFT_SSO_REMEMBER_ACCOUNT", False, "E076")
    authentication_backend = named_object("MICROSOFT_SSO_AUTHENTICATION_BACKEND", None)
    adapter = named_object(
        "MICROSOFT_SSO_ADAPTER", "django_microsoft_sso.adapter.MicrosoftSSOAdapter"
    )
    pre_validate_callback = named_object(
        "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
        "django_microsoft_sso.hooks.pre_validate_user",
        hook=True,
    )
    pre_create_callback = named_object(
        "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
        "django_microsoft_sso.hooks.pre_create_user",
        hook=True,
    )
    pre_create_user_return_full_args = flag(
        "MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS", False, "E043"
    )
    pre_login_callback = named_object(
        "MICROSOFT_SSO_PRE_LOGIN_CALLBACK", "django_microsoft_sso.hooks.pre_login_user", hook=True
    )
    show_failed_login_message = flag("MICROSOFT_SSO_SHOW_FAILED_LOGIN_MESSAGE", False, "E044")
    admin_enabled_setting = Setting[bool | None](
        "MICROSOFT_SSO_ADMIN_ENABLED",
        None,
        "E045",
        shapes.bool_or_none,
        "Write True, False, or None to follow MICROSOFT_SSO_ENABLED.",
    )
    pages_enabled_setting = Setting[bool | None](
        "MICROSOFT_SSO_PAGES_ENABLED",
        None,
        "E046",
        shapes.bool_or_none,
        "Write True, False, or None to follow MICROSOFT_SSO_ENABLED.",
    )
    logo_url = Setting[str | None](
        "MICROSOFT_SSO_LOGO_URL",
        None,
        "E047",
        shapes.str_or_none,
        'Write a URL or a static path: "img/logo.svg", or None for the shipped logo.',
    )
    text = Setting[str](
        "MICROSOFT_SSO_TEXT",
        "Sign in with Microsoft",
        "E048",
        shapes.text,
        'Write the button\'s text: "Sign in with Microsoft".',
    )
    max_picture_bytes = Setting[int](
        "MICROSOFT_SSO_MAX_PICTURE_BYTES",
        100 * 1024,
        "E049",
        shapes.whole(0),
        "Write a size in bytes: 102400.",
    )
    http_transport = named_object(
        "MICROSOFT_SSO_HTTP_TRANSPORT",
        None,
        check_id="E054",
        problem=shapes.transport,
        hint="Point it at a function that returns an httpx transport, or remove it.",
    )
    groups_map = Setting[dict[str, Any]]("MICROSOFT_SSO_GROUPS_MAP", {})
    roles_map = Setting[dict[str, Any]]("MICROSOFT_SSO_ROLES_MAP", {})
    groups_max_pages = Setting[int](
        "MICROSOFT_SSO_GROUPS_MAX_PAGES",
        10,
        "E050",
        shapes.whole(1),
        "Write how many pages of groups to read at most: 10.",
    )
    mapping_tenants = Setting[list[str]]("MICROSOFT_SSO_MAPPING_TENANTS", [])
    api_audiences = Setting[list[str] | None](
        "MICROSOFT_SSO_API_AUDIENCES",
        None,
        "E057",
        shapes.list_of(shapes.audience, allow_none=True),
        'Write a list of audiences: ["api://<application id>"], or None for the application id '
        "and api://<application id>.",
    )
    api_allowed_client_apps = Setting[list[str]](
        "MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS",
        [],
        "E058",
        shapes.list_of(shapes.application_id),
        'Write a list of client application ids: ["11111111-2222-3333-4444-555555555555"].',
    )
    api_create_users = flag("MICROSOFT_SSO_API_CREATE_USERS", False, "E059")
    admin_auth_context = Setting[str | None](
        "MICROSOFT_SSO_ADMIN_AUTH_CONTEXT",
        None,
        "E070",
        shapes.auth_context,
        'Write the id of an authentication context of your tenant: "c1" (c1 to c99), or None.',
    )
    admin_require_mfa = flag("MICROSOFT_SSO_ADMIN_REQUIRE_MFA", False, "E071")
    admin_strong_sign_in_max_age = Setting[int | None](
        "MICROSOFT_SSO_ADMIN_STRONG_SIGN_IN_MAX_AGE",
        None,
        "E072",
        shapes.seconds_or_none,
        "Write the seconds a strong sign-in lets a person into the admin: 3600, or None for "
        "as long as the session lasts.",
    )
    admin_route = Setting[str](
        "SSO_ADMIN_ROUTE",
        "admin:index",
        "E051",
        shapes.admin_route,
        'Write the URL name of your admin\'s index page: "admin:index".',
    )
    show_form_on_admin_page = flag("SSO_SHOW_FORM_ON_ADMIN_PAGE", True, "E052")
    use_alternate_w003 = flag("SSO_USE_ALTERNATE_W003", False, "E053")

    @property
    def admin_enabled(self) -> bool:
        """``MICROSOFT_SSO_ADMIN_ENABLED``; unset (None) follows ``MICROSOFT_SSO_ENABLED``."""
        setting = self.admin_enabled_setting
        return bool(self.enabled if setting is None else setting)

    @property
    def pages_enabled(self) -> bool:
        """``MICROSOFT_SSO_PAGES_ENABLED``; unset (None) follows ``MICROSOFT_SSO_ENABLED``."""
        setting = self.pages_enabled_setting
        return bool(self.enabled if setting is None else setting)

    @property
    def authority(self) -> str | None:
        """The authority URL; an msal ``AuthorityBuilder`` becomes its URL."""
        setting = self.authority_setting
        return None if setting is None else str(setting).rstrip("/")


# Every setting by name, in the order declared; the rest is read from here.
DECLARED: dict[str, Setting[Any]] = {
    declared.name: declared
    for declared in vars(Settings).values()
    if isinstance(declared, Setting)
}
# Settings that 7.x had keep their 7.x default.
DEFAULTS: dict[str, Any] = {name: declared.default for name, declared in DECLARED.items()}
# Settings whose value is a dotted path or the object itself: never called with the request.
NOT_REQUEST_CALLABLE = frozenset(
    name for name, declared in DECLARED.items() if not declared.request_callable
)
