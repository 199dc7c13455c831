"""7.x's ``{% load sso_tags %}``: ``{% define_sso_providers as sso_providers %}``.

A library only when no other installed app ships one named ``sso_tags`` (see ``providers``);
the function can always be imported, as 7.x's docs show (``multiple.md``).
"""

from __future__ import annotations

from typing import Any

from django import template

from django_microsoft_sso import providers


def define_sso_providers(context: Any) -> list[dict[str, Any]]:
    """Every installed provider's button for this request, as 7.x's dicts.

    ``context`` is a template context or a dict with the ``request``. Each dict has ``name``,
    ``logo_url``, ``text``, ``login_url`` (with the page's ``next``) and ``css_url``. The area
    is the admin's when the request is (``is_admin_path``), else the pages'.
    """
    return providers.buttons_as_7x_dicts(context)


def _library() -> template.Library:
    library = template.Library()
    library.simple_tag(takes_context=True, name="define_sso_providers")(define_sso_providers)
    return library


def __getattr__(name: str) -> Any:
    # Django asks for ``register`` when it collects the libraries, after the apps are loaded.
    if name == "register":
        library = providers.library_unless_shipped_elsewhere("sso_tags", _library())
        if library is not None:
            return library
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
