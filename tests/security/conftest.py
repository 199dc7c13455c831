"""What every test of the attack-and-fault suite shares: a fake Microsoft whose client secret is
shaped like a real one (so that a leak of any part of it shows), the messages a person is shown,
and whether a redirect stays on the site. The checks of what a person and the log see are
tests/helpers.py.
"""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

CALLBACK = reverse("django_microsoft_sso:oauth_callback")
LOGOUT = reverse("django_microsoft_sso:oauth_logout")

STATE_REFUSED = "Your sign-in session expired or is invalid. Please sign in again."
TOKEN_REFUSED = "Microsoft refused the sign-in. Please try again."
UNAVAILABLE = "Microsoft could not be reached. Please try again in a moment."
PROFILE_UNREADABLE = "Your Microsoft profile could not be read. Please try again."
NOT_VERIFIED = "The sign-in could not be verified. Please try again."
NOT_COMPLETED = "Your sign-in could not be completed. Please contact your administrator."
NOT_CONFIGURED = (
    "Sign in with Microsoft is not configured correctly. Please contact your administrator."
)
TENANT_REFUSED = "Accounts of your organization are not allowed to sign in here."
DISABLED = "Sign in with Microsoft is not enabled."

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL and threads with their own connections: tox -e services",
)


@pytest.fixture
def microsoft(microsoft_with_a_real_looking_secret):
    return microsoft_with_a_real_looking_secret


def lands_on_site(location, host="testserver"):
    """Whether a browser that follows ``location`` stays on ``host``.

    Stricter than Django's check: no control character, space or backslash anywhere before the
    path (browsers drop or rewrite those), and a relative URL must be a plain absolute path.
    """
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in location):
        return False
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return (
            parts.scheme in ("", "http", "https")
            and parts.netloc == host
            and url_has_allowed_host_and_scheme(location, allowed_hosts={host})
        )
    return (
        location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(location, allowed_hosts={host})
    )
