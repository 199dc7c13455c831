"""Redirects: whatever ``next`` says, a sign-in ends on this site, and a path that only becomes
the admin once it is decoded does not slip past ``MICROSOFT_SSO_ADMIN_ENABLED = False``.

tests/test_start.py already refuses absolute URLs to another host, ``//host``, ``///host``,
``/\\host``, ``\\\\host``, ``https:host``, ``javascript:``, a newline, a NUL, a right-to-left
override and a 2 kB query, and ``/%61dmin/``, ``/x/../admin/``, ``/./admin/`` into a disabled
admin. These add the rest of the usual tricks, and check every landing with a browser's eyes
(``lands_on_site``).
"""

import pytest

from tests.helpers import START, assert_signed_in, messages_of, start
from tests.security.conftest import DISABLED, lands_on_site

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "HTTPS://EVIL.EXAMPLE/",
    "https://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "http://testserver.evil.example/",
    "http://evil.example:80/",
    "////evil.example/",
    "/\\/evil.example/",
    "\\/evil.example/",
    "/\\\\evil.example/",
    "http:/\\evil.example/",
    "https:\\\\evil.example/",
    "http:evil.example",
    " //evil.example/",
    "\t//evil.example/",
    "/\t/evil.example/",
    "\x01//evil.example/",
    "//evil.example%2F@testserver/",
    "%2F%2Fevil.example/",
    "/%2F/evil.example/",
    "%5C%5Cevil.example/",
    "%2f%2fevil.example",
    "https%3A%2F%2Fevil.example%2F",
    "java\nscript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "javascript://testserver/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://evil.example/",
    "mailto:evil@evil.example",
    "//evil.example\\@testserver/",
    "/\u3002evil.example",  # ideographic full stop
    "//evil\u3002example/",
    "/private/" + "a" * 5000,
    "/" + "%2e" * 2000,
    "//",
    "//?next=/private/",
    "\\\\",
    "A://[",
    "//[::1",
]


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_a_sign_in_never_lands_off_site(client, microsoft, alice, settings, next_url):
    settings.MICROSOFT_SSO_NEXT_URL = "/private/"

    response = microsoft.login(client, alice, next=next_url)

    assert response.status_code == 302
    assert lands_on_site(response["Location"]), response["Location"]
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "next_url",
    [
        "/private/%2e%2e/admin/",
        "/private/..%2fadmin/",
        "/private/..%5cadmin/",
        "/private/%2E%2E%2Fadmin%2F",
        "\\admin\\",
        "//admin/",  # scheme-relative to a host "admin": off site, so NEXT_URL (the admin)
        "/admin/../admin/",
        "/./x/./../admin/auth/",
        "/admin/%0d%0a",
        "/admin/?next=/private/",
        "/admin/#/private/",
        "http://testserver/private/../admin/",
    ],
)
def test_a_path_that_normalises_into_the_admin_is_refused_when_admin_is_disabled(
    client, microsoft, settings, next_url
):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = False

    response = client.get(START, {"next": next_url})

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert messages_of(response) == [DISABLED]
    assert microsoft.count() == 0


@pytest.mark.parametrize("next_url", ["/administrator/", "/private/admin/", "/?next=/admin/"])
def test_paths_that_only_look_like_the_admin_still_sign_in_when_admin_is_disabled(
    client, microsoft, alice, settings, next_url
):
    settings.MICROSOFT_SSO_ADMIN_ENABLED = False

    response = microsoft.login(client, alice, next=next_url)

    assert_signed_in(response, client, url=next_url)


def test_admin_switched_off_during_a_sign_in_into_the_admin_is_refused(
    client, microsoft, alice, settings
):
    authorize_url = start(client, next="/admin/auth/user/")
    settings.MICROSOFT_SSO_ADMIN_ENABLED = False

    response = microsoft.sign_in(authorize_url, alice).send(client)

    assert response.url == "/admin/login/"
    assert messages_of(response) == [DISABLED]
    assert "_auth_user_id" not in client.session
    assert microsoft.count("token") == 0


def test_next_is_checked_again_against_the_host_of_the_callback(client, microsoft, alice):
    """A sign-in started on one allowed host and finished on another lands on the finishing one."""
    started = client.get(
        START, {"next": "http://app.example.com/private/"}, HTTP_HOST="app.example.com"
    )
    answer = microsoft.sign_in(started.url, alice)
    assert answer.redirect_uri == "http://app.example.com/microsoft_sso/callback/"

    response = answer.send(client, HTTP_HOST="localhost")

    assert response.status_code == 302
    assert response.url == "/"
    assert "_auth_user_id" in client.session
