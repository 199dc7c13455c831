"""The "Sign in with …" buttons: ``{% load microsoft_sso %}``.

Which providers are installed, and what each button says, is ``providers``' job.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from django_microsoft_sso import conf, providers
from django_microsoft_sso.providers import Area, SSOProvider

register = template.Library()


@register.simple_tag(takes_context=True)
def sso_providers(
    context: template.Context, area: Area = "admin", only: str | None = None
) -> list[SSOProvider]:
    """The buttons to show on this page: ``{% sso_providers "admin" as providers %}``.

    ``area`` is ``"admin"`` or ``"pages"`` (which switch applies); ``only`` keeps one provider.
    """
    if area not in ("admin", "pages"):
        raise template.TemplateSyntaxError(
            f'sso_providers: area is "admin" or "pages", not {area!r}'
        )
    request = context.get("request")
    if not isinstance(request, HttpRequest):
        # Settings may be callables of the request: without it, no button can be decided.
        return []
    return providers.buttons(request, area, providers.page_next(context, request), only)


@register.simple_tag(takes_context=True)
def sso_page_providers(context: template.Context, area: Area | None = None) -> list[Any]:
    """The buttons of a login page: every installed provider's, as in 7.x.

    A view that put ``sso_providers`` in the context (7.x's documented way to choose the buttons,
    a list of dicts with ``name``, ``logo_url``, ``text``, ``login_url`` and ``css_url``) gets
    those. Otherwise, without an ``area``, it is the admin's when the page is (``is_admin_path``),
    else the pages'.
    """
    given = context.get("sso_providers")
    if isinstance(given, (list, tuple)):
        return list(given)
    request = context.get("request")
    if not isinstance(request, HttpRequest):
        return []
    return sso_providers(context, area or providers.area_of(request))


@register.simple_tag
def sso_stylesheets(buttons: list[Any]) -> list[str]:
    """Stylesheets for these buttons: ours (which lays them all out) first, each once."""
    return providers.stylesheets(buttons)


@register.simple_tag(takes_context=True)
def sso_drawn_by_sibling(context: template.Context) -> bool:
    """Whether another provider app's own login template renders this page.

    Such an app sets ``admin.site.login_template`` to its ``<name>_sso/login.html``, which extends
    ``admin/login.html`` (this package's, when it is found first) and draws every provider's
    button itself, this package's included, through the contract. Drawing them here as well would
    show each button twice. This package's own ``microsoft_sso/login.html`` counts the same way.
    """
    name = getattr(getattr(context, "template", None), "name", None)
    return name == providers.OUR_LOGIN_TEMPLATE or providers.is_sibling_login_template(name)


@register.simple_tag(takes_context=True)
def sso_show_form(context: template.Context) -> bool:
    """``SSO_SHOW_FORM_ON_ADMIN_PAGE`` for this request; a view's ``show_admin_form`` wins (7.x)."""
    given = context.get("show_admin_form")
    if isinstance(given, bool):
        return given
    request = context.get("request")
    sso = conf.Settings(request if isinstance(request, HttpRequest) else None)
    return bool(sso.show_form_on_admin_page)


@register.simple_tag(takes_context=True)
def sso_nonce_attr(context: template.Context) -> SafeString | str:
    """``nonce="…"`` when the page has a Content-Security-Policy nonce (Django 6.0+)."""
    nonce = context.get("csp_nonce")
    return "" if nonce is None else format_html('nonce="{}"', nonce)
