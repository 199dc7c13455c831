"""The session: renewed at sign-in, free of the finished sign-in's secrets, holding the access
token only after a sign-in succeeded, and emptied by a logout that always happens locally.

tests/test_callback.py already proves that the session key changes at sign-in, that the pending
sign-in is gone afterwards, and that logout refuses GET, requires the CSRF token, and logs out
locally when Microsoft cannot be reached for single logout; tests/test_hooks.py that a hook that
raises leaves no access token behind.
"""

import json

import httpx
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils.module_loading import import_string

from django_microsoft_sso.pending import PENDING_SESSION_KEY
from django_microsoft_sso.sessions import ACCESS_TOKEN_SESSION_KEY
from tests.helpers import messages_of, query_of, start
from tests.security.conftest import LOGOUT, NOT_COMPLETED

pytestmark = pytest.mark.django_db

User = get_user_model()


def stored_session(key):
    """What the session store holds under ``key`` (empty when there is no such session)."""
    store = import_string(f"{django_settings.SESSION_ENGINE}.SessionStore")
    return store(session_key=key).load()


def session_key(client):
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def test_the_session_before_the_sign_in_is_deleted_with_the_verifier_it_held(
    client, microsoft, alice
):
    authorize_url = start(client)
    old_key = session_key(client)
    flow = stored_session(old_key)[PENDING_SESSION_KEY][query_of(authorize_url)["state"]]["flow"]

    microsoft.sign_in(authorize_url, alice).send(client)

    assert session_key(client) != old_key
    assert stored_session(old_key) == {}
    new = json.dumps(stored_session(session_key(client)), default=str)
    for secret in (flow["code_verifier"], flow["nonce"], flow["state"]):
        assert secret not in new


@pytest.mark.parametrize(
    "refusal",
    ["domain", "inactive", "graph", "id_token", "database"],
)
def test_the_access_token_is_kept_only_after_a_sign_in_succeeds(
    client, microsoft, settings, refusal
):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    person = microsoft.add_user("alice@contoso.com")
    options = {}
    if refusal == "domain":
        settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["fabrikam.com"]
    elif refusal == "inactive":
        User.objects.create_user("alice@contoso.com", is_active=False)
    elif refusal == "graph":
        microsoft.fail("batch", httpx.Response(503))
    elif refusal == "id_token":
        options["id_token_claims"] = {"aud": "someone-else"}
    elif refusal == "database":
        settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.security.hooks.write_then_fail"

    response = microsoft.login(client, person, **options)

    assert response.url == "/admin/login/"
    assert SESSION_KEY not in client.session
    stored = stored_session(session_key(client))
    assert ACCESS_TOKEN_SESSION_KEY not in stored
    assert not any(
        isinstance(value, str) and value.startswith("fake-at-") for value in stored.values()
    )
    if refusal == "database":
        assert User.objects.count() == 0


def test_the_access_token_is_kept_after_a_sign_in_succeeds(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True

    microsoft.login(client, alice)

    token = stored_session(session_key(client))[ACCESS_TOKEN_SESSION_KEY]
    assert token.startswith("fake-at-")


def test_logout_empties_the_session_and_renews_its_key(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    microsoft.login(client, alice)
    key = session_key(client)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert stored_session(key) == {}
    assert SESSION_KEY not in client.session
    assert ACCESS_TOKEN_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(500, text="oops"),
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, content=b'{"issuer": "https://log'),
        httpx.ConnectError,
    ],
    ids=["500", "html", "truncated-json", "connection-refused"],
)
def test_single_logout_with_microsoft_broken_still_logs_out_locally(
    client, microsoft, alice, settings, fault
):
    settings.MICROSOFT_SSO_SLO_ENABLED = True
    microsoft.login(client, alice)
    microsoft.reset_project()  # the logout reaches a process that must fetch the metadata
    microsoft.fail("metadata", fault)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert SESSION_KEY not in client.session


def test_logout_without_a_session_is_harmless(client, microsoft):
    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response.url == "/admin/"


def test_a_failed_sign_in_in_a_signed_in_browser_leaves_it_as_it_was(
    client, microsoft, alice, settings
):
    microsoft.login(client, alice)
    alices_id = client.session[SESSION_KEY]
    bob = microsoft.add_user("bob@contoso.com")
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.security.hooks.write_then_fail"

    response = microsoft.login(client, bob)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [NOT_COMPLETED]
    assert client.session[SESSION_KEY] == alices_id
    assert not User.objects.filter(username="bob@contoso.com").exists()
