"""Faults on Microsoft's side and in the project: each is survived with a clear message, a bounded
wait and nothing written.

Already proven elsewhere, and not repeated here: the token endpoint answering 500/502/503, HTML or
a JSON list, timing out or refusing the connection (tests/test_callback.py
``test_token_endpoint_failure_says_microsoft_could_not_be_reached``); Graph answering 401, 429
with ``Retry-After``, 502, HTML or timing out, and ``/me`` without ``id`` or
``userPrincipalName`` (tests/test_callback.py ``test_graph_*``); a photo that is not an image
(tests/test_users.py ``test_picture_is_kept_only_when_it_is_a_small_image``); a hook that raises
and a hook path that does not import (tests/test_hooks.py).
"""

import time

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from django_microsoft_sso import transport
from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import TINY_PNG
from tests.helpers import (
    assert_no_leak,
    assert_refused,
    assert_signed_in,
    failure_lines,
    messages_of,
    sensitive_values,
    start,
)
from tests.security.conftest import NOT_COMPLETED, PROFILE_UNREADABLE, UNAVAILABLE

pytestmark = pytest.mark.django_db

User = get_user_model()

TRUNCATED_JSON = b'{"token_type": "Bearer", "issuer": "https://login.microsoftonline.com/7'
NETWORK_FAULTS = {
    "connection-refused": httpx.ConnectError,
    "connect-timeout": httpx.ConnectTimeout,
    "read-timeout": httpx.ReadTimeout,
    "500": httpx.Response(500, text="Internal Server Error"),
    "503": httpx.Response(
        503, json={"error": "temporarily_unavailable"}, headers={"Retry-After": "30"}
    ),
    "html": httpx.Response(
        200, text="<html><body>Proxy sign-in</body></html>", headers={"Content-Type": "text/html"}
    ),
    "truncated-json": httpx.Response(
        200, content=TRUNCATED_JSON, headers={"Content-Type": "application/json"}
    ),
}


def assert_one_failure_line(logs, microsoft, reason):
    [line] = failure_lines(logs)
    assert f"({reason})" in line
    assert_no_leak("".join(logs), sensitive_values(microsoft))
    return line


# -- Microsoft's discovery, signing keys and token endpoint ---------------------------------------


@pytest.mark.parametrize("fault", list(NETWORK_FAULTS))
def test_discovery_fault_at_start_says_microsoft_could_not_be_reached(
    client, microsoft, logs, fault
):
    microsoft.fail("metadata", NETWORK_FAULTS[fault])

    response = client.get("/microsoft_sso/login/", {"next": "/private/"})

    assert_refused(response, client, UNAVAILABLE)
    assert "metadata" in assert_one_failure_line(logs, microsoft, "microsoft_unavailable")
    # The next visitor starts normally: nothing broken was kept.
    assert microsoft.is_authorize_url(client.get("/microsoft_sso/login/").url)


@pytest.mark.parametrize("fault", list(NETWORK_FAULTS))
def test_discovery_fault_at_the_callback_of_a_restarted_server(
    client, microsoft, alice, logs, fault
):
    answer = microsoft.sign_in(start(client), alice)
    microsoft.reset_project()  # the callback reaches a process that has not met Microsoft yet
    microsoft.fail("metadata", NETWORK_FAULTS[fault])

    response = answer.send(client)

    assert_refused(response, client, UNAVAILABLE)
    assert_one_failure_line(logs, microsoft, "microsoft_unavailable")
    assert microsoft.count("token") <= 1


@pytest.mark.parametrize("fault", list(NETWORK_FAULTS))
def test_signing_keys_fault_says_microsoft_could_not_be_reached(
    client, microsoft, alice, logs, fault
):
    microsoft.fail("keys", NETWORK_FAULTS[fault])

    response = microsoft.login(client, alice)

    assert_refused(response, client, UNAVAILABLE)
    assert "keys" in assert_one_failure_line(logs, microsoft, "microsoft_unavailable")
    assert microsoft.count("batch") == 0


@pytest.mark.parametrize(
    "outcome",
    [
        {"keys": []},
        {"keys": [{"kty": "RSA", "kid": "no-modulus"}]},
        {"not": "a key set"},
    ],
    ids=["empty", "unusable-key", "no-keys"],
)
def test_signing_keys_without_a_usable_key_refuse_the_sign_in(
    client, microsoft, alice, logs, outcome
):
    microsoft.fail("keys", httpx.Response(200, json=outcome))

    response = microsoft.login(client, alice)

    assert_refused(response, client, UNAVAILABLE)
    assert "keys" in assert_one_failure_line(logs, microsoft, "microsoft_unavailable")


def test_truncated_token_answer_says_microsoft_could_not_be_reached(
    client, microsoft, alice, logs
):
    microsoft.fail("token", NETWORK_FAULTS["truncated-json"])

    response = microsoft.login(client, alice)

    assert_refused(response, client, UNAVAILABLE)
    assert "token" in assert_one_failure_line(logs, microsoft, "microsoft_unavailable")


# -- Microsoft Graph -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        httpx.ConnectError,
        httpx.Response(503, json={"error": {"code": "serviceNotAvailable"}}),
        httpx.Response(200, content=b'{"responses": [{"id": "me", "status": 200, "bo'),
        httpx.Response(200, json={"responses": "not a list"}),
        httpx.Response(200, json=[1, 2, 3]),
    ],
    ids=["connection-refused", "503", "truncated-json", "responses-not-a-list", "not-an-object"],
)
def test_graph_fault_says_the_profile_could_not_be_read(client, microsoft, alice, logs, fault):
    microsoft.fail("batch", fault)

    response = microsoft.login(client, alice)

    assert_refused(response, client, PROFILE_UNREADABLE)
    assert_one_failure_line(logs, microsoft, "graph")


@pytest.mark.parametrize(
    "mail", [12345, ["alice@contoso.com"], {"address": "a@contoso.com"}, True]
)
def test_mail_of_the_wrong_type_counts_as_no_mail(client, microsoft, mail):
    alice = microsoft.add_user("alice@contoso.com", extra_graph={"mail": mail})

    response = microsoft.login(client, alice)

    assert_signed_in(response, client)
    assert User.objects.get().email == ""


@pytest.mark.parametrize("name", [12345, ["Alice"], {"first": "Alice"}])
def test_names_of_the_wrong_type_are_left_empty(client, microsoft, name):
    alice = microsoft.add_user(
        "alice@contoso.com",
        extra_graph={"givenName": name, "surname": name, "preferredLanguage": name},
    )

    assert_signed_in(microsoft.login(client, alice), client)
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("", "")
    assert MicrosoftSSOUser.objects.get().locale is None


def test_absurdly_long_fields_are_stored_cut_to_the_columns(client, microsoft):
    long_local_part = "a" * 100_000
    alice = microsoft.add_user(
        f"{long_local_part}@contoso.com",
        mail=f"{long_local_part}@contoso.com",
        given_name="G" * 100_000,
        surname="S" * 100_000,
        preferred_language="en-" + "X" * 100_000,
    )

    response = microsoft.login(client, alice)

    assert_signed_in(response, client)
    user = User.objects.get()
    assert user.username == long_local_part[:150]
    assert user.first_name == "G" * 150
    assert user.last_name == "S" * 150
    assert len(user.email) <= 254
    link = MicrosoftSSOUser.objects.get()
    assert link.user_principal_name == f"{long_local_part}@contoso.com"[:255]
    assert link.locale == ("en-" + "X" * 100_000)[:35]
    # The person signs in again to the same account.
    client.post("/microsoft_sso/logout/")
    assert_signed_in(microsoft.login(client, alice), client)
    assert User.objects.count() == 1


class CountingStream(httpx.SyncByteStream):
    """An answer body sent in chunks, counting what the reader asked for."""

    def __init__(self, content, chunk_size=64 * 1024, pause=0.0):
        self.content = content
        self.chunk_size = chunk_size
        self.pause = pause
        self.sent = 0

    def __iter__(self):
        for at in range(0, len(self.content), self.chunk_size):
            if self.pause:
                time.sleep(self.pause)
            chunk = self.content[at : at + self.chunk_size]
            self.sent += len(chunk)
            yield chunk


def streamed_batch(microsoft, **stream_options):
    """Make the next $batch answer arrive as a ``CountingStream``; return that stream."""
    holder = {}

    def answer(request):
        real = microsoft.handle(request)
        holder["stream"] = CountingStream(real.content, **stream_options)
        return httpx.Response(real.status_code, headers=real.headers, stream=holder["stream"])

    microsoft.fail("batch", answer)
    return holder


def test_a_20_mb_photo_is_not_read_whole_nor_kept(client, microsoft, settings):
    settings.MICROSOFT_SSO_MAX_PICTURE_BYTES = 100 * 1024
    huge_photo = TINY_PNG + b"\0" * (20 * 1024 * 1024)
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", photo=huge_photo)
    holder = streamed_batch(microsoft)

    response = microsoft.login(client, alice)

    assert_signed_in(response, client)
    assert MicrosoftSSOUser.objects.get().picture_raw is None
    stream = holder["stream"]
    assert len(stream.content) > 26 * 1024 * 1024  # 20 MB, base64-encoded in JSON
    # Reading stopped at the cap (twice the picture limit, plus room for the profile).
    cap = 2 * 100 * 1024 + 1024 * 1024
    assert stream.sent <= cap + stream.chunk_size
    # The profile was then read alone, without the picture.
    assert microsoft.count("me") == 1


def test_a_photo_just_within_the_limit_is_kept(client, microsoft, settings):
    photo = TINY_PNG + b"\0" * (10 * 1024 - len(TINY_PNG))
    settings.MICROSOFT_SSO_MAX_PICTURE_BYTES = len(photo)
    alice = microsoft.add_user("alice@contoso.com", photo=photo)

    assert_signed_in(microsoft.login(client, alice), client)
    assert bytes(MicrosoftSSOUser.objects.get().picture_raw) == photo


def test_a_graph_answer_that_trickles_in_is_given_up_after_graph_timeout(
    client, microsoft, alice, settings, logs
):
    settings.MICROSOFT_SSO_GRAPH_TIMEOUT = 0.3
    # 40 pieces, 0.05 s apart: 2 s in all if it were read to the end.
    holder = streamed_batch(microsoft, chunk_size=64, pause=0.05)
    began = time.monotonic()

    response = microsoft.login(client, alice)

    waited = time.monotonic() - began
    assert_refused(response, client, PROFILE_UNREADABLE)
    assert "longer than 0.3 s" in assert_one_failure_line(logs, microsoft, "graph")
    assert waited < 1.0
    assert holder["stream"].sent < len(holder["stream"].content)


# -- every network call has a time limit ------------------------------------------------------------


def test_the_pooled_client_has_a_timeout_on_every_phase(microsoft):
    timeout = transport.http_client().timeout

    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0, 10.0, 10.0, 10.0)


def test_every_request_of_a_sign_in_carries_a_time_limit(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_GRAPH_TIMEOUT = 3

    assert_signed_in(microsoft.login(client, alice), client)

    limits = {}
    for name, request in microsoft.calls:
        limits.setdefault(name, set()).add(tuple(sorted(request.extensions["timeout"].items())))
    assert set(limits) >= {"metadata", "token", "keys", "batch"}
    for name, seen in limits.items():
        for phases in seen:
            assert all(seconds is not None and 0 < seconds <= 10 for _, seconds in phases), name
    # Graph (and the package's own metadata and key requests) use MICROSOFT_SSO_GRAPH_TIMEOUT.
    assert limits["batch"] == {(("connect", 3), ("pool", 3), ("read", 3), ("write", 3))}
    assert limits["keys"] == {(("connect", 3), ("pool", 3), ("read", 3), ("write", 3))}


# -- the project's side: a database error while linking ---------------------------------------------


def test_a_unique_constraint_that_fails_while_linking_rolls_everything_back(
    client, microsoft, settings, logs
):
    # The project's own rule, enforced by the database: no two people share a locale.
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX one_person_per_locale ON microsoft_sso_user (locale)")
    bob = microsoft.add_user("bob@contoso.com", preferred_language="en-US")
    assert_signed_in(microsoft.login(client, bob), client)
    alice = microsoft.add_user("alice@contoso.com", preferred_language="en-US")
    other_browser = type(client)()

    response = microsoft.login(other_browser, alice)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [NOT_COMPLETED]
    assert "_auth_user_id" not in other_browser.session
    assert list(User.objects.values_list("username", flat=True)) == ["bob@contoso.com"]
    assert MicrosoftSSOUser.objects.count() == 1
    assert "IntegrityError" in assert_one_failure_line(logs, microsoft, "refused")


def refuse_link_rows_trigger():
    """SQL for a trigger that makes the database refuse every new link row."""
    if connection.vendor == "postgresql":
        return [
            "CREATE FUNCTION refuse_link() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'links are frozen'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_link BEFORE INSERT ON microsoft_sso_user "
            "FOR EACH ROW EXECUTE FUNCTION refuse_link()",
        ]
    if connection.vendor == "sqlite":
        return [
            "CREATE TRIGGER refuse_link BEFORE INSERT ON microsoft_sso_user "
            "BEGIN SELECT RAISE(FAIL, 'links are frozen'); END"
        ]
    pytest.skip(f"no trigger for {connection.vendor} here")


def test_a_database_error_while_linking_leaves_no_user_and_no_link(
    client, microsoft, alice, settings, logs
):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    with connection.cursor() as cursor:
        for statement in refuse_link_rows_trigger():
            cursor.execute(statement)

    response = microsoft.login(client, alice)

    assert_refused(response, client, NOT_COMPLETED)
    assert "microsoft_sso_access_token" not in client.session
    assert_one_failure_line(logs, microsoft, "refused")


def test_rows_a_failing_hook_wrote_are_rolled_back_with_the_sign_in(
    client, microsoft, alice, settings
):
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.security.hooks.write_then_fail"

    response = microsoft.login(client, alice)

    assert_refused(response, client, NOT_COMPLETED)
    assert not Group.objects.exists()
