"""The authorization code and PKCE: a code counts once, for this redirect URI and this verifier.

The fake Microsoft enforces each rule as Microsoft does (AADSTS54005, 500112, 501481); these tests
forge the situations through the browser's own session and the authorize request, and check that
the package ends each in a refusal. tests/test_callback.py already covers a code Microsoft reports
as redeemed (by a canned answer) and an expired code.
"""

from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.test import Client

from django_microsoft_sso.pending import PENDING_SESSION_KEY
from tests.helpers import (
    assert_no_leak,
    assert_refused,
    assert_signed_in,
    failure_lines,
    query_of,
    sensitive_values,
    start,
)
from tests.security.conftest import TOKEN_REFUSED

pytestmark = pytest.mark.django_db


def with_query(url, **changes):
    """``url`` with some of its query parameters replaced."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**query_of(url), **changes})))


def token_error_line(logs, microsoft, *sensitive):
    [line] = failure_lines(logs)
    assert "(token)" in line
    assert_no_leak("".join(logs), sensitive_values(microsoft, *sensitive))
    return line


def test_a_code_redeemed_twice_is_refused_the_second_time(client, microsoft, alice, logs):
    first = microsoft.sign_in(start(client), alice)
    assert_signed_in(first.send(client), client)
    thief = Client()
    thiefs_state = query_of(start(thief))["state"]

    # A code seen in a log or a Referer, replayed with a sign-in of the thief's own.
    response = thief.get(
        "/microsoft_sso/callback/", {"code": first.params["code"], "state": thiefs_state}
    )

    assert response.url == "/admin/login/"
    assert "_auth_user_id" not in thief.session
    assert "AADSTS54005" in token_error_line(logs, microsoft, first.params["code"])
    assert microsoft.count("token") == 2


def test_a_code_issued_for_another_redirect_uri_is_refused(client, microsoft, alice, logs):
    authorize_url = start(client)
    # Microsoft bound the code to the redirect URI in the authorize request it answered.
    elsewhere = with_query(authorize_url, redirect_uri="https://evil.example/callback")
    answer = microsoft.sign_in(elsewhere, alice)

    response = client.get("/microsoft_sso/callback/", answer.params)

    assert_refused(response, client, TOKEN_REFUSED)
    assert "AADSTS500112" in token_error_line(logs, microsoft, answer.params["code"])


def test_a_code_whose_challenge_is_not_this_sign_ins_is_refused(client, microsoft, alice, logs):
    authorize_url = start(client)
    forged_challenge = "A" * 43
    answer = microsoft.sign_in(with_query(authorize_url, code_challenge=forged_challenge), alice)

    response = answer.send(client)

    assert_refused(response, client, TOKEN_REFUSED)
    assert "AADSTS501481" in token_error_line(logs, microsoft, answer.params["code"])


def test_a_verifier_changed_in_the_session_is_refused(client, microsoft, alice, logs):
    authorize_url = start(client)
    state = query_of(authorize_url)["state"]
    session = client.session
    pending = session[PENDING_SESSION_KEY]
    pending[state]["flow"]["code_verifier"] = "B" * 43
    session[PENDING_SESSION_KEY] = pending
    session.save()
    answer = microsoft.sign_in(authorize_url, alice)

    response = answer.send(client)

    assert_refused(response, client, TOKEN_REFUSED)
    assert "AADSTS501481" in token_error_line(logs, microsoft, "B" * 43)
