"""``MICROSOFT_SSO_ALLOWABLE_DOMAINS``: which e-mail domains may sign in."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import RefusedError
from django_microsoft_sso.facts import PersonFacts, email_domain

# A domain name: labels of letters, digits and hyphens, joined by single dots. No space, no "*".
DOMAIN_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)*")


def domain_pattern(entry: Any) -> str | None:
    """One ``ALLOWABLE_DOMAINS`` entry made comparable, or None when it has no meaning.

    ``"*"`` (exactly), ``"example.com"`` or ``"*.example.com"``, in any case and with one
    trailing dot at most. Anything else (``"*."``, ``" * "``, ``"@example.com"``, a non-string)
    is a typing mistake: it must never grow into "everyone", so it matches no one, and
    ``manage.py check`` reports it (E029).
    """
    if not isinstance(entry, str):
        return None
    if entry == "*":
        return entry
    prefix = "*." if entry.startswith("*.") else ""
    name = entry[len(prefix) :]
    name = name[:-1] if name.endswith(".") else name
    if not DOMAIN_NAME.fullmatch(name):
        return None
    return prefix + name.lower()


def domain_patterns(setting: Any) -> list[str]:
    """The usable entries of ``ALLOWABLE_DOMAINS``; a string or other non-list gives none.

    A plain string would otherwise be read letter by letter, and ``"*.contoso.com"`` would
    contain the entry ``"*"``.
    """
    if not isinstance(setting, list | tuple):
        return []
    return [pattern for pattern in map(domain_pattern, setting) if pattern is not None]


def domain_allowed(domain: str | None, patterns: Any) -> bool:
    """Whether ``domain`` is one of ``patterns``: exact, ``*.example.com`` for subdomains, ``*``."""
    if not domain:
        return False
    for pattern in domain_patterns(patterns):
        if pattern == "*":
            return True
        if pattern.startswith("*."):
            if domain.endswith(pattern[1:]):
                return True
        elif domain == pattern:
            return True
    return False


def verify_domain(sso: Settings, facts: PersonFacts) -> None:
    """Refuse an address outside ``ALLOWABLE_DOMAINS``."""
    address = facts.judged_address
    if not domain_allowed(email_domain(address), sso.allowable_domains):
        raise RefusedError(
            "domain not allowed",
            _("Email address not allowed: %(email)s. Please contact your administrator.")
            % {"email": address},
        )
