"""7.x's ``{% load sso_tags %}``: ``{% define_sso_providers as sso_providers %}``.

A library only when no other installed app ships one named ``sso_tags`` (see ``_shared_library``);
the function can always be imported, as 7.x's docs show (``multiple.md``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from django_microsoft_sso.templatetags._shared_library import library_unless_shipped_elsewhere


def define_sso_providers(context: Any) -> list[dict[str, Any]]:
    """Every installed provider's button for this request, as 7.x's dicts.

    ``context`` is a template context or a dict with the ``request``. Each dict has ``name``,
    ``logo_url``, ``text``, ``login_url`` (with the page's ``next``) and ``css_url``. The area
    is the admin's when the request is (``is_admin_path``), else the pages'.
    """
    from django_microsoft_sso.helpers import is_admin_path
    from django_microsoft_sso.templatetags.microsoft_sso import Area, sso_providers

    request = context.get("request")
    if not isinstance(request, HttpRequest):
        return []
    area: Area = "admin" if is_admin_path(request) else "pages"
    return [
        {
            "name": provider.name,
            "logo_url": provider.logo_url,
            "text": provider.text,
            "login_url": provider.login_url,
            "css_url": provider.stylesheet_url,
        }
        for provider in sso_providers(context, area)
    ]


def _library() -> template.Library:
    library = template.Library()
    library.simple_tag(takes_context=True, name="define_sso_providers")(define_sso_providers)
    return library


def __getattr__(name: str) -> Any:
    # Django asks for ``register`` when it collects the libraries, after the apps are loaded.
    if name == "register":
        library = library_unless_shipped_elsewhere("sso_tags", _library())
        if library is not None:
            return library
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
