"""Injection and leakage: what Microsoft and Graph say is shown escaped and logged on one line, and
no secret, code, verifier or token reaches any log, even at DEBUG level.

tests/test_callback.py already proves an ``error_description`` with markup and line breaks from
the authorize step (``test_authorize_error_with_markup_and_line_breaks_is_shown_escaped_and_logged_on_one_line``)
and a clean package log for a whole sign-in and an ``invalid_client`` answer at loguru's DEBUG
level. These add Graph's and the token endpoint's fields, every stdlib logger at DEBUG (msal,
httpx, httpcore, Django) next to loguru, and a real HTTP connection to the Microsoft emulator.
"""

import html
import http.client
import logging
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import FakeMicrosoft
from tests.helpers import (
    START,
    assert_no_leak,
    assert_signed_in,
    failure_lines,
    messages_of,
    sensitive_values,
    start,
    tokens_in,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
SCRIPT = "<script>alert(1)</script>"
FORGED_LINE = "\r\nERROR forged log line"


def assert_one_line_each(logs):
    """Every log entry is one line: no line break an outsider sent survives in it."""
    assert logs
    for entry in logs:
        assert "\r" not in entry
        assert "\n" not in entry.removesuffix("\n"), entry


def assert_escaped(page, raw=SCRIPT):
    assert raw not in page
    assert html.escape(raw, quote=False) in page or html.escape(raw) in page


# -- Graph's fields in messages, pages and logs --------------------------------------------------


@pytest.mark.parametrize("auto_create", [True, False], ids=["domain-refused", "no-account"])
def test_a_upn_with_markup_and_line_breaks_is_escaped_on_the_page_and_in_the_log(
    client, microsoft, settings, logs, auto_create
):
    settings.MICROSOFT_SSO_AUTO_CREATE_USERS = auto_create
    domain = "evil.example" if auto_create else "contoso.com"
    mallory = microsoft.add_user(f"{SCRIPT}{FORGED_LINE}@{domain}")

    response = microsoft.login(client, mallory)

    [message] = messages_of(response)
    assert SCRIPT in message  # the message is text; the page escapes it
    page = client.get(response.url).content.decode()
    assert_escaped(page)
    assert_one_line_each(logs)
    assert "ERROR forged" not in "".join(logs)


def test_graph_fields_with_markup_are_escaped_in_the_admin(admin_client, microsoft, settings):
    mallory = microsoft.add_user(
        f"{SCRIPT}@contoso.com",
        given_name=SCRIPT,
        surname=SCRIPT,
        preferred_language="<b>en</b>",
    )
    browser = Client()
    assert_signed_in(microsoft.login(browser, mallory), browser)
    link = MicrosoftSSOUser.objects.get()

    pages = [
        admin_client.get("/admin/django_microsoft_sso/microsoftssouser/").content.decode(),
        admin_client.get(
            f"/admin/django_microsoft_sso/microsoftssouser/{link.pk}/change/"
        ).content.decode(),
        admin_client.get(f"/admin/auth/user/{link.user_id}/change/").content.decode(),
    ]

    for page in pages:
        assert_escaped(page)
        assert "<b>en</b>" not in page


def test_graph_answer_with_line_breaks_is_logged_on_one_line(client, microsoft, alice, logs):
    microsoft.fail(
        "batch",
        httpx.Response(
            200, json={"responses": [{"id": "me", "status": f"500{FORGED_LINE}", "body": {}}]}
        ),
    )

    response = microsoft.login(client, alice)

    assert response.url == "/admin/login/"
    assert_one_line_each(logs)
    [line] = failure_lines(logs)
    assert "(graph)" in line


def test_token_endpoint_error_with_markup_and_line_breaks_is_logged_on_one_line(
    client, microsoft, alice, logs
):
    microsoft.fail(
        "token",
        httpx.Response(
            400,
            json={
                "error": f"invalid_grant{FORGED_LINE}{SCRIPT}",
                "error_description": f"AADSTS70000{FORGED_LINE}",
                "error_codes": [f"70000{FORGED_LINE}", 1, None],
            },
        ),
    )

    response = microsoft.login(client, alice)

    assert messages_of(response) == ["Microsoft refused the sign-in. Please try again."]
    assert SCRIPT not in client.get(response.url).content.decode()
    assert_one_line_each(logs)


def test_id_token_key_id_with_line_breaks_is_logged_on_one_line(client, microsoft, alice, logs):
    answer = microsoft.sign_in(
        start(client), alice, id_token_header={"kid": f"fake-{FORGED_LINE}{SCRIPT}"}
    )

    response = answer.send(client)

    assert messages_of(response) == ["The sign-in could not be verified. Please try again."]
    assert_one_line_each(logs)
    [line] = failure_lines(logs)
    assert "(id_token)" in line


# -- nothing secret in any log, at DEBUG level, over a real HTTP connection -------------------------


@pytest.fixture
def debug_logs(caplog, logs):
    """Every log line of the process: loguru and every stdlib logger, at DEBUG."""
    caplog.set_level(logging.DEBUG)

    def text():
        return "".join(logs) + "\n".join(record.getMessage() for record in caplog.records)

    return text


@pytest.fixture
def emulated_microsoft(settings):
    """The fake Microsoft the emulator serves here, with a secret shaped like a real one."""
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    return FakeMicrosoft(client_secret="Q7w8Q~" + secrets.token_urlsafe(30))


def sign_in_through_the_emulator(client, served, person):
    """Start, pick ``person`` on the emulator's page, and deliver the answer to the callback.

    The browser's own request goes through ``http.client``, which logs nothing: what a browser
    sees is not the server's log.
    """
    authorize_url = urlsplit(client.get(START).url)
    browser = http.client.HTTPConnection(authorize_url.netloc, timeout=10)
    try:
        browser.request(
            "POST",
            f"{authorize_url.path}?{authorize_url.query}",
            body=urlencode({"person": person.object_id}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        location = browser.getresponse().getheader("Location")
    finally:
        browser.close()
    code = parse_qs(urlsplit(location).query)["code"][0]
    return client.get(location.removeprefix("http://testserver")), code


def test_a_whole_sign_in_at_debug_level_logs_no_secret_code_verifier_or_token(
    client, served, debug_logs
):
    fake = served.fake
    alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com")
    answers = fake.issued_tokens

    response, code = sign_in_through_the_emulator(client, served, alice)

    assert_signed_in(response, client)
    tokens = tokens_in(answers)
    assert len(tokens) == 3
    assert client.session["microsoft_sso_access_token"] in tokens
    text = debug_logs()
    assert "HTTP Request: POST" in text  # httpx did log, at its own level
    assert_no_leak(text, [*sensitive_values(fake, code), *tokens])


def test_an_invalid_client_answer_at_debug_level_logs_no_fragment_of_either_secret(
    client, served, settings, debug_logs
):
    fake = served.fake
    alice = fake.add_user("alice@contoso.com")
    wrong_secret = "Zr4~" + secrets.token_urlsafe(30)
    settings.MICROSOFT_SSO_CLIENT_SECRET = wrong_secret

    response, code = sign_in_through_the_emulator(client, served, alice)

    assert response.url == "/admin/login/"
    assert messages_of(response) == ["Microsoft refused the sign-in. Please try again."]
    assert not User.objects.exists()
    text = debug_logs()
    assert "invalid_client" in text
    assert "AADSTS7000215" in text
    assert_no_leak(text, sensitive_values(fake, code, wrong_secret))
