"""What many test modules check the same way: what a person sees after a sign-in (the redirect,
the messages, the session, the rows) and what must never reach a log.
"""

import base64
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from django_microsoft_sso.models import MicrosoftSSOUser

START = reverse("django_microsoft_sso:oauth_start_login")
FAILED_URL = "/admin/login/"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def start(client, **params):
    """Start a sign-in in ``client``; return the authorize URL it was sent to."""
    response = client.get(START, params)
    assert response.status_code == 302, response
    return response.url


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def login_hint_of(user):
    """The ``login_hint`` claim the fake Microsoft gives ``user``'s id_tokens."""
    raw = f"{user.object_id}@{user.tenant_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def state_of(authorize_url):
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def signed_in_user(client):
    """The user ``client`` is signed in as, or None."""
    user_id = client.session.get(SESSION_KEY)
    return get_user_model().objects.get(pk=user_id) if user_id else None


def signed_in(response):
    """The user a sign-in that landed on the admin index signed in."""
    assert response.status_code == 302
    assert response.url == reverse("admin:index"), messages_of(response)
    return get_user_model().objects.get(pk=response.wsgi_request.session[SESSION_KEY])


def assert_signed_in(response, client, url="/admin/"):
    assert response.status_code == 302
    assert response.url == url, messages_of(response)
    assert SESSION_KEY in client.session


def assert_refused(response, client, message, *, url=FAILED_URL):
    """A refused sign-in: the failure page, exactly this message, nobody signed in, no rows."""
    assert response.status_code == 302
    assert response.url == url
    assert messages_of(response) == [message]
    assert SESSION_KEY not in client.session
    assert not get_user_model().objects.exists()
    assert not MicrosoftSSOUser.objects.exists()


def assert_sent_back_to_login(response, message):
    """A refused sign-in of a person who may have an account already: the admin login page,
    ``message`` among the messages, nobody signed in."""
    assert response.status_code == 302
    assert response.url == reverse("admin:login")
    assert message in messages_of(response)
    assert SESSION_KEY not in response.wsgi_request.session


def failure_lines(logs):
    return [line for line in logs if "Microsoft sign-in failed" in line]


def tokens_in(answers):
    return [
        answer[name]
        for answer in answers
        for name in ("access_token", "refresh_token", "id_token")
        if name in answer
    ]


def sensitive_values(microsoft, *extra):
    """The client secret, and every code, verifier and bearer token this test's sign-ins sent."""
    values = [microsoft.client_secret, *extra]
    for name, request in microsoft.calls + microsoft.batch_calls:
        if name == "token":
            form = parse_qs(request.content.decode())
            for field in ("code", "code_verifier", "client_secret"):
                values += form.get(field, [])
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            values.append(authorization.removeprefix("Bearer "))
    return [value for value in values if value]


def assert_no_leak(text, values, window=6):
    """``text`` holds none of ``values``, nor any ``window`` characters in a row of one."""
    for value in values:
        for at in range(max(len(value) - window + 1, 1)):
            fragment = value[at : at + window]
            assert fragment not in text, f"{fragment!r} of a secret, code or token leaked"
