"""The tenant rules, as functions of settings values and tenant ids: no request, no Microsoft."""

import pytest

from django_microsoft_sso import tenants
from django_microsoft_sso.testing import (
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    PERSONAL_ACCOUNTS_TENANT_ID,
)

PERSONAL = PERSONAL_ACCOUNTS_TENANT_ID


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        (f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}", DEFAULT_TENANT_ID),
        ("https://login.microsoftonline.com/Contoso.onmicrosoft.com/", "contoso.onmicrosoft.com"),
        ("https://login.microsoftonline.com/common", "common"),
        ("https://login.microsoftonline.com", ""),
    ],
)
def test_authority_tenant(authority, expected):
    assert tenants.authority_tenant(authority) == expected


@pytest.mark.parametrize(
    ("authority", "multi_tenant"),
    [
        (None, True),  # msal's default authority is ``common``
        ("", True),
        ("https://login.microsoftonline.com/organizations", True),
        ("https://login.microsoftonline.com/common", True),
        ("https://login.microsoftonline.com/consumers", False),
        (f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}", False),
    ],
)
def test_configured_tenant_signs_in_any_tenant(authority, multi_tenant):
    assert tenants.is_multi_tenant(tenants.configured_tenant(authority)) is multi_tenant


def test_is_personal_ignores_case():
    assert tenants.is_personal(PERSONAL.upper())
    assert not tenants.is_personal(DEFAULT_TENANT_ID)


@pytest.mark.parametrize(
    ("allowed_tenants", "authority_tenant_id", "allowed", "trusted"),
    [
        # A single-tenant authority: its tenant only, trusted.
        (None, DEFAULT_TENANT_ID, {DEFAULT_TENANT_ID}, {DEFAULT_TENANT_ID}),
        # ``common`` with no list: anyone, no one trusted.
        (None, None, None, set()),
        ([], None, None, set()),
        # A list: those tenants (in lower case), each trusted.
        (
            [DEFAULT_TENANT_ID, OTHER_TENANT_ID.upper()],
            None,
            {DEFAULT_TENANT_ID, OTHER_TENANT_ID},
            {DEFAULT_TENANT_ID, OTHER_TENANT_ID},
        ),
        # "*": anyone; the authority's own tenant is trusted, else those listed beside "*".
        (["*"], DEFAULT_TENANT_ID, None, {DEFAULT_TENANT_ID}),
        (["*", OTHER_TENANT_ID], DEFAULT_TENANT_ID, None, {DEFAULT_TENANT_ID}),
        (["*", OTHER_TENANT_ID], None, None, {OTHER_TENANT_ID}),
        # The personal-accounts tenant may be allowed, never trusted.
        ([PERSONAL], None, {PERSONAL}, set()),
    ],
)
def test_allowed_and_trusted(allowed_tenants, authority_tenant_id, allowed, trusted):
    assert tenants.allowed_and_trusted(allowed_tenants, authority_tenant_id) == (allowed, trusted)


@pytest.mark.parametrize("entry", ["*", DEFAULT_TENANT_ID, OTHER_TENANT_ID.upper(), PERSONAL])
def test_allowed_tenant_entry_that_names_tenants(entry):
    assert tenants.allowed_tenant_error(entry) is None


@pytest.mark.parametrize("entry", ["contoso.com", "common", f" {DEFAULT_TENANT_ID}", None, 42])
def test_allowed_tenant_entry_that_matches_no_one(entry):
    assert tenants.allowed_tenant_error(entry) == (
        'is not a tenant id (a GUID) nor "*", and matches no one'
    )


@pytest.mark.parametrize(
    ("tenant_id", "allowed", "authority", "expected"),
    [
        (OTHER_TENANT_ID, None, "common", True),
        (OTHER_TENANT_ID, {DEFAULT_TENANT_ID}, "common", False),
        (DEFAULT_TENANT_ID, {DEFAULT_TENANT_ID}, DEFAULT_TENANT_ID, True),
        (PERSONAL, None, "common", True),
        # ``organizations`` is for work accounts: a personal one only when listed by name.
        (PERSONAL, None, "organizations", False),
        (PERSONAL, {PERSONAL}, "organizations", True),
        (OTHER_TENANT_ID, None, "organizations", True),
    ],
)
def test_is_allowed(tenant_id, allowed, authority, expected):
    assert tenants.is_allowed(tenant_id, allowed, authority) is expected


@pytest.mark.parametrize(
    ("mapping_tenants", "authority_tenant_id", "expected"),
    [
        (None, DEFAULT_TENANT_ID, {DEFAULT_TENANT_ID}),
        (None, None, set()),
        ([f" {OTHER_TENANT_ID.upper()} "], None, {OTHER_TENANT_ID}),
        ([OTHER_TENANT_ID], DEFAULT_TENANT_ID, {DEFAULT_TENANT_ID, OTHER_TENANT_ID}),
        # "*" and the personal-accounts tenant name no one whose roles someone vetted.
        (["*", PERSONAL], None, set()),
    ],
)
def test_mapping_tenants(mapping_tenants, authority_tenant_id, expected):
    assert tenants.mapping_tenants(mapping_tenants, authority_tenant_id) == expected


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        (None, []),
        ([], []),
        ([DEFAULT_TENANT_ID, f" {OTHER_TENANT_ID.upper()} "], []),
        (DEFAULT_TENANT_ID, ["must be a list of tenant ids, not str"]),
        (["*"], ['"*" names no tenant: list each tenant id']),
        (["contoso.com"], ["'contoso.com' is not a tenant id (a GUID)"]),
        ([42], ["42 is not a tenant id (a GUID)"]),
        ([PERSONAL], ["the personal-accounts tenant is open to anyone"]),
    ],
)
def test_mapping_tenant_errors(value, problems):
    assert tenants.mapping_tenant_errors(value) == problems


def test_upn_domain_verified_for_work_accounts_only():
    assert tenants.upn_domain_verified(DEFAULT_TENANT_ID)
    assert not tenants.upn_domain_verified(PERSONAL)


def test_graph_ids_of_a_work_account_is_its_oid():
    oid = "00000000-0000-0000-0001-0203040506aB"
    assert tenants.graph_ids(DEFAULT_TENANT_ID, oid) == {oid.lower()}


def test_graph_ids_of_a_personal_account_adds_graphs_short_id():
    oid = "00000000-0000-0000-FDE9-26F844473904"
    assert tenants.graph_ids(PERSONAL, oid) == {oid.lower(), "fde926f844473904"}


def test_graph_ids_of_a_personal_account_with_another_shape_is_its_oid():
    oid = "11111111-0000-0000-fde9-26f844473904"
    assert tenants.graph_ids(PERSONAL, oid) == {oid}
