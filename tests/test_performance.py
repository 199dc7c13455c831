"""What a sign-in costs: requests to Microsoft, new connections, database queries, imports.

Budgets per sign-in once the process has served one (steady state): the start view asks
Microsoft nothing; the callback redeems the code (one request) and, for a new person or with
``ALWAYS_UPDATE_USER_DATA``, reads the profile and photo in one Graph ``$batch``. Counts, never
times: benchmarks/ measures the times.
"""

from __future__ import annotations

import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_microsoft_sso import client as sso_client
from django_microsoft_sso.caches import reset_process_caches
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.graph import PROFILE_FIELDS
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import TINY_PNG, FakeMicrosoft
from tests.helpers import assert_signed_in, messages_of

pytestmark = pytest.mark.django_db

User = get_user_model()
START = reverse("django_microsoft_sso:oauth_start_login")

# Queries of a callback, without transaction control: each test runs in a transaction, so
# ``atomic`` blocks show as SAVEPOINT / RELEASE statements here, and as BEGIN / COMMIT in production
# (benchmarks/ counts the BEGINs too: three more).
# Returning person: load the session; find the link and its user (one join); Django's login(): new
# session key (check + insert), drop the old session (select + delete), last_login; note the
# session for offboarding (one insert, docs/lifecycle.md); save the session.
RETURNING_PERSON_QUERIES = 9
# New person: the same, plus the account lookup by user principal name and the INSERTs of the user
# and the link. The one link lookup finds rows written by 7.x too; the user table is read once.
NEW_PERSON_QUERIES = 12
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


def endpoints(microsoft: FakeMicrosoft, since: int) -> list[str]:
    """The endpoints of the requests that reached the fake after the first ``since``."""
    return [name for name, _ in microsoft.calls[since:]]


def start(client, microsoft: FakeMicrosoft) -> tuple[str, list[str]]:
    """Open the start view; return the authorize URL and the requests it made to Microsoft."""
    before = len(microsoft.calls)
    response = client.get(START)
    assert response.status_code == 302
    assert microsoft.is_authorize_url(response.url), messages_of(response)
    return response.url, endpoints(microsoft, before)


def callback(client, microsoft: FakeMicrosoft, authorize_url: str, person) -> list[str]:
    """Sign ``person`` in at Microsoft and deliver the answer; return the callback's requests."""
    answer = microsoft.sign_in(authorize_url, person)
    before = len(microsoft.calls)
    assert_signed_in(answer.send(client), client)
    return endpoints(microsoft, before)


def sign_in(client, microsoft: FakeMicrosoft, person) -> tuple[list[str], list[str]]:
    """A whole sign-in in a fresh browser: (requests of the start view, of the callback)."""
    client.logout()
    authorize_url, at_start = start(client, microsoft)
    return at_start, callback(client, microsoft, authorize_url, person)


def batch_urls(microsoft: FakeMicrosoft, since: int = 0) -> list[str]:
    """The requests carried by the ``$batch`` requests, as Graph URLs after ``/v1.0``."""
    return [
        str(request.url).removeprefix("https://graph.microsoft.com/v1.0")
        for _, request in microsoft.batch_calls[since:]
    ]


@pytest.fixture
def alice(alice):
    alice.surname, alice.job_title, alice.photo = "Liddell", "Engineer", TINY_PNG
    return alice


@pytest.fixture
def bob(microsoft):
    return microsoft.add_user("bob@contoso.com", mail="bob@contoso.com", given_name="Bob")


@pytest.fixture
def warm(client, microsoft, alice):
    """The process has served a sign-in (Alice's, who is now a returning person)."""
    sign_in(client, microsoft, alice)
    client.logout()


# -- requests to Microsoft, steady state -----------------------------------------------------------


def test_start_asks_microsoft_nothing(client, microsoft, warm, bob):
    at_start, _ = sign_in(client, microsoft, bob)

    assert at_start == []


def test_returning_person_costs_the_token_request_only(client, microsoft, warm, alice):
    at_start, at_callback = sign_in(client, microsoft, alice)

    assert (at_start, at_callback) == ([], ["token"])


def test_new_person_costs_the_token_and_one_graph_batch(client, microsoft, warm, bob):
    graph_before = len(microsoft.batch_calls)

    at_start, at_callback = sign_in(client, microsoft, bob)

    assert (at_start, at_callback) == ([], ["token", "batch"])
    me_url, photo_url = batch_urls(microsoft, graph_before)
    assert urlsplit(me_url).path == "/me"
    assert parse_qs(urlsplit(me_url).query) == {"$select": [",".join(PROFILE_FIELDS)]}
    assert photo_url == "/me/photos/96x96/$value"
    assert User.objects.get(username="bob@contoso.com").first_name == "Bob"


def test_always_update_user_data_costs_the_token_and_one_graph_batch(
    client, microsoft, warm, alice, settings
):
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    alice.surname = "Hargreaves"

    at_start, at_callback = sign_in(client, microsoft, alice)

    assert (at_start, at_callback) == ([], ["token", "batch"])
    assert User.objects.get(username="alice@contoso.com").last_name == "Hargreaves"


def test_a_pre_validate_hook_gets_the_full_profile_in_the_same_batch(
    client, microsoft, warm, alice, settings
):
    seen = []
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = lambda info, request: seen.append(info) or True
    graph_before = len(microsoft.batch_calls)

    at_start, at_callback = sign_in(client, microsoft, alice)

    assert (at_start, at_callback) == ([], ["token", "batch"])
    assert batch_urls(microsoft, graph_before) == ["/me", "/me/photos/96x96/$value"]
    [info] = seen
    assert info["jobTitle"] == "Engineer"
    assert "businessPhones" in info


def test_a_pre_create_hook_gets_the_full_profile_of_a_new_person(
    client, microsoft, warm, bob, settings
):
    seen = []
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = lambda info, request: seen.append(info) or {}
    graph_before = len(microsoft.batch_calls)

    _, at_callback = sign_in(client, microsoft, bob)

    assert at_callback == ["token", "batch"]
    assert batch_urls(microsoft, graph_before) == ["/me", "/me/photos/96x96/$value"]
    assert "jobTitle" in seen[0]


def test_a_pre_create_hook_costs_a_returning_person_nothing_more(
    client, microsoft, warm, alice, settings
):
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = lambda info, request: {}

    assert sign_in(client, microsoft, alice) == ([], ["token"])


def test_the_msal_application_is_built_once(client, microsoft, warm, bob):
    app = sso_client.msal_app(Settings())

    sign_in(client, microsoft, bob)

    assert sso_client.msal_app(Settings()) is app


def test_a_sign_in_imports_no_module(client, microsoft, warm, alice, bob):
    """Hooks, the backend and the transport are imported once; a sign-in loads no module."""

    class RecordImports:
        def __init__(self) -> None:
            self.names: list[str] = []

        def find_spec(self, name, path=None, target=None):
            self.names.append(name)
            return None  # let the real finders do the work

    recorder = RecordImports()
    sys.meta_path.insert(0, recorder)
    try:
        sign_in(client, microsoft, alice)
        sign_in(client, microsoft, bob)
    finally:
        sys.meta_path.remove(recorder)

    assert recorder.names == []


# -- a new process ---------------------------------------------------------------------------------


def test_first_sign_in_of_a_process_reads_the_metadata_once(client, microsoft, alice):
    """msal gets the tenant's OpenID configuration the package read, not a second copy."""
    at_start, at_callback = sign_in(client, microsoft, alice)

    assert at_start == ["metadata"]
    assert at_callback == ["token", "keys", "batch"]


def test_a_new_worker_finds_metadata_and_keys_in_djangos_cache(client, microsoft, alice):
    sign_in(client, microsoft, alice)
    reset_process_caches()  # a new worker process, next to the first

    assert sign_in(client, microsoft, alice) == ([], ["token"])


def test_without_djangos_cache_a_new_process_fetches_again(client, microsoft, alice):
    sign_in(client, microsoft, alice)
    microsoft.reset_project()  # a new process, and nothing in Django's cache

    assert sign_in(client, microsoft, alice) == (["metadata"], ["token", "keys"])


def test_metadata_and_keys_a_day_old_are_fetched_again(client, microsoft, alice, monkeypatch):
    sign_in(client, microsoft, alice)
    real_monotonic = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + 25 * 3600)
    cache.clear()  # Django's cache lets its copies go after the same day

    assert sign_in(client, microsoft, alice) == ([], ["token", "metadata", "keys"])


def test_a_new_worker_fetches_keys_that_djangos_cache_lacks(client, microsoft, alice):
    """Microsoft rotated its keys: a worker that finds only the old set asks once."""
    sign_in(client, microsoft, alice)
    reset_process_caches()
    microsoft.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert sign_in(client, microsoft, alice) == ([], ["token", "keys"])
    reset_process_caches()
    assert sign_in(client, microsoft, alice) == ([], ["token"])


def test_a_cache_that_fails_costs_requests_not_the_sign_in(
    client, microsoft, alice, settings, logs
):
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": "tests.test_performance.BrokenCache"},
    }
    settings.MICROSOFT_SSO_CACHE_NAME = "broken"

    assert sign_in(client, microsoft, alice) == (["metadata"], ["token", "keys", "batch"])
    assert any(
        "Django cache 'broken' could not be written: ConnectionError" in line for line in logs
    )


def test_an_unknown_tenant_is_a_configuration_error(client, microsoft, settings):
    settings.MICROSOFT_SSO_AUTHORITY = "https://login.microsoftonline.com/no-such-tenant.example"

    response = client.get(START)

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert messages_of(response) == [
        "Sign in with Microsoft is not configured correctly. Please contact your administrator."
    ]


# -- connections -----------------------------------------------------------------------------------


def test_sign_ins_open_no_new_connection_to_microsoft(client, served):
    fake = served.fake
    people = [
        fake.add_user(f"person{n}@contoso.com", mail=f"person{n}@contoso.com", photo=TINY_PNG)
        for n in range(3)
    ]
    sign_in(client, fake, people[0])
    assert served.connections == 1  # metadata, keys, token and Graph over one connection
    before = len(fake.calls)

    for person in [*people, *people]:  # a returning person, two new ones, three returning
        sign_in(client, fake, person)

    assert served.connections == 1
    assert endpoints(fake, before).count("token") == 6
    assert MicrosoftSSOUser.objects.count() == 3


# -- database queries ------------------------------------------------------------------------------


def statements(captured) -> list[str]:
    """The queries a callback ran, transaction control left out."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(TRANSACTION_CONTROL)
    ]


def test_callback_queries_of_a_returning_person(client, microsoft, warm, alice):
    client.logout()
    authorize_url, _ = start(client, microsoft)

    answer = microsoft.sign_in(authorize_url, alice)

    with CaptureQueriesContext(connection) as captured:
        response = answer.send(client)

    assert_signed_in(response, client)
    assert len(statements(captured)) == RETURNING_PERSON_QUERIES, statements(captured)


def test_callback_queries_of_a_new_person(client, microsoft, warm, bob):
    authorize_url, _ = start(client, microsoft)

    answer = microsoft.sign_in(authorize_url, bob)

    with CaptureQueriesContext(connection) as captured:
        response = answer.send(client)

    assert_signed_in(response, client)
    assert MicrosoftSSOUser.objects.filter(user__username="bob@contoso.com").exists()
    assert len(statements(captured)) == NEW_PERSON_QUERIES, statements(captured)
    reads = [sql.split(" FROM ")[1].split()[0] for sql in statements(captured) if " FROM " in sql]
    # One lookup of the link (7.x rows included), one of the account by user principal name.
    assert reads.count('"microsoft_sso_user"') == 1
    assert reads.count('"auth_user"') == 1


def test_nothing_is_written_for_a_returning_person_whose_data_did_not_change(
    client, microsoft, warm, alice, settings
):
    """With ``ALWAYS_UPDATE_USER_DATA``: the profile is read, compared, and left as it is."""
    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    client.logout()
    authorize_url, _ = start(client, microsoft)

    answer = microsoft.sign_in(authorize_url, alice)

    with CaptureQueriesContext(connection) as captured:
        response = answer.send(client)

    assert_signed_in(response, client)
    assert len(statements(captured)) == RETURNING_PERSON_QUERIES, statements(captured)
    assert microsoft.count("batch") == 2

    writes = [
        sql for sql in statements(captured) if sql.startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    # Django's login() writes a new session key and last_login; the rest stays as it was.
    # (The link table; its session notes, microsoft_sso_user_session, are written at each login.)
    assert not [sql for sql in writes if '"microsoft_sso_user"' in sql]
    [user_write] = [sql for sql in writes if '"auth_user"' in sql]
    assert user_write.startswith('UPDATE "auth_user" SET "last_login" = ')


class BrokenCache:
    """A cache whose server cannot be reached."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def get(self, *args, **kwargs):
        raise ConnectionError("cache server unreachable")

    set = add = delete = get

    def close(self, **kwargs) -> None:
        pass
