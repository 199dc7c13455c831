"""The "Sign in with …" buttons: ``{% load microsoft_sso %}``.

The admin login page shows one button per installed sign-in provider, in ``INSTALLED_APPS``
order. Provider apps find each other by a small contract: an app ``django_<name>_sso`` has

* a module ``conf`` whose attributes ``<NAME>_SSO_ENABLED``, ``<NAME>_SSO_ADMIN_ENABLED``,
  ``<NAME>_SSO_PAGES_ENABLED``, ``<NAME>_SSO_LOGO_URL`` and ``<NAME>_SSO_TEXT`` are values or
  callables of the request (an unset, ``None``, admin or pages switch follows ``…_ENABLED``);
* a URL named ``django_<name>_sso:oauth_start_login`` that takes ``?next=``;
* a stylesheet ``django_<name>_sso/<name>_button.css``.

A provider app that does not keep that contract (no ``conf``, its URLs not included) shows no
button rather than breaking the login page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal
from urllib.parse import urlencode

from django import template
from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from django_microsoft_sso import conf
from django_microsoft_sso.conf import asset_url

register = template.Library()

Area = Literal["admin", "pages"]

PROVIDER_APP = re.compile(r"^django_([a-z0-9_]+)_sso$")
OUR_NAME = "microsoft"
OUR_STYLESHEET = "django_microsoft_sso/microsoft_button.css"
# 7.x's login template (urls.md: LoginView(template_name=...)); the admin uses it when the package
# is listed after django.contrib.admin.
OUR_LOGIN_TEMPLATE = "microsoft_sso/login.html"
# The default MICROSOFT_SSO_TEXT, marked so that it lands in the translation catalogs.
DEFAULT_TEXT = gettext_noop("Sign in with Microsoft")


@dataclass(frozen=True)
class SSOProvider:
    """One button: whose it is, what it says, and where it starts the sign-in."""

    name: str
    text: str
    logo_url: str | None
    login_url: str
    stylesheet_url: str | None


def installed_provider_names() -> list[str]:
    """Names of the installed provider apps (``microsoft`` for us), in ``INSTALLED_APPS`` order."""
    names = []
    for app_config in apps.get_app_configs():
        match = PROVIDER_APP.match(app_config.name)
        if match:
            names.append(match.group(1))
    return names


def start_url(name: str, next_url: str | None) -> str | None:
    """The provider's start URL, carrying ``next``; None when its URLs are not included."""
    try:
        url = reverse(f"django_{name}_sso:oauth_start_login")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _resolve(setting: Any, request: HttpRequest) -> Any:
    return setting(request) if callable(setting) else setting


def _switched_on(enabled: Any, area_switch: Any) -> bool:
    return bool(enabled) and (area_switch is None or bool(area_switch))


def microsoft_provider(
    request: HttpRequest, area: Area, next_url: str | None
) -> SSOProvider | None:
    """Our own button, from our settings."""
    sso = conf.Settings(request)
    if not sso.enabled or not (sso.admin_enabled if area == "admin" else sso.pages_enabled):
        return None
    login_url = start_url(OUR_NAME, next_url)
    if login_url is None:
        return None
    return SSOProvider(
        name=OUR_NAME,
        text=gettext(str(sso.text)),
        logo_url=asset_url(sso.logo_url or conf.DEFAULT_LOGO),
        login_url=login_url,
        stylesheet_url=asset_url(OUR_STYLESHEET),
    )


def sibling_provider(
    name: str, request: HttpRequest, area: Area, next_url: str | None
) -> SSOProvider | None:
    """The button of another provider app, read through the contract."""
    try:
        sibling_conf = import_module(f"django_{name}_sso.conf")
    except ImportError:
        return None
    prefix = f"{name.upper()}_SSO_"

    def setting(suffix: str, default: Any = None) -> Any:
        return _resolve(getattr(sibling_conf, prefix + suffix, default), request)

    enabled = setting("ENABLED", False)
    area_switch = setting("ADMIN_ENABLED" if area == "admin" else "PAGES_ENABLED")
    if not _switched_on(enabled, area_switch):
        return None
    login_url = start_url(name, next_url)
    if login_url is None:
        return None
    logo = setting("LOGO_URL")
    return SSOProvider(
        name=name,
        text=gettext(str(setting("TEXT") or name.title())),
        logo_url=asset_url(str(logo)) if logo else None,
        login_url=login_url,
        stylesheet_url=asset_url(f"django_{name}_sso/{name}_button.css"),
    )


def page_next(context: template.Context, request: HttpRequest) -> str | None:
    """The page's ``next``: the one its view put in the context, else the query string's."""
    next_url = context.get("next")
    if not isinstance(next_url, str) or not next_url:
        next_url = request.GET.get("next")
    return next_url or None


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
    next_url = page_next(context, request)
    providers = []
    for name in installed_provider_names():
        if only is not None and name != only:
            continue
        if name == OUR_NAME:
            provider = microsoft_provider(request, area, next_url)
        else:
            provider = sibling_provider(name, request, area, next_url)
        if provider is not None:
            providers.append(provider)
    return providers


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
    if area is None:
        from django_microsoft_sso.helpers import is_admin_path

        area = "admin" if is_admin_path(request) else "pages"
    return sso_providers(context, area)


def _stylesheet_of(provider: Any) -> str | None:
    # An SSOProvider, or a dict in 7.x's shape (its stylesheet under "css_url").
    if isinstance(provider, dict):
        return provider.get("css_url") or provider.get("stylesheet_url")
    return getattr(provider, "stylesheet_url", None)


@register.simple_tag
def sso_stylesheets(providers: list[Any]) -> list[str]:
    """Stylesheets for these buttons: ours (which lays them all out) first, each once."""
    urls = [asset_url(OUR_STYLESHEET)] if providers else []
    urls += [_stylesheet_of(provider) for provider in providers]
    return list(dict.fromkeys(url for url in urls if url))


@register.simple_tag(takes_context=True)
def sso_drawn_by_sibling(context: template.Context) -> bool:
    """Whether another provider app's own login template renders this page.

    Such an app sets ``admin.site.login_template`` to its ``<name>_sso/login.html``, which extends
    ``admin/login.html`` (this package's, when it is found first) and draws every provider's
    button itself, this package's included, through the contract. Drawing them here as well would
    show each button twice. This package's own ``microsoft_sso/login.html`` counts the same way.
    """
    name = getattr(getattr(context, "template", None), "name", None)
    return name == OUR_LOGIN_TEMPLATE or is_sibling_login_template(name)


def is_sibling_login_template(template_name: str | None) -> bool:
    """Whether ``template_name`` is another installed provider app's ``<name>_sso/login.html``."""
    return any(
        template_name == f"{name}_sso/login.html"
        for name in installed_provider_names()
        if name != OUR_NAME
    )


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
