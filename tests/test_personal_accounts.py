"""Personal Microsoft accounts, end to end through the views, with the shapes Microsoft gives them.

A personal account's id_token ``oid`` is ``00000000-0000-0000-`` and 16 hex digits, and Graph's
``/me`` ``id`` is those 16 digits alone; 7.x stored that Graph id. The fake Microsoft gives
personal accounts these shapes (see ``django_microsoft_sso.testing.MicrosoftUser.graph_id``).

The personal tenant vouches for no address: a personal account never gets an existing account by
its user principal name or its mail (``tests/test_users.py``:
``test_personal_account_never_takes_over_an_account_by_username``,
``test_consumers_authority_does_not_make_personal_accounts_trusted``; ``tests/security/
test_identity.py``: ``test_noauth_never_takes_over_an_account_nor_its_privileges``).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, PERSONAL_ACCOUNTS_TENANT_ID
from tests.helpers import assert_sent_back_to_login, signed_in

pytestmark = pytest.mark.django_db

User = get_user_model()
LOGIN = "https://login.microsoftonline.com"
PROFILE_UNREADABLE = "Your Microsoft profile could not be read. Please try again."
NAME_TAKEN = "An account named {} already exists. Please contact your administrator."


@pytest.fixture(params=["consumers", "common"])
def personal_app(request, settings):
    """An app that lets personal accounts in: through ``consumers``, or ``common`` listing them."""
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/{request.param}"
    if request.param == "common":
        settings.MICROSOFT_SSO_ALLOWED_TENANTS = [DEFAULT_TENANT_ID, PERSONAL_ACCOUNTS_TENANT_ID]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["outlook.com"]
    return request.param


@pytest.fixture
def carol(microsoft):
    return microsoft.add_user(
        "carol@outlook.com",
        tenant_id=PERSONAL_ACCOUNTS_TENANT_ID,
        given_name="Carol",
        surname="Jones",
    )


def seven_x_row(user, microsoft_id, upn="carol@outlook.com"):
    """A link as 7.x wrote it: Graph's id, no tenant."""
    return MicrosoftSSOUser.objects.create(
        user=user, tenant_id=None, microsoft_id=microsoft_id, user_principal_name=upn
    )


def test_new_personal_account_signs_in(client, microsoft, personal_app, carol):
    user = signed_in(microsoft.login(client, carol))

    assert (user.username, user.email, user.first_name) == ("carol@outlook.com", "", "Carol")
    link = MicrosoftSSOUser.objects.get()
    assert (link.user, link.tenant_id, link.microsoft_id) == (
        user,
        PERSONAL_ACCOUNTS_TENANT_ID,
        carol.object_id,
    )


@pytest.mark.parametrize("always_update", [False, True], ids=["token-only", "graph-again"])
def test_returning_personal_account_gets_the_same_user(
    client, microsoft, settings, personal_app, carol, always_update
):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = always_update
    first = signed_in(microsoft.login(client, carol))
    carol.surname = "Smith"

    again = signed_in(microsoft.login(Client(), carol))

    assert again == first
    assert again.last_name == ("Smith" if always_update else "Jones")
    assert MicrosoftSSOUser.objects.count() == User.objects.count() == 1


@pytest.mark.parametrize("stored", ["as-graph-gives-it", "upper-case"])
def test_row_of_a_personal_account_written_by_7x_is_migrated_in_place(
    client, microsoft, personal_app, carol, stored
):
    existing = User.objects.create_user("carol", password="secret")
    graph_id = carol.graph_id.upper() if stored == "upper-case" else carol.graph_id
    seven_x_row(existing, graph_id)

    assert signed_in(microsoft.login(client, carol)) == existing

    link = MicrosoftSSOUser.objects.get()
    # From now on the row holds the identity as every new row does: the tenant and the oid.
    assert (link.user, link.tenant_id, link.microsoft_id) == (
        existing,
        PERSONAL_ACCOUNTS_TENANT_ID,
        carol.object_id,
    )
    assert User.objects.count() == 1
    assert signed_in(microsoft.login(Client(), carol)) == existing


def test_row_written_by_7x_for_another_personal_account_is_not_taken(
    client, microsoft, personal_app, carol
):
    someone = User.objects.create_user("dave")
    seven_x_row(someone, "0123456789abcdef", upn="dave@outlook.com")

    user = signed_in(microsoft.login(client, carol))

    assert user != someone
    assert MicrosoftSSOUser.objects.get(user=someone).tenant_id is None


def test_graph_id_of_another_personal_account_is_refused(client, microsoft, personal_app, carol):
    carol.extra_graph = {"id": "0123456789abcdef"}

    assert_sent_back_to_login(microsoft.login(client, carol), PROFILE_UNREADABLE)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "graph_id",
    [
        # Only the last 16 digits of the oid, with the personal accounts' own prefix, count.
        lambda oid: oid[-16:].replace("-", ""),
        lambda oid: oid[-12:],
        lambda oid: oid.replace("-", ""),
        lambda oid: "0" + oid[-17:].replace("-", ""),
    ],
    ids=["fifteen-digits", "twelve-digits", "whole-oid-without-dashes", "seventeen-digits"],
)
def test_graph_id_must_be_the_oids_last_sixteen_digits(
    client, microsoft, personal_app, carol, graph_id
):
    carol.extra_graph = {"id": graph_id(carol.object_id)}

    assert_sent_back_to_login(microsoft.login(client, carol), PROFILE_UNREADABLE)


def test_oid_without_the_personal_prefix_does_not_match_a_short_graph_id(
    client, microsoft, personal_app
):
    oid = "00000000-0000-0001-4a2b-9c8d7e6f5a4b"
    mallory = microsoft.add_user(
        "mallory@outlook.com",
        tenant_id=PERSONAL_ACCOUNTS_TENANT_ID,
        object_id=oid,
        extra_graph={"id": "4a2b9c8d7e6f5a4b"},
    )

    assert_sent_back_to_login(microsoft.login(client, mallory), PROFILE_UNREADABLE)


@pytest.fixture
def any_work_tenant(settings):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/common"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["*"]


# A work tenant's oid that happens to look like a personal account's.
WORK_OID = "00000000-0000-0000-4a2b-9c8d7e6f5a4b"


def test_work_account_does_not_take_a_personal_accounts_7x_row(client, microsoft, any_work_tenant):
    someone = User.objects.create_user("carol")
    seven_x_row(someone, "4a2b9c8d7e6f5a4b")
    mallory = microsoft.add_user("mallory@fabrikam.com", object_id=WORK_OID)

    user = signed_in(microsoft.login(client, mallory))

    assert user != someone
    assert MicrosoftSSOUser.objects.get(user=someone).tenant_id is None


def test_work_accounts_graph_id_is_its_whole_oid(client, microsoft, any_work_tenant):
    mallory = microsoft.add_user(
        "mallory@fabrikam.com", object_id=WORK_OID, extra_graph={"id": "4a2b9c8d7e6f5a4b"}
    )

    assert_sent_back_to_login(microsoft.login(client, mallory), PROFILE_UNREADABLE)
    assert not User.objects.exists()


def test_personal_account_never_gets_an_account_by_its_sign_in_address(
    client, microsoft, personal_app, carol
):
    # Graph gives a personal account's sign-in address as its user principal name (and mail).
    User.objects.create_user("carol@outlook.com", email="carol@outlook.com")
    carol.mail = "carol@outlook.com"

    assert_sent_back_to_login(
        microsoft.login(client, carol), NAME_TAKEN.format("carol@outlook.com")
    )
    assert not MicrosoftSSOUser.objects.exists()
