"""The default hooks, and the one loader for every setting that names a function or a class.

A project points ``MICROSOFT_SSO_PRE_VALIDATE_CALLBACK``, ``MICROSOFT_SSO_PRE_CREATE_CALLBACK`` or
``MICROSOFT_SSO_PRE_LOGIN_CALLBACK`` at its own function (a dotted path, or the function itself).
``ms_user_info`` is the Microsoft Graph ``/me`` object, with Graph's own key names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from django_microsoft_sso import conf

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

HOOK_SETTINGS = tuple(name for name, declared in conf.DECLARED.items() if declared.hook)


def pre_validate_user(ms_user_info: dict[str, Any], request: HttpRequest) -> bool:
    """Decide whether this person may sign in at all. Return False to refuse."""
    return True


def pre_create_user(ms_user_info: dict[str, Any], request: HttpRequest) -> dict[str, Any] | None:
    """Return extra fields for the new user (``defaults`` of ``get_or_create``).

    With ``MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS`` the dict is the whole set of keyword
    arguments to ``get_or_create`` instead, lookup included.
    """
    return {}


def pre_login_user(user: AbstractBaseUser, request: HttpRequest) -> None:
    """Run just before the user is logged in; the user row is saved already."""


@lru_cache(maxsize=64)
def _import(setting_name: str, dotted_path: str) -> Any:
    try:
        return import_string(dotted_path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"{setting_name} = {dotted_path!r} cannot be imported: {error}"
        ) from error


def forget_imports() -> None:
    """Import every dotted path again when it is next used."""
    _import.cache_clear()


def load_object(setting_name: str) -> Any:
    """What the dotted path in ``setting_name`` names, imported once."""
    return _import(setting_name, conf.raw(setting_name))


def load(setting_name: str) -> Callable[..., Any]:
    """Return what ``setting_name`` names: a dotted path is imported once, a callable is kept.

    Raises ``ImproperlyConfigured`` naming the setting when the path does not import or the
    object is not callable.
    """
    configured = conf.raw(setting_name)
    target = _import(setting_name, configured) if isinstance(configured, str) else configured
    if not callable(target):
        raise ImproperlyConfigured(f"{setting_name} must name a callable, not {configured!r}.")
    return target  # type: ignore[no-any-return]


def is_default(setting_name: str) -> bool:
    """True when ``setting_name`` still points at this module's own hook."""
    return load(setting_name) is globals()[conf.DEFAULTS[setting_name].rsplit(".", 1)[1]]


def backend_path() -> str | None:
    """The dotted path of ``MICROSOFT_SSO_AUTHENTICATION_BACKEND`` (a path or a class), or None."""
    configured = conf.raw("MICROSOFT_SSO_AUTHENTICATION_BACKEND")
    if configured is None or configured == "":
        return None
    if isinstance(configured, str):
        _import("MICROSOFT_SSO_AUTHENTICATION_BACKEND", configured)
        return configured
    if isinstance(configured, type):
        return f"{configured.__module__}.{configured.__qualname__}"
    raise ImproperlyConfigured(
        "MICROSOFT_SSO_AUTHENTICATION_BACKEND must be a dotted path or a backend class."
    )
