"""Where a browser may be sent: back to Microsoft's callback, on to ``next``, or to a setting's URL.

``next`` comes from whoever wrote the link, so it is followed only when it stays on this site;
the callback URL Microsoft sends the browser back to is never built from a raw forwarded header.
"""

from __future__ import annotations

import posixpath
import unicodedata
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from django_microsoft_sso.conf import Settings, parse_callback_domain
from django_microsoft_sso.exceptions import ConfigurationError

MAX_NEXT_LENGTH = 2048


def resolve_setting_url(target: str, fallback: str = "/") -> str:
    """A URL name (``admin:index``), path or URL from a setting, as a URL."""
    try:
        return resolve_url(target)
    except NoReverseMatch:
        return fallback


def safe_next(request: HttpRequest, sso: Settings, candidate: str | None) -> str:
    """``next`` when it stays on this site, else ``MICROSOFT_SSO_NEXT_URL``.

    A relative path (``private/``, or the ``null`` some login pages' scripts send when they
    have no ``next``) would resolve against the callback's URL, never where the page meant.
    """
    # is_safe_url parsed it already: urlsplit cannot fail once it said yes.
    if (
        candidate
        and is_safe_url(request, sso, candidate)
        and (candidate.startswith("/") or urlsplit(candidate).scheme)
    ):
        return candidate
    return resolve_setting_url(sso.next_url)


def is_safe_url(request: HttpRequest, sso: Settings, url: str) -> bool:
    """Whether ``url`` stays on this site (its host, or the callback domain's)."""
    if len(url) > MAX_NEXT_LENGTH or any(unicodedata.category(c)[0] == "C" for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "x://[": an unclosed IPv6 address
        return False
    if url.replace("\\", "/").startswith("//") and not parts.netloc:
        return False  # "//" or "//?x": a URL without a host, which no browser can follow
    allowed_hosts = {request.get_host()}
    callback_host = callback_origin(sso)[1]
    if callback_host:
        allowed_hosts.add(callback_host)
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts=allowed_hosts, require_https=request.is_secure()
    )


def is_admin_url(sso: Settings, url: str) -> bool:
    """Whether ``url`` lands in the admin, once its path is decoded and normalised."""
    try:
        admin_root = reverse(sso.admin_route)
    except NoReverseMatch:
        return False
    path = unquote(urlsplit(url).path).replace("\\", "/")
    path = posixpath.normpath("/" + path.lstrip("/"))
    root = posixpath.normpath(admin_root)
    return path == root or path.startswith(root.rstrip("/") + "/")


def callback_origin(sso: Settings) -> tuple[str | None, str | None]:
    """(scheme, host) of ``MICROSOFT_SSO_CALLBACK_DOMAIN``; None for what it leaves open."""
    domain = sso.callback_domain
    if not domain:
        return None, None
    try:
        return parse_callback_domain(domain)
    except ValueError as error:
        raise ConfigurationError(f"MICROSOFT_SSO_CALLBACK_DOMAIN: {error}") from error


def redirect_uri(request: HttpRequest, sso: Settings) -> str:
    """Where Microsoft sends the browser back: never built from a raw forwarded header.

    The scheme is the callback domain's when it names one (``https://www.example.com``),
    else the request's, as ``request.is_secure()`` (and ``SECURE_PROXY_SSL_HEADER``) says.
    """
    scheme, netloc = callback_origin(sso)
    if netloc is None:
        if apps.is_installed("django.contrib.sites"):
            from django.contrib.sites.shortcuts import get_current_site

            netloc = get_current_site(request).domain
        else:
            netloc = request.get_host()
    if scheme is None:
        scheme = "https" if request.is_secure() else "http"
    return f"{scheme}://{netloc}{reverse('django_microsoft_sso:oauth_callback')}"
