"""Identity and privilege: nobody gets another person's account or rights by what their tenant
writes about them.

Already proven elsewhere, and not repeated here (tests/test_users.py): a renamed UPN keeps its
account (``test_renamed_upn_keeps_its_account``), a new person who inherits an old UPN does not
get the old account (``test_new_person_with_a_reused_upn_does_not_get_the_old_account``), a
personal account named like an existing username is refused
(``test_personal_account_never_takes_over_an_account_by_username``), personal accounts on an
``organizations`` authority (``test_organizations_authority_refuses_personal_accounts_even_with_star``),
``x@ample.com``, ``x@example.com.evil.io``, upper case and no mail at all
(``test_domain_not_allowed_is_refused``, ``test_allowed_domain_signs_in``,
``test_person_without_mail_is_judged_by_upn_domain``).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import (
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    PERSONAL_ACCOUNTS_TENANT_ID,
)
from tests.helpers import assert_refused, assert_signed_in, messages_of, signed_in_user
from tests.security.conftest import TENANT_REFUSED

pytestmark = pytest.mark.django_db

User = get_user_model()
COMMON = "https://login.microsoftonline.com/common"
ORGANIZATIONS = "https://login.microsoftonline.com/organizations"
VICTIM = "ceo@contoso.com"


def snapshot(user):
    user.refresh_from_db()
    return (user.pk, user.username, user.email, user.password, user.is_staff, user.is_superuser)


# -- nOAuth: another tenant's person whose Graph mail is the victim's address -----------------------

# (authority, MICROSOFT_SSO_ALLOWED_TENANTS, the attacker's tenant)
ATTACKER_MODES = {
    "common-any-tenant": (COMMON, ["*"], OTHER_TENANT_ID),
    "organizations-any-tenant": (ORGANIZATIONS, ["*"], OTHER_TENANT_ID),
    "common-personal-account": (COMMON, ["*"], PERSONAL_ACCOUNTS_TENANT_ID),
    "common-personal-tenant-listed": (
        COMMON,
        [DEFAULT_TENANT_ID, PERSONAL_ACCOUNTS_TENANT_ID],
        PERSONAL_ACCOUNTS_TENANT_ID,
    ),
}


@pytest.mark.parametrize("victim_kind", ["password-account", "microsoft-account"])
@pytest.mark.parametrize(
    ("unique_email", "always_update", "auto_create"),
    [
        (False, False, True),
        (True, False, True),
        (False, True, True),
        (True, True, True),
        (True, False, False),
    ],
    ids=["default", "unique-email", "always-update", "both", "unique-email-no-auto-create"],
)
@pytest.mark.parametrize("mode", list(ATTACKER_MODES))
def test_noauth_never_takes_over_an_account_nor_its_privileges(
    microsoft, settings, mode, unique_email, always_update, auto_create, victim_kind
):
    # The address as the victim's, or as Graph may spell it.
    mail = " CEO@Contoso.COM " if always_update else VICTIM
    authority, allowed_tenants, attacker_tenant = ATTACKER_MODES[mode]
    settings.MICROSOFT_SSO_AUTHORITY = authority
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = allowed_tenants
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_UNIQUE_EMAIL = unique_email
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = always_update
    settings.MICROSOFT_SSO_STAFF_LIST = [VICTIM]
    settings.MICROSOFT_SSO_SUPERUSER_LIST = [VICTIM]
    if victim_kind == "password-account":
        victim = User.objects.create_user(
            "ceo", email=VICTIM, password="s3cret", is_staff=True, is_superuser=True
        )
    else:
        ceo = microsoft.add_user(VICTIM, mail=VICTIM)
        microsoft.login(Client(), ceo)
        victim = User.objects.get(username=VICTIM)
        assert victim.is_superuser
    victims_link = list(MicrosoftSSOUser.objects.values_list("user", "tenant_id", "microsoft_id"))
    before = snapshot(victim)
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = auto_create
    mallory = microsoft.add_user("mallory@fabrikam.com", tenant_id=attacker_tenant, mail=mail)

    for _ in range(2):  # the first sign-in, and a returning one
        browser = Client()
        response = microsoft.login(browser, mallory)

        assert response.status_code == 302
        user = signed_in_user(browser)
        if user is not None:
            assert user != victim
            assert (user.is_staff, user.is_superuser, user.email) == (False, False, "")
        else:
            assert response.url == "/admin/login/"
            assert len(messages_of(response)) == 1
    assert snapshot(victim) == before
    assert (
        not MicrosoftSSOUser.objects.filter(user=victim)
        .exclude(tenant_id=DEFAULT_TENANT_ID)
        .exists()
    )
    assert [
        row
        for row in MicrosoftSSOUser.objects.values_list("user", "tenant_id", "microsoft_id")
        if row[0] == victim.pk
    ] == victims_link


# -- privileges by list need an allowed tenant ----------------------------------------------------


@pytest.mark.parametrize(
    ("authority", "tenant"),
    [
        (COMMON, OTHER_TENANT_ID),
        (COMMON, PERSONAL_ACCOUNTS_TENANT_ID),
        # (Microsoft itself refuses personal accounts on organizations.)
        (ORGANIZATIONS, OTHER_TENANT_ID),
    ],
    ids=["common-other-tenant", "common-personal-account", "organizations-other-tenant"],
)
def test_superuser_list_grants_nothing_to_a_tenant_that_is_not_allowed(
    client, microsoft, settings, authority, tenant
):
    settings.MICROSOFT_SSO_AUTHORITY = authority
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [DEFAULT_TENANT_ID]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["boss@fabrikam.com"]
    settings.MICROSOFT_SSO_STAFF_LIST = ["boss@fabrikam.com"]
    boss = microsoft.add_user("boss@fabrikam.com", tenant_id=tenant, mail="boss@fabrikam.com")

    response = microsoft.login(client, boss)

    assert_refused(response, client, TENANT_REFUSED)
    assert microsoft.count("batch") == 0


# -- domain tricks --------------------------------------------------------------------------------


def domain_refused(address):
    return f"Email address not allowed: {address}. Please contact your administrator."


@pytest.mark.parametrize(
    ("upn", "mail", "judged"),
    [
        ("x@com", None, "x@com"),
        ("x@example.co", None, "x@example.co"),
        ("x@ex\u0430mple.com", None, "x@ex\u0430mple.com"),  # a Cyrillic a
        ("x@example.com\u200b", None, "x@example.com\u200b"),
        ("x@example.com@evil.io", None, "x@example.com@evil.io"),
        ("x@evil.io", "x@example.com.evil.io", "x@example.com.evil.io"),
        ("x@evil.io", "x@notexample.com", "x@notexample.com"),
        ("x@example.com", "x@evil.io", "x@evil.io"),
    ],
    ids=[
        "tld-only",
        "shorter-tld",
        "homoglyph",
        "zero-width",
        "two-at-signs",
        "mail-suffixed",
        "mail-prefixed",
        "trusted-mail-elsewhere",
    ],
)
def test_domain_tricks_are_refused(client, microsoft, settings, upn, mail, judged):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["example.com"]
    person = microsoft.add_user(upn, mail=mail)

    response = microsoft.login(client, person)

    assert_refused(response, client, domain_refused(judged))


def test_a_trusted_tenants_mail_in_an_allowed_domain_lets_its_person_in(
    client, microsoft, settings
):
    """The counterpart of ``trusted-mail-elsewhere``: the mail, not the UPN, is what is judged."""
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["example.com"]
    person = microsoft.add_user("x@contoso.onmicrosoft.com", mail="X@Example.Com")

    assert_signed_in(microsoft.login(client, person), client)
    assert User.objects.get().email == "X@Example.Com"
