"""The callback view: every way a sign-in can fail ends in a redirect, a message and a clean log.

Also the success path's session, and the logout view.
"""

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from django_microsoft_sso.pending import PENDING_SESSION_KEY
from django_microsoft_sso.testing import DEFAULT_TENANT_ID
from tests.helpers import (
    assert_no_leak,
    assert_refused,
    failure_lines,
    login_hint_of,
    messages_of,
    sensitive_values,
    start,
    state_of,
    tokens_in,
)

pytestmark = pytest.mark.django_db

START = reverse("django_microsoft_sso:oauth_start_login")
CALLBACK = reverse("django_microsoft_sso:oauth_callback")
LOGOUT = reverse("django_microsoft_sso:oauth_logout")

MISSING_CODE = "Microsoft sent no authorization code. Please sign in again."
STATE_REFUSED = "Your sign-in session expired or is invalid. Please sign in again."
CANCELLED = "The sign-in with Microsoft was cancelled."
NOT_AUTHORIZED = "Microsoft did not authorize the sign-in."
TOKEN_REFUSED = "Microsoft refused the sign-in. Please try again."
UNAVAILABLE = "Microsoft could not be reached. Please try again in a moment."
PROFILE_UNREADABLE = "Your Microsoft profile could not be read. Please try again."


@pytest.fixture
def microsoft(microsoft_with_a_real_looking_secret):
    return microsoft_with_a_real_looking_secret


def assert_logged(logs, microsoft, reason, *extra_sensitive):
    lines = failure_lines(logs)
    assert len(lines) == 1, logs
    assert lines[0].startswith("WARNING ")
    assert f"({reason})" in lines[0]
    assert_no_leak("".join(logs), sensitive_values(microsoft, *extra_sensitive))
    return lines[0]


def aad_error(status, error, description, code):
    return httpx.Response(
        status,
        json={
            "error": error,
            "error_description": f"{description}\r\nTrace ID: 0000\r\nCorrelation ID: 1111",
            "error_codes": [code],
            "correlation_id": "1111",
        },
    )


def graph_error(status, code, message, headers=None):
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": "2222"}}}
    return httpx.Response(status, json=body, headers=headers)


# -- state -----------------------------------------------------------------------------------------


def test_callback_without_state_is_refused(client, microsoft, alice, logs):
    answer = microsoft.sign_in(start(client), alice)
    del answer.params["state"]

    response = answer.send(client)

    assert_refused(response, client, STATE_REFUSED)
    assert_logged(logs, microsoft, "state", answer.params["code"])
    assert microsoft.count("token") == 0


@pytest.mark.parametrize("wrong_state", ["x" * 22, "", "a" * 5000])
def test_callback_with_a_wrong_state_is_refused(client, microsoft, alice, logs, wrong_state):
    answer = microsoft.sign_in(start(client), alice)
    answer.params["state"] = wrong_state

    response = answer.send(client)

    assert_refused(response, client, STATE_REFUSED)
    assert_logged(logs, microsoft, "state", answer.params["code"])
    assert microsoft.count("token") == 0


def test_bare_callback_is_refused_as_a_missing_code(client, microsoft, logs):
    # As in 7.x ("Authorization Code not received from SSO."): no code is told before the state.
    response = client.get(CALLBACK)

    assert_refused(response, client, MISSING_CODE)
    assert_logged(logs, microsoft, "authorization")


def test_callback_without_code_leaves_the_sign_in_to_complete(client, microsoft, alice):
    answer = microsoft.sign_in(start(client), alice)

    client.get(CALLBACK, {"state": answer.params["state"]})

    assert answer.send(client).url == "/admin/"


def test_state_replayed_after_a_completed_sign_in_is_refused(client, microsoft, alice, logs):
    answer = microsoft.sign_in(start(client), alice)
    assert answer.send(client).url == "/admin/"
    user_id = client.session["_auth_user_id"]

    replay = answer.send(client)

    assert replay.url == "/admin/login/"
    assert messages_of(replay) == [STATE_REFUSED]
    assert client.session["_auth_user_id"] == user_id
    assert microsoft.count("token") == 1
    assert_logged(logs, microsoft, "state")


def test_state_replayed_in_another_browser_is_refused(client, microsoft, alice, logs):
    answer = microsoft.sign_in(start(client), alice)
    answer.send(client)
    get_user_model().objects.all().delete()
    attacker = Client()

    replay = answer.send(attacker)

    assert_refused(replay, attacker, STATE_REFUSED)
    assert microsoft.count("token") == 1


def test_state_of_another_session_is_refused_and_stays_usable_by_its_owner(
    client, microsoft, alice, logs
):
    victim_answer = microsoft.sign_in(start(client, next="/private/"), alice)
    attacker = Client()
    start(attacker)

    response = victim_answer.send(attacker)

    assert_refused(response, attacker, STATE_REFUSED)
    assert_logged(logs, microsoft, "state", victim_answer.params["code"])
    assert victim_answer.send(client).url == "/private/"


# -- errors from the authorize step ----------------------------------------------------------------


def test_cancelled_sign_in_says_so(client, microsoft, logs):
    answer = microsoft.deny(start(client))

    response = answer.send(client)

    assert_refused(response, client, CANCELLED)
    line = assert_logged(logs, microsoft, "authorization")
    assert "access_denied" in line
    assert microsoft.count("token") == 0


def test_cancelled_sign_in_uses_up_its_state(client, microsoft, logs):
    answer = microsoft.deny(start(client))
    client.get(answer.send(client).url)  # the failure page shows (and uses up) its message

    again = answer.send(client)

    assert messages_of(again) == [STATE_REFUSED]


def test_authorize_error_with_markup_and_line_breaks_is_shown_escaped_and_logged_on_one_line(
    client, microsoft, logs
):
    answer = microsoft.deny(
        start(client),
        error="invalid_request<script>alert(1)</script>",
        description="AADSTS50011: bad\r\nERROR forged log line <b>bold</b>",
    )

    response = answer.send(client)

    assert response.url == "/admin/login/"
    assert "_auth_user_id" not in client.session
    [message] = messages_of(response)
    assert message.startswith("Microsoft did not authorize the sign-in: invalid_request")
    page = client.get(response.url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    line = assert_logged(logs, microsoft, "authorization")
    assert "\r" not in line
    assert "\n" not in line.rstrip("\n")
    assert "AADSTS50011" in line


def test_callback_without_code_is_refused(client, microsoft, alice, logs):
    answer = microsoft.sign_in(start(client), alice)
    code = answer.params.pop("code")

    response = answer.send(client)

    assert_refused(response, client, MISSING_CODE)
    assert_logged(logs, microsoft, "authorization", code)
    assert microsoft.count("token") == 0


# -- the token endpoint ------------------------------------------------------------------------


def test_wrong_client_secret_is_refused_without_logging_it(
    client, microsoft, alice, settings, logs
):
    wrong_secret = "Zr4~" + secrets.token_urlsafe(30)
    settings.MICROSOFT_SSO_CLIENT_SECRET = wrong_secret

    answer = microsoft.sign_in(start(client), alice)
    response = answer.send(client)

    assert_refused(response, client, TOKEN_REFUSED)
    line = assert_logged(logs, microsoft, "token", wrong_secret)
    assert "invalid_client" in line
    assert "AADSTS7000215" in line


def test_code_already_redeemed_is_refused(client, microsoft, alice, logs):
    microsoft.fail(
        "token",
        aad_error(
            400,
            "invalid_grant",
            "AADSTS54005: OAuth2 Authorization code was already redeemed.",
            54005,
        ),
    )
    answer = microsoft.sign_in(start(client), alice)

    response = answer.send(client)

    assert_refused(response, client, TOKEN_REFUSED)
    line = assert_logged(logs, microsoft, "token", answer.params["code"])
    assert "invalid_grant" in line
    assert "AADSTS54005" in line


def test_expired_code_is_refused(client, microsoft, alice, logs):
    answer = microsoft.sign_in(start(client), alice)
    microsoft.expire_codes()

    response = answer.send(client)

    assert_refused(response, client, TOKEN_REFUSED)
    assert "AADSTS70008" in assert_logged(logs, microsoft, "token")


@pytest.mark.parametrize(
    ("outcome", "logged"),
    [
        (httpx.Response(500, text="Internal Server Error"), "HTTP Error: 500"),
        (httpx.Response(503, json={"error": "temporarily_unavailable"}), "HTTP Error: 503"),
        (
            httpx.Response(
                502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}
            ),
            "HTTP Error: 502",
        ),
        (
            httpx.Response(
                200, text="<html>Sign in</html>", headers={"Content-Type": "text/html"}
            ),
            "not JSON",
        ),
        (httpx.Response(200, json=["not", "an", "object"]), "not a JSON object"),
        (httpx.ConnectTimeout, "ConnectTimeout"),
        (httpx.ReadTimeout, "ReadTimeout"),
        (httpx.ConnectError, "ConnectError"),
    ],
    ids=[
        "500-text",
        "503-json",
        "502-html",
        "200-html",
        "200-list",
        "connect-timeout",
        "read-timeout",
        "connect-error",
    ],
)
def test_token_endpoint_failure_says_microsoft_could_not_be_reached(
    client, microsoft, alice, logs, outcome, logged
):
    microsoft.fail("token", outcome)
    answer = microsoft.sign_in(start(client), alice)

    response = answer.send(client)

    assert_refused(response, client, UNAVAILABLE)
    line = assert_logged(logs, microsoft, "microsoft_unavailable", answer.params["code"])
    assert logged in line


# -- one person's failure at the token endpoint is not everyone's -------------------------------

# Microsoft's throttling of the token endpoint: 429 with ``Retry-After`` in seconds and a plain-text
# body (msal for .NET's "client and server throttling" page, and its issue 2855, show this answer).
THROTTLED = httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "1"})


def wait_message(count=None, unit="seconds"):
    wait = f"in {count} {unit}" if count else "in a moment"
    return f"Microsoft is busy and asked to wait. Please try again {wait}."


def assert_signed_in_as(response, browser, user_principal_name):
    assert response.status_code == 302
    assert response.url == "/admin/", messages_of(response)
    user = get_user_model().objects.get(pk=browser.session["_auth_user_id"])
    assert user.username == user_principal_name


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(500, text="Internal Server Error"),
        httpx.Response(503, json={"error": "temporarily_unavailable"}),
        httpx.Response(500, text="Internal Server Error", headers={"Retry-After": "30"}),
    ],
    ids=["500", "503-without-retry-after", "500-with-retry-after"],
)
def test_a_token_endpoint_5xx_fails_only_that_sign_in(client, microsoft, alice, logs, fault):
    bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    microsoft.fail("token", fault)
    assert_refused(microsoft.login(client, alice), client, UNAVAILABLE)
    assert "token: HTTP Error: 5" in assert_logged(logs, microsoft, "microsoft_unavailable")
    time.sleep(0.1)
    other_browser = Client()

    response = microsoft.login(other_browser, bob)

    assert_signed_in_as(response, other_browser, "bob@contoso.com")
    # Bob's code reached Microsoft: his sign-in was not answered from a memory of Alice's.
    assert microsoft.count("token") == 2


def test_the_same_person_may_retry_at_once_after_a_token_endpoint_5xx(client, microsoft, alice):
    microsoft.fail("token", httpx.Response(502, text="Bad Gateway"))
    assert_refused(microsoft.login(client, alice), client, UNAVAILABLE)

    assert_signed_in_as(microsoft.login(client, alice), client, "alice@contoso.com")
    assert microsoft.count("token") == 2


@pytest.mark.parametrize(
    "fault",
    [
        THROTTLED,
        httpx.Response(
            503, json={"error": "temporarily_unavailable"}, headers={"Retry-After": "1"}
        ),
    ],
    ids=["429", "503"],
)
def test_retry_after_from_the_token_endpoint_is_honoured_for_its_seconds_only(
    client, microsoft, alice, logs, fault
):
    bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    microsoft.fail("token", fault)
    assert_refused(microsoft.login(client, alice), client, wait_message())
    line = assert_logged(logs, microsoft, "microsoft_throttled")
    assert f"HTTP {fault.status_code}, Retry-After 1 s" in line
    other_browser = Client()

    # Microsoft asked for a second: Bob's sign-in within it is not sent.
    response = microsoft.login(other_browser, bob)

    assert_refused(response, other_browser, wait_message())
    assert microsoft.count("token") == 1
    # Once the second has passed, Microsoft is asked again.
    time.sleep(1.05)
    assert_signed_in_as(microsoft.login(other_browser, bob), other_browser, "bob@contoso.com")
    assert microsoft.count("token") == 2


@pytest.mark.parametrize(
    ("retry_after", "message"),
    [
        ("10", wait_message()),
        ("11", wait_message(11)),
        ("119", wait_message(119)),
        ("120", wait_message(2, "minutes")),
        ("121", wait_message(3, "minutes")),
        ("86400", wait_message(5, "minutes")),
        ("Wed, 21 Oct 2065 07:28:00 GMT", wait_message(5, "minutes")),
    ],
    ids=["moment", "seconds", "most-seconds", "minutes", "minutes-rounded-up", "capped", "date"],
)
def test_the_wait_is_said_in_seconds_or_minutes_and_capped_at_five_minutes(
    client, microsoft, alice, retry_after, message
):
    microsoft.fail("token", httpx.Response(429, headers={"Retry-After": retry_after}))

    assert_refused(microsoft.login(client, alice), client, message)


@pytest.mark.parametrize("retry_after", ["0", "-5", "soon", ""])
def test_a_429_without_a_usable_retry_after_fails_only_that_sign_in(
    client, microsoft, alice, retry_after
):
    microsoft.fail(
        "token",
        httpx.Response(429, text="Too Many Requests", headers={"Retry-After": retry_after}),
    )
    assert_refused(microsoft.login(client, alice), client, UNAVAILABLE)

    assert_signed_in_as(microsoft.login(client, alice), client, "alice@contoso.com")
    assert microsoft.count("token") == 2


def test_a_token_answer_is_never_kept_for_another_sign_in(client, microsoft, alice):
    # A proxy (or Microsoft) may put Retry-After on any answer: a good one, with its tokens,
    # must not be kept and handed to the next sign-in.
    def answer_with_retry_after(request):
        real = microsoft.handle(request)
        return httpx.Response(
            real.status_code, content=real.content, headers={**real.headers, "Retry-After": "60"}
        )

    microsoft.fail("token", answer_with_retry_after)
    assert_signed_in_as(microsoft.login(client, alice), client, "alice@contoso.com")
    bob = microsoft.add_user("bob@contoso.com", mail="bob@contoso.com")
    other_browser = Client()

    assert_signed_in_as(microsoft.login(other_browser, bob), other_browser, "bob@contoso.com")


# -- Microsoft Graph ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "logged"),
    [
        (graph_error(401, "InvalidAuthenticationToken", "Access token has expired."), "HTTP 401"),
        (
            graph_error(429, "TooManyRequests", "Too many requests.", {"Retry-After": "7"}),
            "Retry-After 7",
        ),
        (graph_error(502, "BadGateway", "Bad gateway."), "HTTP 502"),
        (httpx.Response(200, text="<html>proxy login</html>"), "not JSON"),
        (httpx.ReadTimeout, "ReadTimeout"),
        (httpx.ConnectTimeout, "ConnectTimeout"),
    ],
    ids=["401", "429", "502", "html", "read-timeout", "connect-timeout"],
)
def test_graph_failure_is_refused(client, microsoft, alice, logs, outcome, logged):
    tokens = microsoft.issued_tokens
    microsoft.fail("batch", outcome)

    response = microsoft.login(client, alice)

    assert_refused(response, client, PROFILE_UNREADABLE)
    line = assert_logged(logs, microsoft, "graph", *tokens_in(tokens))
    assert logged in line


@pytest.mark.parametrize(
    ("outcome", "logged"),
    [
        (graph_error(401, "InvalidAuthenticationToken", "Access token is empty."), "401"),
        (graph_error(429, "TooManyRequests", "Too many requests.", {"Retry-After": "3"}), "429"),
        (graph_error(503, "serviceNotAvailable", "Service unavailable."), "503"),
    ],
    ids=["401", "429", "503"],
)
def test_graph_me_failure_inside_the_batch_is_refused(
    client, microsoft, alice, logs, outcome, logged
):
    microsoft.fail("me", outcome)

    response = microsoft.login(client, alice)

    assert_refused(response, client, PROFILE_UNREADABLE)
    assert logged in assert_logged(logs, microsoft, "graph")


@pytest.mark.parametrize(
    ("me", "logged"),
    [
        ({"userPrincipalName": "alice@contoso.com", "mail": "alice@contoso.com"}, "no id"),
        ({"id": "", "userPrincipalName": "alice@contoso.com"}, "no id"),
        ({"id": "OID", "mail": "alice@contoso.com"}, "no userPrincipalName"),
        ({"id": "OID", "userPrincipalName": None}, "no userPrincipalName"),
    ],
    ids=["no-id", "empty-id", "no-upn", "null-upn"],
)
def test_graph_me_without_id_or_user_principal_name_is_refused(
    client, microsoft, alice, logs, me, logged
):
    body = {key: alice.object_id if value == "OID" else value for key, value in me.items()}
    microsoft.fail("me", httpx.Response(200, json=body))

    response = microsoft.login(client, alice)

    assert_refused(response, client, PROFILE_UNREADABLE)
    assert logged in assert_logged(logs, microsoft, "graph")


def test_graph_me_of_another_person_than_the_id_token_is_refused(client, microsoft, logs):
    mallory = microsoft.add_user(
        "mallory@contoso.com", extra_graph={"id": "00000000-0000-0000-0000-00000000beef"}
    )

    response = microsoft.login(client, mallory)

    assert_refused(response, client, PROFILE_UNREADABLE)
    assert "oid" in assert_logged(logs, microsoft, "graph")


# -- messages, logs and the failure URL ------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("home", "/"),
        ("/private/?failed=1", "/private/?failed=1"),
        ("https://intranet.example.com/sso-failed", "https://intranet.example.com/sso-failed"),
    ],
)
def test_failure_redirects_to_login_failed_url(client, microsoft, logs, settings, setting, url):
    settings.MICROSOFT_SSO_LOGIN_FAILED_URL = setting

    response = microsoft.deny(start(client)).send(client)

    assert_refused(response, client, CANCELLED, url=url)


def test_failure_page_shows_the_message(client, microsoft):
    response = microsoft.deny(start(client)).send(client)

    page = client.get(response.url)

    assert CANCELLED in page.content.decode()


def test_without_messages_a_failure_shows_none_but_is_logged(client, microsoft, logs, settings):
    settings.MICROSOFT_SSO_ENABLE_MESSAGES = False

    response = microsoft.deny(start(client)).send(client)

    assert response.url == "/admin/login/"
    assert messages_of(response) == []
    assert "_auth_user_id" not in client.session
    assert len(failure_lines(logs)) == 1


def test_without_logs_a_failure_writes_no_log_line(client, microsoft, logs, settings):
    settings.MICROSOFT_SSO_ENABLE_LOGS = False

    response = microsoft.deny(start(client)).send(client)

    assert messages_of(response) == [CANCELLED]
    assert logs == []


def test_callback_refuses_other_methods(client, microsoft):
    assert client.put(CALLBACK).status_code == 405


# -- success -----------------------------------------------------------------------------------


def test_successful_sign_in_logs_the_user_in_and_logs_no_token(client, microsoft, alice, logs):
    tokens = microsoft.issued_tokens

    response = microsoft.login(client, alice, next="/private/")

    assert response.url == "/private/"
    user = get_user_model().objects.get(username="alice@contoso.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert failure_lines(logs) == []
    assert any("succeeded" in line for line in logs)
    assert_no_leak("".join(logs), sensitive_values(microsoft, *tokens_in(tokens)))


def test_session_expiry_is_session_cookie_age(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_SESSION_COOKIE_AGE = 1234

    response = microsoft.login(client, alice)

    assert client.session.get_expiry_age() == 1234
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 1234


def test_session_expiry_defaults_to_an_hour(client, microsoft, alice):
    microsoft.login(client, alice)

    assert client.session.get_expiry_age() == 3600


def test_session_key_changes_at_sign_in(client, microsoft, alice, settings):
    authorize_url = start(client)
    key_before = client.cookies[settings.SESSION_COOKIE_NAME].value

    microsoft.sign_in(authorize_url, alice).send(client)

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != key_before
    assert "_auth_user_id" in client.session


def test_pending_sign_in_is_gone_after_sign_in(client, microsoft, alice):
    authorize_url = start(client)
    assert state_of(authorize_url) in client.session[PENDING_SESSION_KEY]

    microsoft.sign_in(authorize_url, alice).send(client)

    assert client.session.get(PENDING_SESSION_KEY, {}) == {}


# -- logout ------------------------------------------------------------------------------------


def test_logout_refuses_get(client, microsoft, alice):
    microsoft.login(client, alice)

    assert client.get(LOGOUT).status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_logs_out_and_redirects_to_logout_redirect_path(client, microsoft, alice):
    microsoft.login(client, alice)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert "_auth_user_id" not in client.session


def test_logout_says_the_person_has_signed_out(client, microsoft, alice):
    microsoft.login(client, alice)

    response = client.post(LOGOUT)

    assert messages_of(response) == ["You have signed out."]


def test_logout_says_nothing_when_messages_are_off(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_ENABLE_MESSAGES = False
    microsoft.login(client, alice)

    response = client.post(LOGOUT)

    assert messages_of(response) == []


def test_logout_message_is_translated(client, microsoft, alice):
    microsoft.login(client, alice)

    with translation.override("de"):
        response = client.post(LOGOUT)
        shown = messages_of(response)

    assert shown == ["Sie haben sich abgemeldet."]


def test_logout_redirect_path_is_configurable(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_LOGOUT_REDIRECT_PATH = "home"
    microsoft.login(client, alice)

    assert client.post(LOGOUT).url == "/"


def test_single_logout_goes_to_the_tenants_end_session_endpoint(
    client, microsoft, alice, settings
):
    settings.MICROSOFT_SSO_SLO_ENABLED = True
    microsoft.login(client, alice)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    location = urlsplit(response.url)
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}/oauth2/v2.0/logout"
    )
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Fadmin%2F" in location.query
    assert parse_qs(location.query) == {
        "post_logout_redirect_uri": ["http://testserver/admin/"],
        "logout_hint": [login_hint_of(alice)],
    }
    assert "_auth_user_id" not in client.session


def test_single_logout_without_a_microsoft_sign_in_has_no_logout_hint(
    client, microsoft, settings, django_user_model
):
    settings.MICROSOFT_SSO_SLO_ENABLED = True
    client.force_login(django_user_model.objects.create_user("bob"))

    response = client.post(LOGOUT)

    assert parse_qs(urlsplit(response.url).query) == {
        "post_logout_redirect_uri": ["http://testserver/admin/"]
    }


def test_single_logout_when_microsoft_is_unreachable_still_logs_out(
    client, microsoft, alice, settings, logs
):
    settings.MICROSOFT_SSO_SLO_ENABLED = True
    microsoft.login(client, alice)
    microsoft.reset_project()  # a new process: the tenant's metadata must be fetched again
    microsoft.fail("metadata", httpx.ConnectTimeout)

    response = client.post(LOGOUT)

    assert response.url == "/admin/"
    assert "_auth_user_id" not in client.session
    assert any("sign-out skipped" in line for line in logs)


def test_logout_without_csrf_token_is_rejected(microsoft, alice):
    browser = Client(enforce_csrf_checks=True)
    microsoft.login(browser, alice)

    response = browser.post(LOGOUT)

    assert response.status_code == 403
    assert "_auth_user_id" in browser.session


def test_logout_with_csrf_token_is_accepted(microsoft, alice):
    browser = Client(enforce_csrf_checks=True)
    microsoft.login(browser, alice)
    token = "a" * 32
    browser.cookies["csrftoken"] = token

    response = browser.post(LOGOUT, {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "_auth_user_id" not in browser.session


# -- timeouts -------------------------------------------------------------------------------------


def test_graph_timeout_bounds_every_wait_on_microsoft(client, microsoft, alice, settings):
    settings.MICROSOFT_SSO_GRAPH_TIMEOUT = 3

    assert microsoft.login(client, alice).url == "/admin/"

    timeouts = {name: request.extensions["timeout"] for name, request in microsoft.calls}
    assert set(timeouts["batch"].values()) == {3}
    assert set(timeouts["keys"].values()) == {3}
    # msal's own requests (discovery, token) use the pooled client's bound.
    assert max(timeouts["token"].values()) <= 10
