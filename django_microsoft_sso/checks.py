"""System checks: ``manage.py check`` finds a wrong setting before the first sign-in does.

| id                          | what                                                         |
|-----------------------------|--------------------------------------------------------------|
| django_microsoft_sso.E001   | MICROSOFT_SSO_APPLICATION_ID missing                         |
| django_microsoft_sso.E002   | MICROSOFT_SSO_CLIENT_SECRET missing                          |
| django_microsoft_sso.E003   | MICROSOFT_SSO_AUTHORITY not an https URL or AuthorityBuilder |
| django_microsoft_sso.E004   | a hook setting does not import or is not callable            |
| django_microsoft_sso.E005   | MICROSOFT_SSO_AUTHENTICATION_BACKEND does not import         |
| django_microsoft_sso.E006   | that backend is not in AUTHENTICATION_BACKENDS               |
| django_microsoft_sso.E007   | MICROSOFT_SSO_CACHE_NAME is not a configured cache           |
| django_microsoft_sso.E008   | a URL setting does not resolve                               |
| django_microsoft_sso.E009   | django.contrib.messages missing while messages are on        |
| django_microsoft_sso.W001   | ALLOWABLE_DOMAINS = ["*"] with AUTO_CREATE_USERS             |
| django_microsoft_sso.W002   | a multi-tenant authority and no ALLOWED_TENANTS              |
| django_microsoft_sso.W003   | form_post used states in a per-process (locmem) cache        |
| django_microsoft_sso.E010   | the Microsoft emulator configured outside DEBUG and tests    |
| django_microsoft_sso.W004   | admin listed first and its login template not ours           |
| django_microsoft_sso.W005   | SAVE_ACCESS_TOKEN with a signed-cookie session               |
| django_microsoft_sso.E011   | GROUPS_MAP / ROLES_MAP not a dict of id → name(s)            |
| django_microsoft_sso.E012   | GROUPS_MAP / ROLES_MAP grants an unknown flag (is_…)         |
| django_microsoft_sso.E013   | MICROSOFT_SSO_CLOUD invalid, or the authority not of the cloud |
| django_microsoft_sso.E014   | certificate does not load, or both/neither secret and cert   |
| django_microsoft_sso.E015   | SESSION_FOLLOWS_TOKEN with a signed-cookie session           |
| django_microsoft_sso.E016   | SESSION_FOLLOWS_TOKEN without its middleware, or misplaced   |
| django_microsoft_sso.E017   | a mapping with a multi-tenant authority and no MAPPING_TENANTS |
| django_microsoft_sso.E055   | MAPPING_TENANTS not a list of tenant ids ("*", personal)     |
| django_microsoft_sso.E056   | MICROSOFT_SSO_ADAPTER not a MicrosoftSSOAdapter subclass     |
| django_microsoft_sso.E018…  | one id per setting: its value has the wrong type or shape    |
|   …E054                     | (declared in ``conf.Settings``; see docs/checks.md)         |
| django_microsoft_sso.W006   | nobody can sign in: ALLOWABLE_DOMAINS has no usable entry    |
| django_microsoft_sso.W007   | 7.x left several link rows for one Microsoft identity (run   |
|                             | with ``--database``, as ``migrate`` does)                     |
| django_microsoft_sso.W008   | form_post, and the redirect URI may not be https             |

Settings given as callables of the request cannot be judged without a request and are skipped.
7.x's ids ``sso.W001`` and ``sso.E001`` in ``SILENCED_SYSTEM_CHECKS`` silence W003, which reports
what they reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch
from django.utils.functional import Promise

from django_microsoft_sso import adapter, clouds, conf, credentials, hooks
from django_microsoft_sso.domains import domain_patterns
from django_microsoft_sso.tenants import (
    configured_tenant,
    is_multi_tenant,
    mapping_tenant_errors,
)

ID = "django_microsoft_sso.{}"


def _static(name: str) -> tuple[bool, Any]:
    """(True, value) for a plain setting; (False, None) for a callable of the request."""
    return (False, None) if conf.is_request_callable(name) else (True, conf.raw(name))


@register(Tags.security)
def check_credentials(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    certificate_plain, certificate = _static("MICROSOFT_SSO_CERTIFICATE")
    for name, check_id in (
        ("MICROSOFT_SSO_APPLICATION_ID", "E001"),
        ("MICROSOFT_SSO_CLIENT_SECRET", "E002"),
    ):
        plain, value = _static(name)
        if check_id == "E002" and (certificate or not certificate_plain):
            continue  # a certificate is the credentials (E014 judges it)
        if plain and not value:
            found.append(
                Error(
                    f"{name} is not set.",
                    hint=f"Set {name} to the value from your app registration in Microsoft Entra.",
                    obj=name,
                    id=ID.format(check_id),
                )
            )
    plain, authority = _static("MICROSOFT_SSO_AUTHORITY")
    if plain and authority is not None:
        parts = urlsplit(str(authority))
        if parts.scheme != "https" or not parts.netloc or not parts.path.strip("/"):
            found.append(
                Error(
                    f"MICROSOFT_SSO_AUTHORITY = {str(authority)!r} is not an https authority URL.",
                    hint='Use "https://login.microsoftonline.com/<tenant id>" '
                    "or msal.authority.AuthorityBuilder.",
                    obj="MICROSOFT_SSO_AUTHORITY",
                    id=ID.format("E003"),
                )
            )
    return found


@register(Tags.security)
def check_cloud_and_certificate(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    plain_cloud, cloud_value = _static("MICROSOFT_SSO_CLOUD")
    plain_authority, authority = _static("MICROSOFT_SSO_AUTHORITY")
    if plain_cloud:
        problem = None
        try:
            chosen = clouds.parse_cloud(cloud_value)
        except ValueError as error:
            problem = f"MICROSOFT_SSO_CLOUD = {cloud_value!r}: {error}."
        else:
            if plain_authority and authority is not None:
                reason = clouds.authority_error(str(authority), chosen)
                if reason is not None:
                    problem = f"MICROSOFT_SSO_AUTHORITY: {reason}."
        if problem:
            found.append(
                Error(
                    problem,
                    hint='Set MICROSOFT_SSO_CLOUD to "global", "usgov", "china" or '
                    '{"login": <host>, "graph": <host>}, and the authority on its sign-in host.',
                    obj="MICROSOFT_SSO_CLOUD",
                    id=ID.format("E013"),
                )
            )
    plain_cert, certificate = _static("MICROSOFT_SSO_CERTIFICATE")
    plain_secret, secret = _static("MICROSOFT_SSO_CLIENT_SECRET")
    if plain_cert and certificate:
        problem = None
        if plain_secret and secret:
            problem = "MICROSOFT_SSO_CLIENT_SECRET and MICROSOFT_SSO_CERTIFICATE are both set."
        else:
            try:
                credentials.parse_certificate(certificate)
            except ValueError as error:
                problem = f"MICROSOFT_SSO_CERTIFICATE: {error}."
        if problem:
            found.append(
                Error(
                    problem,
                    hint="Give one credential: the client secret, or the certificate's private "
                    "key and the thumbprint Entra shows for it (see docs/credentials.md).",
                    obj="MICROSOFT_SSO_CERTIFICATE",
                    id=ID.format("E014"),
                )
            )
    return found


@register()
def check_hooks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    for name in hooks.HOOK_SETTINGS:
        try:
            hooks.load(name)
        except ImproperlyConfigured as error:
            found.append(
                Error(
                    str(error),
                    hint=f"Point {name} at a function, e.g. 'myproject.sso.{name.lower()[14:]}'.",
                    obj=name,
                    id=ID.format("E004"),
                )
            )
    try:
        backend = hooks.backend_path()
    except ImproperlyConfigured as error:
        found.append(
            Error(
                str(error),
                hint="Use the dotted path of an authentication backend class.",
                obj="MICROSOFT_SSO_AUTHENTICATION_BACKEND",
                id=ID.format("E005"),
            )
        )
    else:
        if backend and backend not in settings.AUTHENTICATION_BACKENDS:
            found.append(
                Error(
                    f"MICROSOFT_SSO_AUTHENTICATION_BACKEND {backend!r} is not in "
                    "AUTHENTICATION_BACKENDS, so signed-in users would be logged out at once.",
                    hint=f"Add {backend!r} to AUTHENTICATION_BACKENDS.",
                    obj="MICROSOFT_SSO_AUTHENTICATION_BACKEND",
                    id=ID.format("E006"),
                )
            )
    return found + check_adapter()


def check_adapter() -> list[CheckMessage]:
    try:
        adapter.adapter_class()
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint="Point it at your subclass of MicrosoftSSOAdapter, e.g. "
                "'myproject.sso.ContosoAdapter', or remove it.",
                obj=adapter.ADAPTER_SETTING,
                id=ID.format("E056"),
            )
        ]
    return []


@register(Tags.security)
def check_policy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    plain_domains, domains = _static("MICROSOFT_SSO_ALLOWABLE_DOMAINS")
    plain_create, auto_create = _static("MICROSOFT_SSO_AUTO_CREATE_USERS")
    if plain_domains and plain_create and auto_create and "*" in domain_patterns(domains):
        found.append(
            Warning(
                'MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"] lets anyone who can sign in to an '
                "allowed tenant create an account.",
                hint="List your own domains, or set MICROSOFT_SSO_AUTO_CREATE_USERS = False.",
                obj="MICROSOFT_SSO_ALLOWABLE_DOMAINS",
                id=ID.format("W001"),
            )
        )
    plain_enabled, enabled = _static("MICROSOFT_SSO_ENABLED")
    if plain_domains and not domain_patterns(domains) and (enabled or not plain_enabled):
        found.append(
            Warning(
                "MICROSOFT_SSO_ALLOWABLE_DOMAINS has no usable entry, so every sign-in with "
                "Microsoft is refused.",
                hint='List the e-mail domains that may sign in: ["contoso.com"] '
                '(or ["*"] for any domain).',
                obj="MICROSOFT_SSO_ALLOWABLE_DOMAINS",
                id=ID.format("W006"),
            )
        )
    plain_authority, authority = _static("MICROSOFT_SSO_AUTHORITY")
    plain_tenants, tenants = _static("MICROSOFT_SSO_ALLOWED_TENANTS")
    if plain_authority and plain_tenants and not tenants:
        tenant = configured_tenant(authority)
        if is_multi_tenant(tenant):
            found.append(
                Warning(
                    f"The authority signs in any Microsoft tenant ({tenant!r}) and "
                    "MICROSOFT_SSO_ALLOWED_TENANTS is not set.",
                    hint="Set MICROSOFT_SSO_ALLOWED_TENANTS to your tenant ids "
                    '(or ["*"] to accept any tenant on purpose).',
                    obj="MICROSOFT_SSO_ALLOWED_TENANTS",
                    id=ID.format("W002"),
                )
            )
    return found


def silenced_as_in_7x(*legacy_ids: str) -> bool:
    """Whether ``SILENCED_SYSTEM_CHECKS`` names one of 7.x's ids for the same problem.

    7.x's checks had ids ``sso.…``; a project that silenced one keeps it silenced. 7.x's
    ``sso.W001`` was a per-process cache for the form_post state (our W003), and ``sso.E001`` the
    form_post state with no CACHES set at all, where Django gives a per-process cache: W003 again.
    """
    silenced = set(getattr(settings, "SILENCED_SYSTEM_CHECKS", ()))
    return any(legacy_id in silenced for legacy_id in legacy_ids)


@register(Tags.caches)
def check_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    plain_secure, secure = _static("MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK")
    plain_name, cache_name = _static("MICROSOFT_SSO_CACHE_NAME")
    if not (plain_secure and secure and plain_name and isinstance(cache_name, str)):
        return []  # a cache name of the wrong type is E028's
    configured = settings.CACHES.get(cache_name)
    if configured is None:
        return [
            Error(
                f"MICROSOFT_SSO_CACHE_NAME = {cache_name!r} is not in CACHES.",
                hint="Name a cache from CACHES; it keeps sign-ins under way.",
                obj="MICROSOFT_SSO_CACHE_NAME",
                id=ID.format("E007"),
            )
        ]
    if "locmem" in str(configured.get("BACKEND", "")).lower() and not silenced_as_in_7x(
        "sso.W001", "sso.E001"
    ):
        return [
            Warning(
                f"Cache {cache_name!r} lives in one process: with several workers, each "
                "keeps its own record of the form_post states already used, so a replayed "
                "answer is caught only by the worker that took the first.",
                hint="Use a shared cache (Redis, Memcached or the database) for "
                "MICROSOFT_SSO_CACHE_NAME.",
                obj="MICROSOFT_SSO_CACHE_NAME",
                id=ID.format("W003"),
            )
        ]
    return []


@register(Tags.security)
def check_callback(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    plain_domain, domain = _static("MICROSOFT_SSO_CALLBACK_DOMAIN")
    scheme = None
    if plain_domain and domain:
        try:
            scheme = conf.parse_callback_domain(domain)[0]
        except ValueError:
            return []  # E026 reports its shape
    plain_secure, form_post = _static("MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK")
    # With DEBUG, form_post sign-ins over http are allowed, tied to no browser.
    if not (plain_secure and form_post and plain_domain) or settings.DEBUG:
        return []
    if scheme == "https" or (scheme is None and settings.SECURE_PROXY_SSL_HEADER):
        return []
    if scheme == "http":
        problem = "MICROSOFT_SSO_CALLBACK_DOMAIN makes the redirect URI http"
    else:
        problem = (
            "The redirect URI is https only for requests Django sees as secure, and "
            "SECURE_PROXY_SSL_HEADER is not set"
        )
    return [
        Warning(
            f"{problem}: form_post sign-ins (MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK) are refused "
            "over http, where no cookie can tie them to the browser that started them.",
            hint="Behind a proxy that ends TLS, set SECURE_PROXY_SSL_HEADER (only if the proxy "
            'sets that header), or MICROSOFT_SSO_CALLBACK_DOMAIN = "https://<host>". If Django '
            "itself serves https, silence this warning.",
            obj="MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK",
            id=ID.format("W008"),
        )
    ]


@register(Tags.urls)
def check_urls(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    for name in (
        "MICROSOFT_SSO_NEXT_URL",
        "MICROSOFT_SSO_LOGIN_FAILED_URL",
        "MICROSOFT_SSO_LOGOUT_REDIRECT_PATH",
    ):
        plain, target = _static(name)
        if not plain:
            continue
        try:
            if not isinstance(target, str | Promise):
                raise NoReverseMatch(target)
            resolve_url(str(target))
        except NoReverseMatch:
            found.append(
                Error(
                    f"{name} = {target!r} is neither a URL name that resolves nor a path.",
                    hint="Use a URL name such as 'admin:index', or a path such as '/'.",
                    obj=name,
                    id=ID.format("E008"),
                )
            )
    return found


@register()
def check_messages(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    plain, enabled = _static("MICROSOFT_SSO_ENABLE_MESSAGES")
    if plain and enabled and not apps.is_installed("django.contrib.messages"):
        return [
            Error(
                "django.contrib.messages is not installed, so people would not see why a "
                "sign-in failed.",
                hint="Add 'django.contrib.messages' to INSTALLED_APPS, or set "
                "MICROSOFT_SSO_ENABLE_MESSAGES = False.",
                obj="MICROSOFT_SSO_ENABLE_MESSAGES",
                id=ID.format("E009"),
            )
        ]
    return []


def button_login_page() -> bool:
    """Whether the admin's login template draws our button: ours, or another provider app's."""
    from django.contrib.admin import site

    from django_microsoft_sso.apps import LOGIN_TEMPLATE
    from django_microsoft_sso.providers import is_sibling_login_template

    return site.login_template == LOGIN_TEMPLATE or is_sibling_login_template(site.login_template)


@register(Tags.templates)
def check_app_order(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    names = [config.name for config in apps.get_app_configs()]
    admin, ours = "django.contrib.admin", "django_microsoft_sso"
    if admin in names and names.index(admin) < names.index(ours) and not button_login_page():
        # Listed after the admin, the package gives the admin its login template, unless one
        # was chosen already: that one shows no Microsoft button unless it includes it.
        return [
            Warning(
                "django.contrib.admin comes before django_microsoft_sso in INSTALLED_APPS and "
                "the admin site has a login template of its own, so its login page shows no "
                "Microsoft button.",
                hint="Move 'django_microsoft_sso' above 'django.contrib.admin' in INSTALLED_APPS, "
                'or include "microsoft_sso/login_sso.html" in that login template.',
                obj="INSTALLED_APPS",
                id=ID.format("W004"),
            )
        ]
    return []


@register(Tags.security)
def check_emulator(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    configured = conf.raw("MICROSOFT_SSO_HTTP_TRANSPORT")
    path = configured if isinstance(configured, str) else getattr(configured, "__module__", "")
    if not str(path).startswith("django_microsoft_sso.testing"):
        return []
    from django_microsoft_sso.testing.emulator import testing

    if settings.DEBUG or testing():
        return []
    return [
        Error(
            "MICROSOFT_SSO_HTTP_TRANSPORT sends sign-ins to the Microsoft emulator, which signs "
            "anyone in as anyone, and DEBUG is off.",
            hint="Remove MICROSOFT_SSO_HTTP_TRANSPORT from production settings.",
            obj="MICROSOFT_SSO_HTTP_TRANSPORT",
            id=ID.format("E010"),
        )
    ]


SESSION_MIDDLEWARE = "django_microsoft_sso.middleware.SessionFollowsTokenMiddleware"


@register(Tags.security)
def check_session_tokens(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django_microsoft_sso import sessions

    found: list[CheckMessage] = []
    try:
        cookie_sessions = sessions.cookie_sessions()
    except (ImportError, AttributeError):
        cookie_sessions = False  # an engine that does not load fails every request anyway
    plain_follows, follows = _static("MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN")
    plain_save, save = _static("MICROSOFT_SSO_SAVE_ACCESS_TOKEN")
    if cookie_sessions and plain_follows and follows:
        found.append(
            Error(
                "MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN needs the refresh token, which is never "
                "kept in a session stored in a cookie (SESSION_ENGINE).",
                hint="Use a server-side session engine (database, cache or cached_db).",
                obj="SESSION_ENGINE",
                id=ID.format("E015"),
            )
        )
    elif cookie_sessions and plain_save and save:
        # 7.x projects may run this way: warn, do not stop them from starting.
        found.append(
            Warning(
                "MICROSOFT_SSO_SAVE_ACCESS_TOKEN keeps the access token in a session stored in a "
                "cookie the browser can read, and it cannot be renewed there.",
                hint="Use a server-side session engine (database, cache or cached_db).",
                obj="SESSION_ENGINE",
                id=ID.format("W005"),
            )
        )
    plain, follows = _static("MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN")
    if plain and follows:
        middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
        needed = [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ]
        if SESSION_MIDDLEWARE not in middleware or any(
            name in middleware and middleware.index(name) > middleware.index(SESSION_MIDDLEWARE)
            for name in needed
        ):
            found.append(
                Error(
                    "MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN is on, but its middleware is not in "
                    "MIDDLEWARE after SessionMiddleware and AuthenticationMiddleware.",
                    hint=f"Add {SESSION_MIDDLEWARE!r} to MIDDLEWARE after "
                    "AuthenticationMiddleware.",
                    obj="MIDDLEWARE",
                    id=ID.format("E016"),
                )
            )
    return found


STRONG_SIGN_IN_MIDDLEWARE = "django_microsoft_sso.middleware.StrongSignInForAdminMiddleware"


@register(Tags.security)
def check_strong_sign_in_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The admin's step-up settings do nothing without the middleware that enforces them."""
    asked = [
        name
        for name in ("MICROSOFT_SSO_ADMIN_AUTH_CONTEXT", "MICROSOFT_SSO_ADMIN_REQUIRE_MFA")
        # A callable of the request may ask for it on any request.
        if conf.is_request_callable(name) or conf.raw(name)
    ]
    if not asked:
        return []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if STRONG_SIGN_IN_MIDDLEWARE in middleware and (
        auth in middleware and middleware.index(auth) < middleware.index(STRONG_SIGN_IN_MIDDLEWARE)
    ):
        return []
    return [
        Error(
            f"{asked[0]} asks for a strong sign-in to the admin, but its middleware is not in "
            "MIDDLEWARE after AuthenticationMiddleware: the admin lets in any sign-in.",
            hint=f"Add {STRONG_SIGN_IN_MIDDLEWARE!r} to MIDDLEWARE after "
            "AuthenticationMiddleware and MessageMiddleware.",
            obj="MIDDLEWARE",
            id=ID.format("E073"),
        )
    ]


@register()
def check_group_maps(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django_microsoft_sso.groups import FLAGS, map_errors, unknown_flags

    found: list[CheckMessage] = []
    for name in ("MICROSOFT_SSO_GROUPS_MAP", "MICROSOFT_SSO_ROLES_MAP"):
        setting = conf.raw(name)
        if callable(setting):
            continue
        problems = map_errors(setting)
        if problems:
            found.append(
                Error(
                    f"{name} is malformed: {'; '.join(problems[:3])}.",
                    hint='Map each Entra group id (or app role) to a Django group name, "is_staff", '
                    '"is_superuser", or a list of them: {"<id>": ["Editors", "is_staff"]}.',
                    obj=name,
                    id=ID.format("E011"),
                )
            )
        for flag in unknown_flags(setting):
            found.append(
                Error(
                    f"{name} grants {flag!r}, which is no flag this package sets.",
                    hint=f"Use one of {', '.join(FLAGS)}; a Django group's name must not start "
                    'with "is_".',
                    obj=name,
                    id=ID.format("E012"),
                )
            )
    return found


def _mapping_tenant_unnamed(what: str) -> list[CheckMessage]:
    """E017 when ``what`` maps groups or roles and the authority names no tenant for them."""
    plain_authority, authority = _static("MICROSOFT_SSO_AUTHORITY")
    plain_tenants, tenants = _static("MICROSOFT_SSO_MAPPING_TENANTS")
    if not (plain_authority and plain_tenants):
        return []
    tenant = configured_tenant(authority)
    if not is_multi_tenant(tenant) or tenants:
        return []
    return [
        Error(
            f"{what} grants Django groups or flags, but the authority signs in any tenant "
            f"({tenant!r}) and MICROSOFT_SSO_MAPPING_TENANTS names none, so whoever administers "
            "a tenant could assign themselves a mapped role: the mapping grants nothing.",
            hint='Set MICROSOFT_SSO_MAPPING_TENANTS = ["<your tenant id>"]: the tenants whose '
            "groups and app roles you trust.",
            obj="MICROSOFT_SSO_MAPPING_TENANTS",
            id=ID.format("E017"),
        )
    ]


def _mapped_in_settings() -> list[str]:
    """The map settings that map something (a callable of the request cannot be judged)."""
    found = []
    for name in ("MICROSOFT_SSO_GROUPS_MAP", "MICROSOFT_SSO_ROLES_MAP"):
        plain, value = _static(name)
        if plain and value:
            found.append(name)
    return found


@register(Tags.security)
def check_mapping_tenants(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    plain, tenants = _static("MICROSOFT_SSO_MAPPING_TENANTS")
    problems = mapping_tenant_errors(tenants) if plain else []
    if problems:
        found.append(
            Error(
                f"MICROSOFT_SSO_MAPPING_TENANTS: {'; '.join(problems[:3])}.",
                hint='List tenant ids (the "tid" of the id_token), e.g. ["<your tenant id>"].',
                obj="MICROSOFT_SSO_MAPPING_TENANTS",
                id=ID.format("E055"),
            )
        )
    mapped = _mapped_in_settings()
    if mapped:
        found += _mapping_tenant_unnamed(" and ".join(mapped))
    return found


@register(Tags.database)
def check_mapping_rows_tenants(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """E017 for ``GroupMapping`` rows (``check --database``, ``migrate``)."""
    from django.db import DatabaseError, router

    from django_microsoft_sso.models import GroupMapping

    if _mapped_in_settings():
        return []  # check_mapping_tenants reports it already
    alias = router.db_for_read(GroupMapping)
    if not databases or alias not in databases:
        return []
    try:
        rows = GroupMapping.objects.using(alias).exists()
    except DatabaseError:  # not migrated yet: there are no rows
        return []
    return _mapping_tenant_unnamed("A Microsoft group mapping row") if rows else []


# -- the type and shape of each setting (E018…E054) ------------------------------------------
# Each setting has its own id, as each can be silenced on its own; ``conf.Settings`` declares them
# with the setting (see ``shapes``). Settings whose shape another check judges (credentials
# missing, authority, cloud, certificate, hooks, backend, URLs, group maps) have none.


@dataclass(frozen=True)
class Shape:
    """What one setting's value must be: its check id, what is wrong with a value, what to type."""

    setting: str
    check_id: str
    problem: Callable[[Any], str | None]
    hint: str


SHAPES = tuple(
    sorted(
        (
            Shape(declared.name, ID.format(declared.check_id), declared.problem, declared.hint)
            for declared in conf.DECLARED.values()
            if declared.check_id and declared.problem
        ),
        key=lambda shape: shape.check_id,
    )
)


@register()
def check_setting_shapes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    for shape in SHAPES:
        plain, value = _static(shape.setting)
        problem = shape.problem(value) if plain else None
        if problem:
            # The value itself is not shown: it may be a secret.
            found.append(
                Error(
                    f"{shape.setting} {problem}.",
                    hint=shape.hint,
                    obj=shape.setting,
                    id=shape.check_id,
                )
            )
    return found


@register(Tags.database)
def check_duplicate_links(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """7.x could link one Microsoft identity to two users (a renamed person got a second one)."""
    from django.db import DatabaseError, router
    from django.db.models import Count
    from django.db.models.functions import Lower

    from django_microsoft_sso.models import MicrosoftSSOUser

    found: list[CheckMessage] = []
    for database in databases or []:
        if not router.allow_migrate_model(database, MicrosoftSSOUser):
            continue
        links = MicrosoftSSOUser.objects.using(database).exclude(microsoft_id=None)
        try:
            # A 7.x row (no tenant) shares its object id with another row, of 7.x or not.
            legacy_ids = (
                links.filter(tenant_id__isnull=True)
                .annotate(oid=Lower("microsoft_id"))
                .values("oid")
            )
            shared = (
                links.annotate(oid=Lower("microsoft_id"))
                .filter(oid__in=legacy_ids)
                .values("oid")
                .annotate(rows=Count("pk"))
                .filter(rows__gt=1)
                .values_list("oid", flat=True)
            )
            duplicated = sorted(shared)
        except DatabaseError:  # not migrated yet: migrate runs the checks before it migrates
            continue
        if duplicated:
            shown = ", ".join(duplicated[:5]) + (", …" if len(duplicated) > 5 else "")
            found.append(
                Warning(
                    f"{len(duplicated)} Microsoft identities have several link rows left by "
                    f"django-microsoft-sso 7.x in database {database!r} (object ids: {shown}).",
                    hint="7.x gave a renamed person a second user. In the admin's Microsoft SSO "
                    "Users, delete the row of the user each person should no longer get. Until "
                    "then a sign-in picks the active user whose username is the person's user "
                    "principal name, and refuses when that does not decide.",
                    obj="microsoft_sso_user",
                    id=ID.format("W007"),
                )
            )
    return found
