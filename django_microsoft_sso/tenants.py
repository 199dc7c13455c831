"""The tenant rules: which tenants may sign in, whose claims are trusted, whose groups count.

Pure functions of settings values and tenant ids, so that the sign-in, the system checks and the
user sync ask one place and get one answer. Tenant ids are compared in lower case, as the
validated id_token gives them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

# Tenant names that stand for many tenants: the issuer in their metadata is a template.
MULTI_TENANT_NAMES = frozenset({"common", "organizations"})
# The tenant of every personal Microsoft account: anyone can join it, so it vouches for no one.
PERSONAL_ACCOUNTS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
TENANT_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
# A personal Microsoft account's oid is 16 zero digits then its 16-hex-digit account id, and
# Graph's ``/me`` ``id`` (which 7.x stored) is that account id alone: e.g. an outlook.com
# account answers ``"id": "fde926f844473904"`` (github.com/OfficeDev/outlook-dev-docs issue 918).
PERSONAL_OBJECT_ID = re.compile(
    r"00000000-0000-0000-([0-9a-f]{4})-([0-9a-f]{12})", re.IGNORECASE | re.ASCII
)


def authority_tenant(authority: str) -> str:
    """The tenant part of an authority: a GUID, a domain, ``common``, ``organizations``…"""
    parts = [part for part in urlsplit(authority).path.split("/") if part]
    return parts[0].lower() if parts else ""


def configured_tenant(authority: Any) -> str:
    """The tenant ``MICROSOFT_SSO_AUTHORITY`` names; unset, msal's default ``common``."""
    return authority_tenant(str(authority)) if authority else "common"


def is_multi_tenant(tenant: str) -> bool:
    """Whether an authority's tenant name signs in people of any tenant."""
    return tenant in MULTI_TENANT_NAMES


def is_personal(tenant_id: str) -> bool:
    return tenant_id.lower() == PERSONAL_ACCOUNTS_TENANT_ID


def allowed_and_trusted(
    allowed_tenants: Iterable[Any] | None, authority_tenant_id: str | None
) -> tuple[set[str] | None, set[str]]:
    """(tenants allowed to sign in, None for any; tenants whose e-mail claims are trusted).

    ``allowed_tenants`` is ``MICROSOFT_SSO_ALLOWED_TENANTS``; ``authority_tenant_id`` the one
    tenant the authority signs in, None for ``common`` or ``organizations``. The
    personal-accounts tenant is never trusted: anyone can open a personal account with any
    address they can receive mail at, so its claims prove no domain.
    """
    allowed: set[str] | None
    single = authority_tenant_id
    if allowed_tenants:
        listed = {str(tenant).lower() for tenant in allowed_tenants}
        allowed = None if "*" in listed else listed
        trusted = {single} if "*" in listed and single else set(listed) - {"*"}
    else:
        allowed = {single} if single else None
        trusted = {single} if single else set()
    return allowed, trusted - {PERSONAL_ACCOUNTS_TENANT_ID}


def allowed_tenant_error(entry: Any) -> str | None:
    """What is wrong with one entry of ``ALLOWED_TENANTS``: a tenant id (a GUID) or ``"*"``."""
    if entry == "*" or (isinstance(entry, str) and TENANT_ID.fullmatch(entry)):
        return None
    return 'is not a tenant id (a GUID) nor "*", and matches no one'


def is_allowed(tenant_id: str, allowed: set[str] | None, authority_name: str) -> bool:
    """Whether a person of ``tenant_id`` may sign in (``allowed`` from ``allowed_and_trusted``).

    An ``organizations`` authority is meant for work accounts: a personal account gets in only
    when the project lists its tenant, even beside ``"*"``.
    """
    if authority_name == "organizations" and is_personal(tenant_id):
        return tenant_id in (allowed or set())
    return allowed is None or tenant_id in allowed


def mapping_tenants(
    mapping_tenants: Iterable[Any] | None, authority_tenant_id: str | None
) -> set[str]:
    """The tenants whose groups and app roles the mappings may turn into Django rights.

    Only tenants the project names: the authority's own, and ``MAPPING_TENANTS``. Whoever
    administers a tenant decides its roles and groups, so with ``common`` or
    ``organizations`` any stranger could otherwise assign themselves a mapped role. ``"*"``
    and the personal-accounts tenant (which anyone can join) name no one.
    """
    named = {str(tenant).strip().lower() for tenant in mapping_tenants or []}
    if authority_tenant_id:
        named.add(authority_tenant_id)
    return named - {"*", PERSONAL_ACCOUNTS_TENANT_ID}


def mapping_tenant_errors(value: Any) -> list[str]:
    """What is wrong with ``MAPPING_TENANTS`` (empty when nothing is).

    Each entry must be one tenant's id, the ``tid`` claim: a pattern or the personal-accounts
    tenant would let people whose roles and groups nobody vetted be granted rights.
    """
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        return [f"must be a list of tenant ids, not {type(value).__name__}"]
    problems = []
    for entry in value:
        if isinstance(entry, str) and entry.strip() == "*":
            problems.append('"*" names no tenant: list each tenant id')
        elif not isinstance(entry, str) or not TENANT_ID.fullmatch(entry.strip()):
            problems.append(f"{entry!r} is not a tenant id (a GUID)")
        elif is_personal(entry.strip()):
            problems.append("the personal-accounts tenant is open to anyone")
    return problems


def upn_domain_verified(tenant_id: str) -> bool:
    """Whether a UPN's domain is one its tenant verified: a work account's, not a personal one's."""
    return not is_personal(tenant_id)


def graph_ids(tenant_id: str, object_id: str) -> frozenset[str]:
    """The ids Graph's ``/me`` may give this person, in lower case: what 7.x stored.

    The oid, and for a personal Microsoft account (only in that tenant, only with that exact
    prefix) the 16 hex digits Graph gives instead.
    """
    ids = {object_id.lower()}
    if is_personal(tenant_id):
        match = PERSONAL_OBJECT_ID.fullmatch(object_id)
        if match:
            ids.add((match[1] + match[2]).lower())
    return frozenset(ids)
