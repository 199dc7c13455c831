"""7.x's ``{% load show_form %}``: ``{% define_show_form as show_form %}``.

A library only when no other installed app ships one named ``show_form`` (see
``providers``); the function can always be imported.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from django_microsoft_sso import providers


def define_show_form(context: Any) -> bool:
    """``SSO_SHOW_FORM_ON_ADMIN_PAGE`` for this request (``context`` holds the ``request``)."""
    from django_microsoft_sso import conf

    request = context.get("request")
    return bool(
        conf.Settings(
            request if isinstance(request, HttpRequest) else None
        ).show_form_on_admin_page
    )


def _library() -> template.Library:
    library = template.Library()
    library.simple_tag(takes_context=True, name="define_show_form")(define_show_form)
    return library


def __getattr__(name: str) -> Any:
    # Django asks for ``register`` when it collects the libraries, after the apps are loaded.
    if name == "register":
        library = providers.library_unless_shipped_elsewhere("show_form", _library())
        if library is not None:
            return library
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
