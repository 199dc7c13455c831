"""The pure rules behind a sign-in, without views or a database: which e-mail domains may sign
in, and what a person's Entra groups and app roles grant.
"""

import pytest

from django_microsoft_sso.domains import domain_allowed, domain_pattern, domain_patterns
from django_microsoft_sso.facts import email_domain
from django_microsoft_sso.groups import Grant, Mapping, claimed_groups, claimed_roles, entries

EDITORS_ID = "6b3c1a52-5d2e-4c4f-9a51-6f1e9d8e2b10"
ADMINS_ID = "0f9e8d7c-6b5a-4321-8765-43210fedcba9"

# -- domains ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "domain"),
    [
        ("alice@contoso.com", "contoso.com"),
        ("Alice@Contoso.COM", "contoso.com"),
        ("alice@contoso.com.", "contoso.com"),
        ("alice@ contoso.com ", "contoso.com"),
        ("alice@mail.contoso.com", "mail.contoso.com"),
        ("", None),
        (None, None),
        ("alice", None),
        ("@contoso.com", None),
        ("alice@", None),
        ("alice@evil.com@contoso.com", None),
    ],
)
def test_email_domain_is_the_lower_cased_part_after_the_one_at_sign(address, domain):
    assert email_domain(address) == domain


@pytest.mark.parametrize(
    ("entry", "pattern"),
    [
        ("*", "*"),
        ("contoso.com", "contoso.com"),
        ("Contoso.COM", "contoso.com"),
        ("contoso.com.", "contoso.com"),
        ("*.contoso.com", "*.contoso.com"),
        ("*.Contoso.com.", "*.contoso.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_domain_pattern_makes_an_entry_comparable(entry, pattern):
    assert domain_pattern(entry) == pattern


@pytest.mark.parametrize(
    "entry",
    ["*.", " * ", "**", "@contoso.com", "contoso..com", "contoso.com..", "con toso.com", "", 42],
)
def test_domain_pattern_of_a_typing_mistake_is_none_never_everyone(entry):
    assert domain_pattern(entry) is None


def test_domain_patterns_keep_the_usable_entries_of_a_list_or_tuple():
    assert domain_patterns(["Contoso.com", "*.", "*.fabrikam.com", None]) == [
        "contoso.com",
        "*.fabrikam.com",
    ]
    assert domain_patterns(("contoso.com",)) == ["contoso.com"]


@pytest.mark.parametrize("setting", ["*.contoso.com", "*", None, 42, {"contoso.com": True}])
def test_domain_patterns_of_anything_but_a_list_is_none(setting):
    assert domain_patterns(setting) == []


@pytest.mark.parametrize(
    ("domain", "patterns", "allowed"),
    [
        ("contoso.com", ["contoso.com"], True),
        ("contoso.com", ["Contoso.com."], True),
        ("fabrikam.com", ["contoso.com"], False),
        ("evilcontoso.com", ["contoso.com"], False),
        ("contoso.com.evil.com", ["contoso.com"], False),
        ("mail.contoso.com", ["contoso.com"], False),
        ("mail.contoso.com", ["*.contoso.com"], True),
        ("a.b.contoso.com", ["*.contoso.com"], True),
        ("contoso.com", ["*.contoso.com"], False),
        ("evilcontoso.com", ["*.contoso.com"], False),
        ("anything.example", ["*"], True),
        ("contoso.com", [], False),
        ("contoso.com", "contoso.com", False),
        ("contoso.com", "*", False),
        ("contoso.com", ["*."], False),
        ("", ["*"], False),
        (None, ["*"], False),
    ],
)
def test_domain_allowed(domain, patterns, allowed):
    assert domain_allowed(domain, patterns) is allowed


# -- groups and roles -------------------------------------------------------------------------------


def mapping(groups_map=None, roles_map=None):
    """A ``Mapping`` of settings alone, as ``Mapping.load`` builds it before the database rows."""
    result = Mapping()
    for key, spec in (groups_map or {}).items():
        for entry in entries(spec):
            Mapping.grant(result.by_group, key.lower(), entry)
    for key, spec in (roles_map or {}).items():
        for entry in entries(spec):
            Mapping.grant(result.by_role, key, entry)
    return result


def test_claimed_groups_are_lower_cased_ids():
    claims = {"groups": [EDITORS_ID.upper(), ADMINS_ID, 42, None]}

    assert claimed_groups(claims) == {EDITORS_ID, ADMINS_ID}


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"groups": "not a list"},
        {"hasgroups": True, "groups": [EDITORS_ID]},
        {"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {}}},
        {"_claim_names": {"groups": "src1"}, "groups": [EDITORS_ID]},
    ],
)
def test_claimed_groups_are_unknown_when_the_token_does_not_carry_them_all(claims):
    assert claimed_groups(claims) is None


def test_an_empty_groups_claim_is_no_group_not_unknown():
    assert claimed_groups({"groups": []}) == set()


def test_claimed_roles_keep_their_case_and_only_strings():
    assert claimed_roles({"roles": ["Site.Admin", "site.admin", 7]}) == {
        "Site.Admin",
        "site.admin",
    }


@pytest.mark.parametrize("claims", [{}, {"roles": "Site.Admin"}, {"roles": None}])
def test_claimed_roles_of_a_token_without_a_list_are_none(claims):
    assert claimed_roles(claims) == set()


def test_a_group_grants_its_django_groups_and_flags():
    grant = mapping({EDITORS_ID: ["Editors", "is_staff"]}).granted({EDITORS_ID}, set())

    assert grant == Grant(groups={"Editors"}, flags={"is_staff"})


def test_superuser_brings_staff_with_it():
    grant = mapping(roles_map={"Site.Admin": "is_superuser"}).granted(set(), {"Site.Admin"})

    assert grant.flags == {"is_superuser", "is_staff"}
    assert grant.groups == set()


def test_grants_of_several_groups_and_roles_add_up():
    rules = mapping(
        {EDITORS_ID: "Editors", ADMINS_ID: ["Admins", "is_staff"]},
        {"Site.Reader": "Readers"},
    )

    grant = rules.granted({EDITORS_ID, ADMINS_ID}, {"Site.Reader", "Site.Unmapped"})

    assert grant == Grant(groups={"Editors", "Admins", "Readers"}, flags={"is_staff"})


def test_group_ids_of_the_settings_match_whatever_their_case():
    grant = mapping({EDITORS_ID.upper(): "Editors"}).granted({EDITORS_ID}, set())

    assert grant.groups == {"Editors"}


def test_roles_match_only_in_their_own_case():
    grant = mapping(roles_map={"Site.Admin": "Admins"}).granted(set(), {"site.admin"})

    assert grant == Grant()


def test_an_unknown_flag_grants_nothing_and_is_no_group():
    grant = mapping({EDITORS_ID: ["is_admin", "Editors"]}).granted({EDITORS_ID}, set())

    assert grant == Grant(groups={"Editors"})


def test_entries_are_trimmed():
    grant = mapping({f" {EDITORS_ID} ": [" Editors ", " is_staff"]}).granted({EDITORS_ID}, set())

    assert grant == Grant(groups={"Editors"}, flags={"is_staff"})


def test_nobody_in_a_mapped_group_is_granted_nothing():
    rules = mapping({EDITORS_ID: "Editors"}, {"Site.Admin": "is_superuser"})

    assert rules.granted(set(), set()) == Grant()
    assert rules.granted({ADMINS_ID}, {"Site.Reader"}) == Grant()


def test_managed_groups_are_every_django_group_a_mapping_names():
    rules = mapping({EDITORS_ID: ["Editors", "is_staff"]}, {"Site.Admin": ["Admins"]})

    assert rules.managed_groups == {"Editors", "Admins"}
    assert rules
    assert not Mapping()
