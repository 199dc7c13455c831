"""Who may sign in and which account they get: tenants, domains, linking, creation and updates.

Every test signs in through the views with the fake Microsoft and looks at what the person gets:
the redirect, the message, the session, and the rows in the database.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import (
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    PERSONAL_ACCOUNTS_TENANT_ID,
    TINY_PNG,
)
from tests.helpers import assert_sent_back_to_login, signed_in

pytestmark = pytest.mark.django_db

User = get_user_model()
COMMON = "https://login.microsoftonline.com/common"
ORGANIZATIONS = "https://login.microsoftonline.com/organizations"
TINY_GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"

NOT_ALLOWED_TENANT = "Accounts of your organization are not allowed to sign in here."
ALREADY_LINKED = (
    "This account is already linked to another Microsoft account. "
    "Please contact your administrator."
)


def domain_refused(address):
    return f"Email address not allowed: {address}. Please contact your administrator."


@pytest.fixture
def any_tenant(settings):
    """A multi-tenant app that lets any tenant in on purpose (none of them is trusted)."""
    settings.MICROSOFT_SSO_AUTHORITY = COMMON
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]


# -- tenants ------------------------------------------------------------------------------------


def test_single_tenant_authority_refuses_a_token_for_another_tenant(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com")
    forged = {
        "tid": OTHER_TENANT_ID,
        "iss": f"https://login.microsoftonline.com/{OTHER_TENANT_ID}/v2.0",
    }

    response = microsoft.login(client, alice, id_token_claims=forged)

    assert_sent_back_to_login(response, "The sign-in could not be verified. Please try again.")
    assert not User.objects.exists()


def test_allowed_tenants_lets_listed_tenants_in(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTHORITY = COMMON
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [DEFAULT_TENANT_ID, OTHER_TENANT_ID.upper()]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com", "fabrikam.com"]
    bob = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)

    user = signed_in(microsoft.login(client, bob))

    assert user.username == "bob@fabrikam.com"
    assert MicrosoftSSOUser.objects.get(user=user).tenant_id == OTHER_TENANT_ID


def test_allowed_tenants_refuses_a_tenant_not_listed(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTHORITY = COMMON
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [DEFAULT_TENANT_ID]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    bob = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)

    assert_sent_back_to_login(microsoft.login(client, bob), NOT_ALLOWED_TENANT)
    assert not User.objects.exists()


def test_allowed_tenants_star_lets_any_tenant_in(client, microsoft, settings, any_tenant):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["fabrikam.com"]
    bob = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID)

    assert signed_in(microsoft.login(client, bob)).username == "bob@fabrikam.com"


def test_common_authority_with_star_lets_personal_accounts_in(
    client, microsoft, settings, any_tenant
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["outlook.com"]
    carol = microsoft.add_user(
        "carol@outlook.com", tenant_id=PERSONAL_ACCOUNTS_TENANT_ID, mail="carol@outlook.com"
    )

    user = signed_in(microsoft.login(client, carol))

    assert MicrosoftSSOUser.objects.get(user=user).tenant_id == PERSONAL_ACCOUNTS_TENANT_ID


def test_organizations_authority_refuses_personal_accounts_even_with_star(
    client, microsoft, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = ORGANIZATIONS
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    carol = microsoft.add_user("carol@outlook.com", tenant_id=PERSONAL_ACCOUNTS_TENANT_ID)
    start = client.get(reverse("django_microsoft_sso:oauth_start_login"))
    # Microsoft does not offer personal accounts on "organizations"; pretend it did.
    authorize_url = start.url.replace("/organizations/", "/common/")

    response = microsoft.sign_in(authorize_url, carol).send(client)

    assert_sent_back_to_login(response, NOT_ALLOWED_TENANT)
    assert not User.objects.exists()


# -- ALLOWABLE_DOMAINS ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "upn"),
    [
        (["contoso.com"], "alice@contoso.com"),
        (["Contoso.COM"], "alice@CONTOSO.com"),
        (["*.contoso.com"], "alice@eu.contoso.com"),
        (["*.contoso.com"], "alice@a.b.contoso.com"),
        (["*"], "alice@anything.example"),
        (["fabrikam.com", "contoso.com"], "alice@contoso.com"),
    ],
)
def test_allowed_domain_signs_in(client, microsoft, settings, allowed, upn):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = allowed
    person = microsoft.add_user(upn)

    assert signed_in(microsoft.login(client, person)).username == upn


@pytest.mark.parametrize(
    ("allowed", "upn"),
    [
        ([], "alice@contoso.com"),
        (["*.contoso.com"], "alice@contoso.com"),
        (["*.contoso.com"], "alice@evilcontoso.com"),
        (["contoso.com"], "alice@evilcontoso.com"),
        (["contoso.com"], "alice@eu.contoso.com"),
        (["example.com"], "x@ample.com"),
        (["ample.com"], "x@example.com"),
        (["example.com"], "x@example.com.evil.io"),
    ],
)
def test_domain_not_allowed_is_refused(client, microsoft, settings, allowed, upn):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = allowed
    person = microsoft.add_user(upn)

    assert_sent_back_to_login(microsoft.login(client, person), domain_refused(upn))
    assert not User.objects.exists()
    assert not MicrosoftSSOUser.objects.exists()


@pytest.mark.parametrize(
    "allowed",
    [
        ["*."],
        [" * "],
        ["*.*"],
        ["**"],
        ["*.*.com"],
        ["*contoso.com"],
        "*.contoso.com",
        "contoso.com, *",
        [None, "*\t"],
    ],
)
def test_malformed_allowable_domains_never_let_everyone_in(client, microsoft, settings, allowed):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = allowed
    mallory = microsoft.add_user("mallory@evil.example")

    assert_sent_back_to_login(
        microsoft.login(client, mallory), domain_refused("mallory@evil.example")
    )
    assert not User.objects.exists()


@pytest.mark.parametrize("allowed", ["contoso.com", [" contoso.com"], ["@contoso.com"]])
def test_malformed_allowable_domains_match_no_one(client, microsoft, settings, allowed):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = allowed
    alice = microsoft.add_user("alice@contoso.com")

    assert_sent_back_to_login(microsoft.login(client, alice), domain_refused("alice@contoso.com"))


def test_malformed_entry_leaves_the_others_in_force(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*.", 42, "contoso.com."]
    alice = microsoft.add_user("alice@contoso.com")

    assert signed_in(microsoft.login(client, alice)).username == "alice@contoso.com"
    assert_sent_back_to_login(
        microsoft.login(Client(), microsoft.add_user("bob@fabrikam.com")),
        domain_refused("bob@fabrikam.com"),
    )


def test_person_without_mail_is_judged_by_upn_domain(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
    alice = microsoft.add_user("alice@contoso.com", mail=None)
    bob = microsoft.add_user("bob@fabrikam.com", mail=None)

    assert signed_in(microsoft.login(client, alice)).email == ""
    assert_sent_back_to_login(microsoft.login(Client(), bob), domain_refused("bob@fabrikam.com"))


def test_trusted_tenant_mail_is_judged_instead_of_upn(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
    alice = microsoft.add_user("alice@contoso.onmicrosoft.com", mail="alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert user.email == "alice@contoso.com"


def test_untrusted_tenant_mail_in_allowed_domain_does_not_let_person_in(
    client, microsoft, settings, any_tenant
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
    mallory = microsoft.add_user(
        "mallory@fabrikam.com", tenant_id=OTHER_TENANT_ID, mail="mallory@contoso.com"
    )

    assert_sent_back_to_login(
        microsoft.login(client, mallory), domain_refused("mallory@fabrikam.com")
    )
    assert not User.objects.exists()


def test_untrusted_tenant_mail_in_upn_domain_counts(client, microsoft, settings, any_tenant):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["fabrikam.com"]
    bob = microsoft.add_user(
        "bob@fabrikam.com", tenant_id=OTHER_TENANT_ID, mail="Bob.Smith@Fabrikam.com"
    )

    assert signed_in(microsoft.login(client, bob)).email == "Bob.Smith@Fabrikam.com"


def test_untrusted_tenant_mail_in_another_domain_is_not_stored(
    client, microsoft, settings, any_tenant
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    bob = microsoft.add_user("bob@fabrikam.com", tenant_id=OTHER_TENANT_ID, mail="bob@contoso.com")

    assert signed_in(microsoft.login(client, bob)).email == ""


def test_untrusted_tenant_mail_counts_when_id_token_says_domain_owner_verified(
    client, microsoft, settings, any_tenant
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
    bob = microsoft.add_user(
        "bob@fabrikam.com",
        tenant_id=OTHER_TENANT_ID,
        mail="bob@contoso.com",
        extra_claims={"xms_edov": True},
    )

    assert signed_in(microsoft.login(client, bob)).email == "bob@contoso.com"


# -- linking an existing account on the first sign-in ---------------------------------------------


def test_untrusted_mail_never_takes_over_an_account_by_email(
    client, microsoft, settings, any_tenant
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_UNIQUE_EMAIL = True
    victim = User.objects.create_user("ceo", email="ceo@contoso.com", is_superuser=True)
    mallory = microsoft.add_user(
        "mallory@fabrikam.com", tenant_id=OTHER_TENANT_ID, mail="ceo@contoso.com"
    )

    user = signed_in(microsoft.login(client, mallory))

    assert user != victim
    assert not user.is_superuser
    assert user.email == ""
    assert not MicrosoftSSOUser.objects.filter(user=victim).exists()


def test_personal_account_never_takes_over_an_account_by_username(
    client, microsoft, settings, any_tenant
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    victim = User.objects.create_user("ceo@contoso.com", email="ceo@contoso.com")
    # A personal account's UPN is an address no tenant has verified.
    mallory = microsoft.add_user("ceo@contoso.com", tenant_id=PERSONAL_ACCOUNTS_TENANT_ID)

    assert_sent_back_to_login(
        microsoft.login(client, mallory),
        "An account named ceo@contoso.com already exists. Please contact your administrator.",
    )
    assert not MicrosoftSSOUser.objects.exists()
    assert list(User.objects.all()) == [victim]


def test_consumers_authority_does_not_make_personal_accounts_trusted(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/consumers"
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_UNIQUE_EMAIL = True
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["ceo@contoso.com"]
    victim = User.objects.create_user("ceo@contoso.com", email="ceo@contoso.com")
    mallory = microsoft.add_user(
        "mallory@outlook.com", tenant_id=PERSONAL_ACCOUNTS_TENANT_ID, mail="ceo@contoso.com"
    )

    user = signed_in(microsoft.login(client, mallory))

    assert user != victim
    assert (user.email, user.is_superuser) == ("", False)


def test_first_sign_in_links_account_whose_username_is_the_upn(client, microsoft):
    existing = User.objects.create_user("Alice@Contoso.com", password="secret")
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert user == existing
    link = MicrosoftSSOUser.objects.get()
    assert (link.user, link.tenant_id, link.microsoft_id) == (
        existing,
        DEFAULT_TENANT_ID,
        alice.object_id,
    )


def test_unique_email_links_account_whose_email_matches(client, microsoft, settings):
    settings.MICROSOFT_SSO_UNIQUE_EMAIL = True
    existing = User.objects.create_user("alice", email="ALICE@contoso.com")
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    assert signed_in(microsoft.login(client, alice)) == existing
    assert User.objects.count() == 1


def test_without_unique_email_a_matching_email_gets_a_new_account(client, microsoft):
    existing = User.objects.create_user("alice", email="alice@contoso.com")
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert user != existing
    assert user.username == "alice@contoso.com"


@pytest.mark.parametrize("unique_email", [False, True])
def test_account_linked_to_another_identity_is_refused(client, microsoft, settings, unique_email):
    settings.MICROSOFT_SSO_UNIQUE_EMAIL = unique_email
    username = "someone-else" if unique_email else "alice@contoso.com"
    existing = User.objects.create_user(username, email="alice@contoso.com")
    MicrosoftSSOUser.objects.create(
        user=existing,
        tenant_id=DEFAULT_TENANT_ID,
        microsoft_id="00000000-0000-0000-0000-000000000001",
    )
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    assert_sent_back_to_login(microsoft.login(client, alice), ALREADY_LINKED)
    assert MicrosoftSSOUser.objects.count() == 1
    assert User.objects.count() == 1


def test_renamed_upn_keeps_its_account(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com")
    first = signed_in(microsoft.login(client, alice))
    alice.user_principal_name = "alice.smith@contoso.com"

    second = signed_in(microsoft.login(Client(), alice))

    assert second == first
    assert User.objects.count() == 1


def test_renamed_upn_is_noticed_from_the_id_token_and_stored(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com")
    signed_in(microsoft.login(client, alice))
    alice.user_principal_name = "alice.smith@contoso.com"
    graph_before = microsoft.count("batch")

    signed_in(microsoft.login(Client(), alice))

    assert microsoft.count("batch") == graph_before + 1
    assert MicrosoftSSOUser.objects.get().user_principal_name == "alice.smith@contoso.com"


def test_renamed_upn_is_stored_when_the_profile_is_read(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    alice = microsoft.add_user("alice@contoso.com")
    first = signed_in(microsoft.login(client, alice))
    alice.user_principal_name = "alice.smith@contoso.com"

    assert signed_in(microsoft.login(client, alice)) == first
    assert MicrosoftSSOUser.objects.get().user_principal_name == "alice.smith@contoso.com"


def test_new_person_with_a_reused_upn_does_not_get_the_old_account(client, microsoft):
    old = microsoft.add_user("alice@contoso.com")
    old_user = signed_in(microsoft.login(client, old))
    old.user_principal_name = "alice.old@contoso.com"
    new = microsoft.add_user("alice@contoso.com")

    assert_sent_back_to_login(microsoft.login(Client(), new), ALREADY_LINKED)
    assert list(User.objects.all()) == [old_user]
    assert MicrosoftSSOUser.objects.get().microsoft_id == old.object_id


# -- creating users -------------------------------------------------------------------------------


def test_without_auto_create_an_unknown_person_is_refused(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = False
    alice = microsoft.add_user("alice@contoso.com")

    assert_sent_back_to_login(
        microsoft.login(client, alice),
        "There is no account for alice@contoso.com. Please contact your administrator.",
    )
    assert not User.objects.exists()


def test_without_auto_create_an_existing_account_still_signs_in(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = False
    existing = User.objects.create_user("alice@contoso.com")
    alice = microsoft.add_user("alice@contoso.com")

    assert signed_in(microsoft.login(client, alice)) == existing


def test_created_user_has_the_microsoft_profile(client, microsoft):
    alice = microsoft.add_user(
        "alice@contoso.com",
        mail="alice.liddell@contoso.com",
        given_name="Alice",
        surname="Liddell",
        photo=TINY_PNG,
        preferred_language="en-GB",
    )

    user = signed_in(microsoft.login(client, alice))

    assert (user.username, user.email, user.first_name, user.last_name) == (
        "alice@contoso.com",
        "alice.liddell@contoso.com",
        "Alice",
        "Liddell",
    )
    assert not user.has_usable_password()
    assert not user.is_staff
    assert not user.is_superuser
    link = MicrosoftSSOUser.objects.get(user=user)
    assert bytes(link.picture_raw) == TINY_PNG
    assert link.locale == "en-GB"
    assert link.user_principal_name == "alice@contoso.com"


def test_created_user_without_names_or_mail_has_no_usable_password(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert not User.objects.get(pk=user.pk).has_usable_password()


@pytest.mark.parametrize(
    ("limit", "photo", "kept"),
    [
        (len(TINY_PNG), TINY_PNG, True),
        (len(TINY_PNG) - 1, TINY_PNG, False),
        (100 * 1024, b"<html>not a picture</html>", False),
    ],
)
def test_picture_is_kept_only_when_it_is_a_small_image(
    client, microsoft, settings, limit, photo, kept
):
    settings.MICROSOFT_SSO_MAX_PICTURE_BYTES = limit
    alice = microsoft.add_user("alice@contoso.com", photo=photo)

    user = signed_in(microsoft.login(client, alice))

    picture = MicrosoftSSOUser.objects.get(user=user).picture_raw
    assert (bytes(picture) if picture is not None else None) == (photo if kept else None)


# -- returning people and updates -----------------------------------------------------------------


def test_returning_person_costs_one_token_request_and_no_graph_request(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com", given_name="Alice", surname="Liddell")
    first = signed_in(microsoft.login(client, alice))
    User.objects.filter(pk=first.pk).update(first_name="Ali")
    alice.given_name, alice.surname = "Alicia", "Smith"
    before_token, before_all = microsoft.count("token"), microsoft.count()

    second = signed_in(microsoft.login(Client(), alice))

    assert second == first
    assert microsoft.count("token") == before_token + 1
    assert microsoft.count() == before_all + 1
    assert (second.first_name, second.last_name) == ("Ali", "Liddell")


def test_always_update_user_data_updates_the_profile_at_every_sign_in(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    alice = microsoft.add_user(
        "alice@contoso.com",
        mail="alice@contoso.com",
        given_name="Alice",
        surname="Liddell",
        photo=TINY_PNG,
        preferred_language="en-GB",
    )
    first = signed_in(microsoft.login(client, alice))
    alice.given_name, alice.surname, alice.mail = "Alicia", "Smith", "alicia@contoso.com"
    alice.photo, alice.preferred_language = TINY_GIF, "fr-FR"

    user = signed_in(microsoft.login(Client(), alice))

    assert user == first
    assert (user.first_name, user.last_name, user.email) == (
        "Alicia",
        "Smith",
        "alicia@contoso.com",
    )
    link = MicrosoftSSOUser.objects.get(user=user)
    assert (bytes(link.picture_raw), link.locale) == (TINY_GIF, "fr-FR")


def test_always_update_user_data_removes_a_usable_password(client, microsoft, settings):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    existing = User.objects.create_user("alice@contoso.com", password="secret")
    alice = microsoft.add_user("alice@contoso.com", given_name="Alice")

    assert signed_in(microsoft.login(client, alice)) == existing

    existing.refresh_from_db()
    assert not existing.has_usable_password()
    assert existing.first_name == "Alice"


def test_linking_an_existing_account_keeps_its_password_and_names(client, microsoft):
    existing = User.objects.create_user("alice@contoso.com", password="secret", first_name="Al")
    alice = microsoft.add_user("alice@contoso.com", given_name="Alice")

    assert signed_in(microsoft.login(client, alice)) == existing

    existing.refresh_from_db()
    assert existing.check_password("secret")
    assert existing.first_name == "Al"


def test_without_basic_info_no_picture_or_locale_is_stored(client, microsoft, settings):
    settings.MICROSOFT_SSO_SAVE_BASIC_MICROSOFT_INFO = False
    alice = microsoft.add_user("alice@contoso.com", photo=TINY_PNG, preferred_language="en-GB")

    user = signed_in(microsoft.login(client, alice))

    link = MicrosoftSSOUser.objects.get(user=user)
    assert (link.picture_raw, link.locale) == (None, None)
    assert (link.tenant_id, link.microsoft_id, link.user_principal_name) == (
        DEFAULT_TENANT_ID,
        alice.object_id,
        "alice@contoso.com",
    )


# -- privileges -----------------------------------------------------------------------------------


def test_staff_list_matches_the_upn(client, microsoft, settings):
    settings.MICROSOFT_SSO_STAFF_LIST = ["Alice@Contoso.com"]
    alice = microsoft.add_user("alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert (user.is_staff, user.is_superuser) == (True, False)


def test_superuser_list_matches_a_trusted_email(client, microsoft, settings):
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["alice@contoso.com"]
    alice = microsoft.add_user("alice@contoso.onmicrosoft.com", mail="alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert (user.is_staff, user.is_superuser) == (True, True)


def test_lists_ignore_a_mail_that_does_not_count(client, microsoft, settings, any_tenant):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]
    settings.MICROSOFT_SSO_STAFF_LIST = ["boss@contoso.com"]
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["boss@contoso.com"]
    mallory = microsoft.add_user(
        "mallory@fabrikam.com", tenant_id=OTHER_TENANT_ID, mail="boss@contoso.com"
    )

    user = signed_in(microsoft.login(client, mallory))

    assert (user.is_staff, user.is_superuser) == (False, False)


def test_people_not_on_the_lists_get_no_privileges(client, microsoft, settings):
    settings.MICROSOFT_SSO_STAFF_LIST = ["boss@contoso.com"]
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["root@contoso.com"]
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert (user.is_staff, user.is_superuser) == (False, False)


def test_auto_create_first_superuser_makes_only_the_first_person_superuser(
    client, microsoft, settings
):
    settings.MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER = True
    alice = microsoft.add_user("alice@contoso.com")
    bob = microsoft.add_user("bob@contoso.com")

    first = signed_in(microsoft.login(client, alice))
    second = signed_in(microsoft.login(Client(), bob))

    assert (first.is_superuser, first.is_staff) == (True, True)
    assert (second.is_superuser, second.is_staff) == (False, False)


def test_first_superuser_is_not_made_when_one_exists(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTO_CREATE_FIRST_SUPERUSER = True
    User.objects.create_superuser("root", password="secret")
    alice = microsoft.add_user("alice@contoso.com")

    assert not signed_in(microsoft.login(client, alice)).is_superuser


# -- inactive users and 7.x rows ------------------------------------------------------------------

INACTIVE = "Your account is inactive. Please contact your administrator."


def test_inactive_user_is_refused_on_first_sign_in(client, microsoft):
    User.objects.create_user("alice@contoso.com", is_active=False)
    alice = microsoft.add_user("alice@contoso.com")

    assert_sent_back_to_login(microsoft.login(client, alice), INACTIVE)
    assert not MicrosoftSSOUser.objects.exists()


def test_inactive_user_is_refused_when_returning(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com")
    user = signed_in(microsoft.login(client, alice))
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_sent_back_to_login(microsoft.login(Client(), alice), INACTIVE)


def test_row_written_by_7x_is_matched_and_gets_its_tenant(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com", photo=TINY_PNG)
    existing = User.objects.create_user("alice")
    MicrosoftSSOUser.objects.create(
        user=existing,
        tenant_id=None,
        microsoft_id=alice.object_id.upper(),
        user_principal_name="alice@contoso.com",
    )

    assert signed_in(microsoft.login(client, alice)) == existing

    link = MicrosoftSSOUser.objects.get()
    assert (link.user, link.tenant_id, link.microsoft_id) == (
        existing,
        DEFAULT_TENANT_ID,
        alice.object_id,
    )
    assert User.objects.count() == 1


def legacy_rows(person, *users):
    """Rows as 7.x left them for a person it gave one user per name: oldest first."""
    for user in users:
        MicrosoftSSOUser.objects.create(
            user=user,
            tenant_id=None,
            microsoft_id=person.object_id,
            user_principal_name=user.username,
        )


def test_of_two_7x_rows_the_active_user_named_as_the_upn_is_chosen(client, microsoft):
    alice = microsoft.add_user("alice.smith@contoso.com")
    before_rename = User.objects.create_user("alice@contoso.com", is_active=False)
    current = User.objects.create_user("alice.smith@contoso.com")
    legacy_rows(alice, before_rename, current)

    assert signed_in(microsoft.login(client, alice)) == current

    claimed = MicrosoftSSOUser.objects.get(user=current)
    assert (claimed.tenant_id, claimed.microsoft_id) == (DEFAULT_TENANT_ID, alice.object_id)
    assert MicrosoftSSOUser.objects.get(user=before_rename).tenant_id is None
    assert signed_in(microsoft.login(Client(), alice)) == current


def test_two_7x_rows_that_do_not_decide_are_refused_for_the_administrator(client, microsoft):
    alice = microsoft.add_user("alice.smith@contoso.com")
    first = User.objects.create_user("alice@contoso.com")
    second = User.objects.create_user("alice.jones@contoso.com")
    legacy_rows(alice, first, second)

    assert_sent_back_to_login(
        microsoft.login(client, alice),
        "Several accounts are linked to your Microsoft account. Please contact your administrator.",
    )
    assert set(MicrosoftSSOUser.objects.values_list("tenant_id", flat=True)) == {None}
    assert User.objects.count() == 2
