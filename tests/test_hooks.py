"""The project's hooks and backend: given as dotted paths or as the objects themselves.

Hook functions live in tests/project/hooks_for_tests.py and note what they were given in
``calls``.
"""

import httpx
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import DEFAULT_TENANT_ID
from tests.helpers import assert_sent_back_to_login, messages_of, signed_in
from tests.project import hooks_for_tests

pytestmark = pytest.mark.django_db

User = get_user_model()
TOKEN_KEY = "microsoft_sso_access_token"
NOT_ALLOWED = "You are not allowed to sign in here. Please contact your administrator."
NOT_SAVED = "Your sign-in could not be completed. Please contact your administrator."
NOT_CONFIGURED = (
    "Sign in with Microsoft is not configured correctly. Please contact your administrator."
)


def hook(name, given_as):
    """The hook ``name`` of tests/project/hooks_for_tests.py, as a dotted path or the function."""
    if given_as == "path":
        return f"tests.project.hooks_for_tests.{name}"
    return getattr(hooks_for_tests, name)


def calls_of(kind):
    return [argument for name, argument in hooks_for_tests.calls if name == kind]


@pytest.fixture(autouse=True)
def hook_calls():
    hooks_for_tests.calls.clear()
    yield hooks_for_tests.calls
    hooks_for_tests.calls.clear()


@pytest.fixture
def alice(alice):
    alice.surname, alice.job_title = "Liddell", "Engineer"
    return alice


# -- PRE_VALIDATE_CALLBACK ------------------------------------------------------------------------


@pytest.mark.parametrize("given_as", ["path", "callable"])
def test_pre_validate_returning_false_refuses(client, microsoft, settings, alice, given_as):
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = hook("refuse_everyone", given_as)

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_ALLOWED)
    assert not User.objects.exists()
    assert not MicrosoftSSOUser.objects.exists()
    assert len(calls_of("pre_validate")) == 1


def test_pre_validate_gets_the_graph_me_object(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = hook("allow_everyone", "path")

    signed_in(microsoft.login(client, alice))

    [ms_user_info] = calls_of("pre_validate")
    assert ms_user_info["id"] == alice.object_id
    assert ms_user_info["userPrincipalName"] == "alice@contoso.com"
    assert ms_user_info["mail"] == "alice@contoso.com"
    assert (ms_user_info["givenName"], ms_user_info["surname"]) == ("Alice", "Liddell")
    # The whole /me object, not only the fields the package itself reads.
    assert ms_user_info["jobTitle"] == "Engineer"
    assert "businessPhones" in ms_user_info


def test_pre_validate_runs_at_every_sign_in(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = hook("allow_everyone", "callable")
    first = signed_in(microsoft.login(client, alice))
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = hook("refuse_everyone", "callable")

    assert_sent_back_to_login(microsoft.login(Client(), alice), NOT_ALLOWED)
    assert len(calls_of("pre_validate")) == 2
    assert list(User.objects.all()) == [first]


# -- PRE_CREATE_CALLBACK --------------------------------------------------------------------------


@pytest.mark.parametrize("given_as", ["path", "callable"])
def test_pre_create_fields_land_on_the_new_user(client, microsoft, settings, alice, given_as):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = hook("make_staff", given_as)

    user = signed_in(microsoft.login(client, alice))

    assert user.is_staff
    assert user.username == "alice@contoso.com"
    [ms_user_info] = calls_of("pre_create")
    assert ms_user_info["userPrincipalName"] == "alice@contoso.com"


def test_pre_create_fields_win_over_the_microsoft_profile(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = hook("set_first_name", "path")

    user = signed_in(microsoft.login(client, alice))

    assert (user.first_name, user.last_name) == ("Chosen by the project", "Liddell")


def test_pre_create_is_not_called_for_a_returning_person(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = hook("make_staff", "path")
    first = signed_in(microsoft.login(client, alice))

    assert signed_in(microsoft.login(Client(), alice)) == first
    assert len(calls_of("pre_create")) == 1


def test_pre_create_is_not_called_when_an_existing_account_is_linked(
    client, microsoft, settings, alice
):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = hook("make_staff", "path")
    existing = User.objects.create_user("alice@contoso.com")

    user = signed_in(microsoft.login(client, alice))

    assert user == existing
    assert not user.is_staff
    assert calls_of("pre_create") == []


@pytest.mark.parametrize("given_as", ["path", "callable"])
def test_full_args_make_the_hook_choose_every_argument(
    client, microsoft, settings, alice, given_as
):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = hook("choose_username", given_as)
    settings.MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS = True

    user = signed_in(microsoft.login(client, alice))

    assert (user.username, user.is_staff, user.first_name) == ("ms-alice", True, "Alice")
    assert not user.has_usable_password()


def test_full_args_lookup_never_takes_an_account_linked_to_someone_else(
    client, microsoft, settings, alice
):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = hook("choose_username", "path")
    settings.MICROSOFT_SSO_PRE_CREATE_USER_RETURN_FULL_ARGS = True
    taken = User.objects.create_user("ms-alice")
    MicrosoftSSOUser.objects.create(
        user=taken,
        tenant_id=DEFAULT_TENANT_ID,
        microsoft_id="00000000-0000-0000-0000-000000000001",
    )

    assert_sent_back_to_login(
        microsoft.login(client, alice),
        "This account is already linked to another Microsoft account. "
        "Please contact your administrator.",
    )
    assert MicrosoftSSOUser.objects.get().user == taken


# -- PRE_LOGIN_CALLBACK ---------------------------------------------------------------------------


@pytest.mark.parametrize("given_as", ["path", "callable"])
def test_pre_login_runs_with_the_user_and_request_and_its_changes_persist(
    client, microsoft, settings, alice, given_as
):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = hook("record_login", given_as)

    user = signed_in(microsoft.login(client, alice))

    assert calls_of("pre_login") == [
        (user.pk, reverse("django_microsoft_sso:oauth_callback"), None)
    ]
    assert user.last_name == "Checked at login"


# -- a hook that fails ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
        "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
        "MICROSOFT_SSO_PRE_LOGIN_CALLBACK",
    ],
)
def test_hook_that_raises_leaves_nothing_behind(client, microsoft, settings, alice, setting):
    setattr(settings, setting, hook("explode", "path"))
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True

    response = microsoft.login(client, alice)

    assert response.url == reverse("admin:login")
    assert len(messages_of(response)) == 1
    assert SESSION_KEY not in response.wsgi_request.session
    assert TOKEN_KEY not in response.wsgi_request.session
    assert not User.objects.exists()
    assert not MicrosoftSSOUser.objects.exists()


def test_pre_login_that_raises_says_the_account_was_not_saved(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = hook("explode", "callable")

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_SAVED)


def test_pre_login_that_raises_rolls_back_the_update_of_a_returning_person(
    client, microsoft, settings, alice
):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    first = signed_in(microsoft.login(client, alice))
    alice.given_name, alice.user_principal_name = "Alicia", "alicia@contoso.com"
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = hook("explode", "path")

    assert_sent_back_to_login(microsoft.login(Client(), alice), NOT_SAVED)

    first.refresh_from_db()
    assert first.first_name == "Alice"
    assert MicrosoftSSOUser.objects.get().user_principal_name == "alice@contoso.com"


def test_failed_hook_message_names_the_error_when_asked(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = hook("explode", "path")
    settings.MICROSOFT_SSO_SHOW_FAILED_LOGIN_MESSAGE = True

    assert_sent_back_to_login(
        microsoft.login(client, alice),
        "Your sign-in could not be completed: the project's hook failed",
    )


@pytest.mark.parametrize(
    "setting",
    [
        "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
        "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
        "MICROSOFT_SSO_PRE_LOGIN_CALLBACK",
    ],
)
def test_hook_path_that_does_not_import_is_reported_by_check(settings, setting):
    setattr(settings, setting, "tests.project.hooks_for_tests.no_such_hook")

    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    report = str(raised.value)
    assert "django_microsoft_sso.E004" in report
    assert f"{setting} = 'tests.project.hooks_for_tests.no_such_hook' cannot be imported" in report


@pytest.mark.parametrize(
    "setting",
    [
        "MICROSOFT_SSO_PRE_VALIDATE_CALLBACK",
        "MICROSOFT_SSO_PRE_CREATE_CALLBACK",
        "MICROSOFT_SSO_PRE_LOGIN_CALLBACK",
    ],
)
def test_hook_path_that_does_not_import_ends_a_sign_in_with_a_message(
    client, microsoft, settings, alice, setting
):
    setattr(settings, setting, "tests.project.hooks_for_tests.no_such_hook")

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_CONFIGURED)
    assert not User.objects.exists()


# -- SAVE_ACCESS_TOKEN ----------------------------------------------------------------------------


def test_access_token_is_in_the_session_before_pre_login_and_after(
    client, microsoft, settings, alice
):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = hook("record_login", "path")

    signed_in(microsoft.login(client, alice))

    [(_, _, seen_by_hook)] = calls_of("pre_login")
    assert seen_by_hook
    assert client.session[TOKEN_KEY] == seen_by_hook
    # It is the Graph access token of the person who signed in.
    me = httpx.get(
        "https://graph.microsoft.com/v1.0/me",
        headers={"Authorization": f"Bearer {seen_by_hook}"},
    )
    assert me.json()["id"] == alice.object_id


def test_access_token_is_not_kept_by_default(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = hook("record_login", "path")

    signed_in(microsoft.login(client, alice))

    [(_, _, seen_by_hook)] = calls_of("pre_login")
    assert seen_by_hook is None
    assert TOKEN_KEY not in client.session


# -- AUTHENTICATION_BACKEND -----------------------------------------------------------------------


@pytest.mark.parametrize("given_as", ["path", "class"])
def test_authentication_backend_is_the_session_backend(
    client, microsoft, settings, alice, given_as
):
    path = "tests.project.hooks_for_tests.MicrosoftBackend"
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", path]
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = (
        path if given_as == "path" else hooks_for_tests.MicrosoftBackend
    )

    user = signed_in(microsoft.login(client, alice))

    assert client.session[BACKEND_SESSION_KEY] == path
    assert client.get("/private/").content == f"private page of {user.username}".encode()


def test_without_authentication_backend_the_first_configured_one_is_used(
    client, microsoft, settings, alice
):
    settings.AUTHENTICATION_BACKENDS = [
        "tests.project.hooks_for_tests.MicrosoftBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]

    signed_in(microsoft.login(client, alice))

    assert client.session[BACKEND_SESSION_KEY] == "tests.project.hooks_for_tests.MicrosoftBackend"


def test_authentication_backend_that_does_not_import_ends_a_sign_in_with_a_message(
    client, microsoft, settings, alice
):
    settings.MICROSOFT_SSO_AUTHENTICATION_BACKEND = "tests.project.hooks_for_tests.NoSuchBackend"

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_CONFIGURED)
    assert not User.objects.exists()
