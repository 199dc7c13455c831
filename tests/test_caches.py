"""What a process keeps follows the settings: a test that changes one needs no reset of its own."""

import httpx
import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages

from django_microsoft_sso import client as msal_client
from django_microsoft_sso.caches import reset_process_caches
from django_microsoft_sso.conf import Settings

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Microsoft could not be reached. Please try again in a moment."
proxied: list[str] = []


def refusing_proxy() -> httpx.BaseTransport:
    """A ``MICROSOFT_SSO_HTTP_TRANSPORT``: a proxy that lets nothing through."""

    def refuse(request: httpx.Request) -> httpx.Response:
        proxied.append(request.url.host)
        raise httpx.ConnectError("the proxy refused", request=request)

    return httpx.MockTransport(refuse)


def test_a_new_transport_carries_the_very_next_request(client, microsoft, alice, settings):
    microsoft.login(client, alice)  # the pooled client is built, with the default transport
    client.logout()
    proxied.clear()

    settings.MICROSOFT_SSO_HTTP_TRANSPORT = "tests.test_caches.refusing_proxy"
    response = microsoft.login(client, alice)

    assert response.url == "/admin/login/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [UNAVAILABLE]
    assert SESSION_KEY not in client.session
    assert proxied == ["login.microsoftonline.com"]


def test_a_new_client_secret_is_sent_at_once(client, microsoft, alice, settings):
    microsoft.login(client, alice)
    client.logout()
    microsoft.client_secret = "a-rotated-secret"

    settings.MICROSOFT_SSO_CLIENT_SECRET = "a-rotated-secret"

    assert microsoft.login(client, alice).url == "/admin/"


def test_a_setting_read_at_each_request_keeps_the_msal_application(microsoft, settings):
    app = msal_client.msal_app(Settings())

    settings.MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA = True
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "tests.project.hooks_for_tests.record_login"

    assert msal_client.msal_app(Settings()) is app


def test_after_a_reset_the_process_asks_microsoft_again_or_djangos_cache(client, microsoft, alice):
    microsoft.login(client, alice)
    client.logout()
    before = microsoft.count("metadata"), microsoft.count("keys")

    reset_process_caches()
    assert microsoft.login(client, alice).url == "/admin/"

    # Django's cache still holds the metadata and keys: a new worker finds them there.
    assert (microsoft.count("metadata"), microsoft.count("keys")) == before
