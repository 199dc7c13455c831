"""Headers: a spoofed ``Host``, ``X-Forwarded-Host``, ``X-Forwarded-Proto`` or ``Forwarded`` never
changes the redirect URI. Django's ``ALLOWED_HOSTS``, ``USE_X_FORWARDED_HOST`` and
``SECURE_PROXY_SSL_HEADER`` decide, as for the rest of the site.

tests/test_start.py already proves that untrusted forwarded headers are ignored at the start,
that ``SECURE_PROXY_SSL_HEADER`` is honoured, and that ``CALLBACK_DOMAIN`` and the current
``Site`` win over the request's host.
"""

from urllib.parse import parse_qs

import pytest

from tests.helpers import START, assert_signed_in, query_of, start
from tests.security.conftest import CALLBACK

pytestmark = pytest.mark.django_db

REDIRECT_URI = "http://testserver/microsoft_sso/callback/"


def redirect_uri_redeemed(microsoft):
    [(_, request)] = [(name, request) for name, request in microsoft.calls if name == "token"]
    return parse_qs(request.content.decode())["redirect_uri"][0]


@pytest.mark.parametrize("view", [START, CALLBACK])
@pytest.mark.parametrize("host", ["evil.example", "testserver.evil.example", "testserver:80@evil"])
def test_a_host_that_is_not_allowed_is_a_bad_request(client, microsoft, view, host):
    response = client.get(view, HTTP_HOST=host)

    assert response.status_code == 400
    assert microsoft.count() == 0


def test_a_forwarded_host_that_is_trusted_but_not_allowed_is_a_bad_request(
    client, microsoft, settings
):
    settings.USE_X_FORWARDED_HOST = True

    response = client.get(START, HTTP_X_FORWARDED_HOST="evil.example")

    assert response.status_code == 400
    assert microsoft.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_FORWARDED_HOST": "evil.example"},
        {"HTTP_X_FORWARDED_PROTO": "https"},
        {"HTTP_X_FORWARDED_HOST": "app.example.com", "HTTP_X_FORWARDED_PROTO": "https"},
        {"HTTP_FORWARDED": "for=1.2.3.4;host=evil.example;proto=https"},
        {"HTTP_X_FORWARDED_SERVER": "evil.example", "HTTP_X_ORIGINAL_HOST": "evil.example"},
    ],
    ids=["x-forwarded-host", "x-forwarded-proto", "both", "forwarded", "other-names"],
)
def test_spoofed_forwarded_headers_change_neither_redirect_uri(client, microsoft, alice, headers):
    authorize_url = client.get(START, **headers).url
    assert query_of(authorize_url)["redirect_uri"] == REDIRECT_URI
    answer = microsoft.sign_in(authorize_url, alice)

    response = answer.send(client, **headers)

    assert_signed_in(response, client)
    assert redirect_uri_redeemed(microsoft) == REDIRECT_URI


def test_the_callback_redeems_with_the_redirect_uri_the_sign_in_started_with(
    client, microsoft, alice
):
    """A callback that arrives under another (allowed) host name changes nothing at Microsoft."""
    answer = microsoft.sign_in(start(client), alice)

    response = answer.send(client, HTTP_HOST="app.example.com")

    assert response.status_code == 302
    assert redirect_uri_redeemed(microsoft) == REDIRECT_URI


def test_forwarded_proto_counts_only_through_secure_proxy_ssl_header(client, microsoft, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = client.get(START, HTTP_X_FORWARDED_PROTO="http")
    other_header = client.get(START, HTTP_X_FORWARDED_SCHEME="https")

    assert query_of(plain.url)["redirect_uri"] == REDIRECT_URI
    assert query_of(other_header.url)["redirect_uri"] == REDIRECT_URI
