"""What a setting's value must look like: each function names what is wrong with a value, or None.

A value of the wrong type fails quietly at the first sign-in, or in a way nobody meant (a string
where a list belongs is read letter by letter). ``conf.Settings`` gives each setting its shape;
``checks.check_setting_shapes`` reports it. The value itself never appears in what these return:
it may be a secret.

Package modules are imported inside the functions: ``conf`` declares the settings with these, and
the modules named here read ``conf``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise

Problem = Callable[[Any], str | None]

BOOL_HINT = 'Write True or False (a string such as "False" counts as true).'


def _kind(value: Any) -> str:
    return type(value).__name__


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"is a {_kind(value)}, not True or False"


def bool_or_none(value: Any) -> str | None:
    return None if value is None else boolean(value)


def str_or_none(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else f"is a {_kind(value)}, not a str"


def text(value: Any) -> str | None:
    return None if isinstance(value, str | Promise) else f"is a {_kind(value)}, not a str"


def positive(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"is a {_kind(value)}, not a number"
    return None if value > 0 else f"is {value}, not more than 0"


def auth_context(value: Any) -> str | None:
    """An authentication context id of Entra: ``c1`` to ``c99``."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"is a {_kind(value)}, not a str"
    digits = value[1:]
    if value[:1] == "c" and digits.isdecimal() and digits[:1] != "0" and 1 <= int(digits) <= 99:
        return None
    return "is not an authentication context id (c1 to c99)"


def seconds_or_none(value: Any) -> str | None:
    return None if value is None else whole(1)(value)


def whole(minimum: int) -> Problem:
    def problem(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"is a {_kind(value)}, not a whole number"
        return None if value >= minimum else f"is {value}, less than {minimum}"

    return problem


def list_of(entry_problem: Problem, allow_none: bool = False) -> Problem:
    def problem(value: Any) -> str | None:
        if value is None and allow_none:
            return None
        if not isinstance(value, list | tuple):
            return f"is a {_kind(value)}, not a list"
        wrong = [entry for entry in value if entry_problem(entry)]
        if wrong:
            return f"has the entry {wrong[0]!r}, which {entry_problem(wrong[0])}"
        return None

    return problem


def scope(entry: Any) -> str | None:
    if not isinstance(entry, str) or not entry or any(char.isspace() for char in entry):
        return "is not one scope (a non-empty string without spaces)"
    return None


def domain(entry: Any) -> str | None:
    from django_microsoft_sso.domains import domain_pattern

    if domain_pattern(entry) is None:
        return 'is neither "*", a domain, nor "*." and a domain, and matches no one'
    return None


def tenant(entry: Any) -> str | None:
    from django_microsoft_sso.tenants import allowed_tenant_error

    return allowed_tenant_error(entry)


def address(entry: Any) -> str | None:
    if (
        not isinstance(entry, str)
        or entry.count("@") != 1
        or any(char.isspace() for char in entry)
    ):
        return "is not an e-mail address or user principal name, and matches no one"
    return None


def host(value: Any) -> str | None:
    from django_microsoft_sso.conf import parse_callback_domain

    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return f"is a {_kind(value)}, not a str"
    try:
        parse_callback_domain(value)
    except ValueError:
        return "is neither a host name (with a port at most) nor an origin such as https://<host>"
    return None


def admin_route(value: Any) -> str | None:
    from django.urls import NoReverseMatch, reverse

    from django_microsoft_sso.conf import DEFAULTS

    if not isinstance(value, str):
        return f"is a {_kind(value)}, not a URL name"
    if value == DEFAULTS["SSO_ADMIN_ROUTE"]:
        return None  # the default, also for projects without the admin
    try:
        reverse(value)
    except NoReverseMatch:
        return "does not reverse to a URL"
    return None


def transport(value: Any) -> str | None:
    from django.core.exceptions import ImproperlyConfigured

    from django_microsoft_sso import hooks

    if value is None:
        return None
    try:
        hooks.load("MICROSOFT_SSO_HTTP_TRANSPORT")
    except ImproperlyConfigured as error:
        return f"does not load ({error})"
    return None


def audience(entry: Any) -> str | None:
    if not isinstance(entry, str) or not entry or any(char.isspace() for char in entry):
        return "is not an audience (an application id or an application ID URI)"
    return None


def application_id(entry: Any) -> str | None:
    from django_microsoft_sso.tenants import TENANT_ID

    if not isinstance(entry, str) or not TENANT_ID.fullmatch(entry):
        return "is not an application (client) id, a GUID, and matches no app"
    return None


def prompt(value: Any) -> str | None:
    from django_microsoft_sso.hints import PROMPTS

    if value is None or value in PROMPTS:
        return None
    if not isinstance(value, str):
        return f"is a {_kind(value)}, not a str"
    return "is not a prompt Microsoft knows"
