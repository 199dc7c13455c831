"""The sign-in providers installed beside this one, and the buttons they get on a login page.

The admin login page shows one button per installed sign-in provider, in ``INSTALLED_APPS``
order. Provider apps find each other by a small contract: an app ``django_<name>_sso`` has

* a module ``conf`` whose attributes ``<NAME>_SSO_ENABLED``, ``<NAME>_SSO_ADMIN_ENABLED``,
  ``<NAME>_SSO_PAGES_ENABLED``, ``<NAME>_SSO_LOGO_URL`` and ``<NAME>_SSO_TEXT`` are values or
  callables of the request (an unset, ``None``, admin or pages switch follows ``…_ENABLED``);
* a URL named ``django_<name>_sso:oauth_start_login`` that takes ``?next=``;
* a stylesheet ``django_<name>_sso/<name>_button.css``.

A provider app that does not keep that contract (no ``conf``, its URLs not included) shows no
button rather than breaking the login page.

7.x and its sibling packages (django-google-sso, django-github-sso) each ship tag libraries named
``sso_tags`` and ``show_form``, so Django warns (``templates.W003``, ``E003`` before 5.1) when two
of them are installed, and ``{% load sso_tags %}`` loads whichever app comes last. Each sibling's
tags draw every provider's button through the same contract, so one library of each name is
enough: ours offers itself only when no other installed app ships a library of the same name
(``library_unless_shipped_elsewhere``). Then there is one library per name, no warning, and
``{% load sso_tags %}`` works in any ``INSTALLED_APPS`` order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any, Literal
from urllib.parse import urlencode

from django import template
from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_noop

from django_microsoft_sso import conf
from django_microsoft_sso.conf import asset_url

Area = Literal["admin", "pages"]

OUR_APP = "django_microsoft_sso"
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


def page_next(context: Mapping[str, Any] | template.Context, request: HttpRequest) -> str | None:
    """The page's ``next``: the one its view put in the context, else the query string's."""
    next_url = context.get("next")
    if not isinstance(next_url, str) or not next_url:
        next_url = request.GET.get("next")
    return next_url or None


def buttons(
    request: HttpRequest, area: Area, next_url: str | None, only: str | None = None
) -> list[SSOProvider]:
    """The button of every installed provider switched on for ``area`` (``only``: just that one)."""
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


def area_of(request: HttpRequest) -> Area:
    """The admin's buttons when the request is for the admin (``is_admin_path``), else the pages'."""
    from django_microsoft_sso.helpers import is_admin_path

    return "admin" if is_admin_path(request) else "pages"


def buttons_as_7x_dicts(context: Mapping[str, Any] | template.Context) -> list[dict[str, Any]]:
    """Every installed provider's button for the context's request, as 7.x's dicts.

    Each dict has ``name``, ``logo_url``, ``text``, ``login_url`` (with the page's ``next``) and
    ``css_url``.
    """
    request = context.get("request")
    if not isinstance(request, HttpRequest):
        return []
    return [
        {
            "name": provider.name,
            "logo_url": provider.logo_url,
            "text": provider.text,
            "login_url": provider.login_url,
            "css_url": provider.stylesheet_url,
        }
        for provider in buttons(request, area_of(request), page_next(context, request))
    ]


def _stylesheet_of(provider: Any) -> str | None:
    # An SSOProvider, or a dict in 7.x's shape (its stylesheet under "css_url").
    if isinstance(provider, dict):
        return provider.get("css_url") or provider.get("stylesheet_url")
    return getattr(provider, "stylesheet_url", None)


def stylesheets(providers: list[Any]) -> list[str]:
    """Stylesheets for these buttons: ours (which lays them all out) first, each once."""
    urls = [asset_url(OUR_STYLESHEET)] if providers else []
    urls += [_stylesheet_of(provider) for provider in providers]
    return list(dict.fromkeys(url for url in urls if url))


def is_sibling_login_template(template_name: str | None) -> bool:
    """Whether ``template_name`` is another installed provider app's ``<name>_sso/login.html``."""
    return any(
        template_name == f"{name}_sso/login.html"
        for name in installed_provider_names()
        if name != OUR_NAME
    )


def shipped_by_another_app(library: str) -> bool:
    """Whether an installed app other than this one has ``templatetags/<library>.py``."""
    for app_config in apps.get_app_configs():
        if app_config.name == OUR_APP:
            continue
        try:
            found = find_spec(f"{app_config.name}.templatetags.{library}") is not None
        except (ImportError, ValueError):
            found = False
        if found:
            return True
    return False


def library_unless_shipped_elsewhere(
    library: str, build: template.Library
) -> template.Library | None:
    """``build`` when no other installed app ships ``library``, else None (no library here)."""
    return None if shipped_by_another_app(library) else build
