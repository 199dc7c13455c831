"""The test kit for projects: ``microsoft_user``, groups in Graph, ``fake_microsoft()`` and the
``TestCase`` mixin, used the way a project's tests would use them."""

import re
import uuid

import httpx
import jwt
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.messages import get_messages
from django.test import TestCase

from django_microsoft_sso import transport
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import (
    DEFAULT_CLIENT_ID,
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    PERSONAL_ACCOUNTS_TENANT_ID,
    FakeMicrosoftMixin,
    fake_microsoft,
)

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com"
EMULATOR_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"


def signed_in_as(client):
    return get_user_model().objects.get(pk=client.session[SESSION_KEY])


# -- microsoft_user: a person whom the project's settings let sign in ------------------------------


def test_microsoft_user_signs_in_with_the_test_settings(client, microsoft, microsoft_user):
    person = microsoft_user(given_name="Grace", surname="Hopper")

    response = microsoft.login(client, person, next="/private/")

    assert response.url == "/private/"
    assert person.user_principal_name == "person1@contoso.com"
    assert person.mail == "person1@contoso.com"
    assert person.tenant_id == DEFAULT_TENANT_ID
    user = signed_in_as(client)
    assert (user.username, user.email, user.first_name) == (
        "person1@contoso.com",
        "person1@contoso.com",
        "Grace",
    )


def test_microsoft_user_numbers_people_it_names(microsoft_user):
    first, second = microsoft_user(), microsoft_user()

    assert (first.user_principal_name, second.user_principal_name) == (
        "person1@contoso.com",
        "person2@contoso.com",
    )
    assert first.object_id != second.object_id


def test_microsoft_user_joins_the_tenant_of_the_authority(
    client, microsoft, microsoft_user, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/{OTHER_TENANT_ID}"

    person = microsoft_user("kim@contoso.com")

    assert person.tenant_id == OTHER_TENANT_ID
    assert microsoft.login(client, person, next="/private/").url == "/private/"
    assert MicrosoftSSOUser.objects.get().tenant_id == OTHER_TENANT_ID


def test_microsoft_user_of_a_multi_tenant_app_joins_the_first_allowed_tenant(
    client, microsoft, microsoft_user, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/organizations"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*", OTHER_TENANT_ID.upper()]

    person = microsoft_user()

    assert person.tenant_id == OTHER_TENANT_ID
    assert microsoft.login(client, person, next="/private/").url == "/private/"


def test_microsoft_user_of_a_multi_tenant_app_that_allows_any_tenant(microsoft_user, settings):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/common"
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = ["*"]

    assert microsoft_user().tenant_id == DEFAULT_TENANT_ID


def test_microsoft_user_of_personal_accounts_app(microsoft_user, settings):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/consumers"

    assert microsoft_user().tenant_id == PERSONAL_ACCOUNTS_TENANT_ID


def test_personal_account_has_the_shapes_microsoft_gives_it(
    client, microsoft, microsoft_user, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/consumers"
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["outlook.com"]
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    person = microsoft_user()

    assert microsoft.login(client, person, next="/private/").url == "/private/"
    token = client.session["microsoft_sso_access_token"]
    me = httpx.get(f"{GRAPH}/me", headers={"Authorization": f"Bearer {token}"}).json()
    claims = jwt.decode(
        microsoft.issued_tokens[-1]["id_token"], options={"verify_signature": False}
    )

    # The oid is 16 zero digits and the account's 16-digit id; Graph's id is that id alone.
    assert re.fullmatch(r"00000000-0000-0000-[0-9a-f]{4}-[0-9a-f]{12}", claims["oid"])
    assert me["id"] == claims["oid"][19:].replace("-", "") == person.graph_id
    assert len(me["id"]) == 16
    # The address they sign in with is the user principal name; mail is null.
    assert (me["userPrincipalName"], me["mail"]) == ("person1@outlook.com", None)
    assert claims["preferred_username"] == "person1@outlook.com"


def test_work_accounts_graph_id_is_its_oid(microsoft_user):
    person = microsoft_user()

    assert person.graph_id == person.object_id == str(uuid.UUID(person.object_id))


def test_authority_naming_an_unknown_domain_becomes_a_tenant_of_the_fake(
    client, microsoft, microsoft_user, settings
):
    settings.MICROSOFT_SSO_AUTHORITY = f"{LOGIN}/fabrikam.onmicrosoft.com"
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["fabrikam.com"]

    person = microsoft_user()

    assert person.user_principal_name == "person1@fabrikam.com"
    assert microsoft.tenant_domains["fabrikam.onmicrosoft.com"] == DEFAULT_TENANT_ID
    assert microsoft.login(client, person, next="/private/").url == "/private/"


@pytest.mark.parametrize(
    ("patterns", "domain"),
    [
        (["*.fabrikam.com"], "people.fabrikam.com"),
        (["*", "Fabrikam.com."], "fabrikam.com"),
        (["*"], "contoso.com"),
        ([], "contoso.com"),
    ],
)
def test_microsoft_user_takes_a_domain_the_project_allows(
    microsoft_user, settings, patterns, domain
):
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = patterns

    assert microsoft_user().user_principal_name == f"person1@{domain}"


def test_microsoft_user_keeps_what_the_test_gives(microsoft_user):
    person = microsoft_user(
        "ada@contoso.com", tenant_id=OTHER_TENANT_ID, mail=None, object_id="fixed-oid"
    )

    assert (person.user_principal_name, person.tenant_id, person.mail, person.object_id) == (
        "ada@contoso.com",
        OTHER_TENANT_ID,
        None,
        "fixed-oid",
    )


def test_fake_answers_a_project_whose_settings_use_the_emulator(client, settings, request):
    # A project may reuse its development settings, which send requests to the emulator, in
    # its tests: the fixture takes the transport out so that the fake answers.
    settings.MICROSOFT_SSO_HTTP_TRANSPORT = EMULATOR_TRANSPORT
    microsoft = request.getfixturevalue("microsoft")
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    assert django_settings.MICROSOFT_SSO_HTTP_TRANSPORT is None


# -- groups in Graph ----------------------------------------------------------------------------


@pytest.fixture
def signed_in_with_groups(client, microsoft, settings):
    """Grace signed in, her access token kept in the session, member of two groups."""
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    admins = microsoft.add_group("Site admins")
    editors = microsoft.add_group("Editors", object_id="0f6a3c5e-5c1d-4b1e-9a56-2b2f1f0b6e11")
    grace = microsoft.add_user(
        "grace@contoso.com", mail="grace@contoso.com", groups=[admins, editors]
    )
    microsoft.login(client, grace)
    token = client.session["microsoft_sso_access_token"]
    return {"Authorization": f"Bearer {token}"}, admins, editors


@pytest.mark.parametrize("relation", ["memberOf", "transitiveMemberOf"])
def test_graph_lists_the_groups_of_the_person(signed_in_with_groups, relation):
    headers, admins, editors = signed_in_with_groups

    response = httpx.get(f"{GRAPH}/me/{relation}", headers=headers)

    assert response.status_code == 200
    assert response.json()["value"] == [
        {
            "@odata.type": "#microsoft.graph.group",
            "id": admins,
            "displayName": "Site admins",
            "securityEnabled": True,
            "mailEnabled": False,
        },
        {
            "@odata.type": "#microsoft.graph.group",
            "id": editors,
            "displayName": "Editors",
            "securityEnabled": True,
            "mailEnabled": False,
        },
    ]


def test_graph_groups_honour_select(signed_in_with_groups):
    headers, _, _ = signed_in_with_groups

    response = httpx.get(
        f"{GRAPH}/me/transitiveMemberOf/microsoft.graph.group",
        params={"$select": "displayName"},
        headers=headers,
    )

    assert response.json()["value"][0] == {
        "@odata.type": "#microsoft.graph.group",
        "displayName": "Site admins",
    }


def test_graph_checks_member_groups(signed_in_with_groups):
    headers, admins, _ = signed_in_with_groups
    unknown = "6f1d8a43-0000-4000-8000-000000000000"

    response = httpx.post(
        f"{GRAPH}/me/checkMemberGroups", json={"groupIds": [unknown, admins]}, headers=headers
    )

    assert response.status_code == 200
    assert response.json()["value"] == [admins]


def test_graph_check_member_groups_needs_group_ids(signed_in_with_groups):
    headers, _, _ = signed_in_with_groups

    response = httpx.post(f"{GRAPH}/me/checkMemberGroups", json={}, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_graph_gets_member_groups(signed_in_with_groups):
    headers, admins, editors = signed_in_with_groups

    response = httpx.post(
        f"{GRAPH}/me/getMemberGroups", json={"securityEnabledOnly": True}, headers=headers
    )

    assert response.json()["value"] == [admins, editors]


def test_graph_groups_need_an_access_token(microsoft):
    response = httpx.get(f"{GRAPH}/me/memberOf")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_graph_groups_can_fail(signed_in_with_groups, microsoft):
    headers, _, _ = signed_in_with_groups
    microsoft.fail("groups", httpx.Response(429, headers={"Retry-After": "3"}))

    throttled = httpx.get(f"{GRAPH}/me/memberOf", headers=headers)
    again = httpx.get(f"{GRAPH}/me/memberOf", headers=headers)

    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert again.status_code == 200
    assert microsoft.count("groups") == 2


def test_graph_groups_inside_a_batch(signed_in_with_groups, microsoft):
    headers, admins, _ = signed_in_with_groups

    response = httpx.post(
        f"{GRAPH}/$batch",
        json={"requests": [{"id": "1", "method": "GET", "url": "/me/memberOf?$select=id"}]},
        headers=headers,
    )

    [answer] = response.json()["responses"]
    assert answer["status"] == 200
    assert answer["body"]["value"][0]["id"] == admins
    assert microsoft.batch_calls[-1][0] == "groups"


def test_person_without_groups_has_none(client, microsoft, settings):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    microsoft.login(client, alice)
    headers = {"Authorization": f"Bearer {client.session['microsoft_sso_access_token']}"}

    assert httpx.get(f"{GRAPH}/me/memberOf", headers=headers).json()["value"] == []


# -- fake_microsoft() and the TestCase mixin ----------------------------------------------------


def test_fake_microsoft_points_settings_at_the_fake_and_puts_them_back(client, settings):
    settings.MICROSOFT_SSO_APPLICATION_ID = "the-project-app-id"
    settings.MICROSOFT_SSO_HTTP_TRANSPORT = EMULATOR_TRANSPORT

    with fake_microsoft(client_id="kit-client-id") as microsoft:
        assert django_settings.MICROSOFT_SSO_APPLICATION_ID == "kit-client-id"
        assert django_settings.MICROSOFT_SSO_HTTP_TRANSPORT is None
        alice = microsoft.add_project_user("alice@contoso.com")
        response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    assert django_settings.MICROSOFT_SSO_APPLICATION_ID == "the-project-app-id"
    assert django_settings.MICROSOFT_SSO_HTTP_TRANSPORT == EMULATOR_TRANSPORT
    # msal's app, the metadata and the pooled client of the fake are gone with it.
    assert transport._http_client is None


class TestFakeMicrosoftMixin(FakeMicrosoftMixin, TestCase):
    def test_each_test_gets_a_running_fake(self):
        alice = self.microsoft.add_project_user(
            "alice@contoso.com", given_name="Alice", surname="Liddell"
        )

        response = self.microsoft.login(self.client, alice, next="/private/")

        self.assertRedirects(response, "/private/", fetch_redirect_response=False)
        user = get_user_model().objects.get()
        assert (user.first_name, user.last_name) == ("Alice", "Liddell")
        assert self.microsoft.count("token") == 1

    def test_settings_point_at_the_fake(self):
        assert django_settings.MICROSOFT_SSO_APPLICATION_ID == DEFAULT_CLIENT_ID
        assert self.microsoft.users == []

    def test_a_refused_person_is_told_why(self):
        mallory = self.microsoft.add_user("mallory@fabrikam.com", mail="mallory@fabrikam.com")

        response = self.microsoft.login(self.client, mallory)

        self.assertRedirects(response, "/admin/login/", fetch_redirect_response=False)
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert messages == [
            "Email address not allowed: mallory@fabrikam.com. Please contact your administrator."
        ]


class TestFakeMicrosoftMixinOptions(FakeMicrosoftMixin, TestCase):
    fake_microsoft_options = {"client_id": "another-app", "client_secret": "another-secret"}

    def test_options_make_the_fake_and_the_settings(self):
        assert self.microsoft.client_id == "another-app"
        assert django_settings.MICROSOFT_SSO_APPLICATION_ID == "another-app"
        assert django_settings.MICROSOFT_SSO_CLIENT_SECRET == "another-secret"
        alice = self.microsoft.add_project_user("alice@contoso.com")

        response = self.microsoft.login(self.client, alice, next="/private/")

        self.assertRedirects(response, "/private/", fetch_redirect_response=False)
