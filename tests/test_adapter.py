"""``MICROSOFT_SSO_ADAPTER``: one class whose methods a project overrides, one per decision.

The default adapter calls the 7.x hook settings: tests/test_hooks.py proves they keep working.
"""

import pytest
from django.contrib.auth import get_user_model

from django_microsoft_sso.adapter import MicrosoftSSOAdapter, get_adapter
from django_microsoft_sso.models import MicrosoftSSOUser
from tests.helpers import assert_sent_back_to_login, signed_in
from tests.project import hooks_for_tests
from tests.test_checks import reported
from tests.test_hooks import NOT_ALLOWED, calls_of

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def alice(alice):
    alice.job_title = "Engineer"
    return alice


@pytest.fixture(autouse=True)
def hook_calls():
    hooks_for_tests.calls.clear()
    yield
    hooks_for_tests.calls.clear()


def adapter(name):
    return f"tests.project.hooks_for_tests.{name}"


def test_the_default_adapter_is_the_package_s_own():
    assert type(get_adapter()) is MicrosoftSSOAdapter


@pytest.mark.parametrize("given_as", ["path", "class"])
def test_user_values_reads_the_whole_profile(client, microsoft, settings, alice, given_as):
    settings.MICROSOFT_SSO_ADAPTER = (
        adapter("JobTitleAdapter") if given_as == "path" else hooks_for_tests.JobTitleAdapter
    )

    user = signed_in(microsoft.login(client, alice))

    assert (user.first_name, user.last_name) == ("Alice", "Engineer")


def test_may_sign_in_judges_returning_people_too(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_ADAPTER = adapter("FirstSignInOnlyAdapter")
    signed_in(microsoft.login(client, alice))
    client.logout()

    # A returning person's profile is read only when someone judges it: here, the adapter.
    assert_sent_back_to_login(microsoft.login(client, alice), NOT_ALLOWED)


def test_pre_login_runs_in_the_sign_in_s_transaction(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_ADAPTER = adapter("SuspendingAdapter")

    assert_sent_back_to_login(microsoft.login(client, alice), "Your access is suspended.")

    [user_pk] = calls_of("adapter_pre_login")
    assert user_pk is not None
    assert not User.objects.exists()


def test_granted_decides_what_the_groups_give(client, microsoft, settings, alice):
    settings.MICROSOFT_SSO_ADAPTER = adapter("StaffForAllAdapter")

    user = signed_in(microsoft.login(client, alice))

    assert user.is_staff
    assert MicrosoftSSOUser.objects.get(user=user).mapped_flags == "is_staff"
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    "value", [adapter("NoSuchAdapter"), adapter("NotAnAdapter"), "no_such_module.Adapter", 42]
)
def test_e056_adapter_that_is_no_adapter(settings, value):
    settings.MICROSOFT_SSO_ADAPTER = value

    assert reported() == {"E056": ["MICROSOFT_SSO_ADAPTER"]}


def test_adapter_that_does_not_import_ends_a_sign_in_with_a_message(
    client, microsoft, settings, alice
):
    from tests.test_hooks import NOT_CONFIGURED

    settings.MICROSOFT_SSO_ADAPTER = adapter("NoSuchAdapter")

    assert_sent_back_to_login(microsoft.login(client, alice), NOT_CONFIGURED)
    assert not User.objects.exists()
