"""Fixtures for 7.1.1's own tests, run against this package by scripts/test-7x-contract.

The script copies the 7.1.1 test modules it selects into a temporary directory, and this file
there as their ``conftest.py`` in place of 7.1.1's. Each fixture keeps the name and the meaning of 7.1.1's, built on this package's
fake Microsoft instead of 7.x's internals:

* ``client_with_session`` is a browser that started a sign-in to ``/secret/`` (7.x's tests put
  7.x's internal state in the session for that); ``callback_url`` is Microsoft's answer to it.
* 7.x's tests post the callback with the placeholders ``code=12345`` and ``state=foo`` after
  putting the pending sign-in in the cache in 7.x's layout. ``client`` starts a real form_post
  sign-in at that moment and sends Microsoft's real code and state for those placeholders; the
  same placeholders again send the same answer again (a replay).
* 7.x's tests patch ``django_microsoft_sso.main.MicrosoftAuth``, a class of 7.x's internals.
  A stand-in with those attribute names lets them import and patch it; patching it changes
  nothing here: the fake Microsoft answers.
"""

import sys
import types
from copy import deepcopy
from urllib.parse import quote, urlencode

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sites.models import Site
from django.test import AsyncClient, Client
from django.urls import reverse

SECRET_PATH = "/secret/"
PLACEHOLDER_CODE = "12345"
PLACEHOLDER_STATE = "foo"
CALLBACK_PATH = "/microsoft_sso/callback/"


class MicrosoftAuth:
    """Stand-in for 7.x's internal class, which 7.x's tests patch (to no effect here)."""

    auth = None
    get_user_info = None


_main = types.ModuleType("django_microsoft_sso.main")
_main.MicrosoftAuth = MicrosoftAuth  # type: ignore[attr-defined]
sys.modules.setdefault("django_microsoft_sso.main", _main)
# 7.x's tests import SECRET_PATH from their conftest's dotted name.
sys.modules.setdefault(
    "django_microsoft_sso.tests", types.ModuleType("django_microsoft_sso.tests")
)
sys.modules.setdefault("django_microsoft_sso.tests.conftest", sys.modules[__name__])


MICROSOFT_RESPONSE = {
    "displayName": "Clark Kent",
    "givenName": "Clark",
    "mail": "kalel@dailyplanet.com",
    "preferredLanguage": "en-US",
    "surname": "Kent",
    "userPrincipalName": "kalel@dailyplanet.com",
}


@pytest.fixture(autouse=True)
def fake_microsoft(microsoft):
    """Every test talks to the fake Microsoft (7.x's tests mocked msal and Graph instead)."""
    return microsoft


@pytest.fixture
def microsoft_response():
    """Graph's ``/me`` of the person who signs in (7.x's fixture), as the fake answers it."""
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity"} | {
        **MICROSOFT_RESPONSE,
        "businessPhones": [],
        "jobTitle": None,
        "mobilePhone": None,
        "officeLocation": None,
    }


@pytest.fixture
def microsoft_response_update(microsoft_response):
    return {**microsoft_response, "displayName": "Bruce Wayne", "givenName": "Bruce"}


@pytest.fixture
def person(microsoft, microsoft_response):
    return microsoft.add_user(
        microsoft_response["userPrincipalName"],
        mail=microsoft_response["mail"],
        given_name=microsoft_response["givenName"],
        surname=microsoft_response["surname"],
        display_name=microsoft_response["displayName"],
        preferred_language=microsoft_response["preferredLanguage"],
    )


class ContractClient(Client):
    """A test client that sends Microsoft's real answer for 7.x's placeholder code and state."""

    def __init__(self, microsoft, person, **defaults):
        super().__init__(**defaults)
        self.microsoft = microsoft
        self.person = person
        self.answers = {}

    def form_post_answer(self):
        # Started in this browser over https: version 8 ties a form_post sign-in to the browser
        # that started it with a Secure cookie, and refuses one over plain http (but with DEBUG).
        # The cookie is not the session's: the callback still arrives without a session.
        if "form_post" not in self.answers:
            start = self.get(reverse("django_microsoft_sso:oauth_start_login"), secure=True)
            self.answers["form_post"] = self.microsoft.sign_in(start["Location"], self.person)
        return self.answers["form_post"]

    def post(self, path, data=None, *args, **kwargs):
        from django.conf import settings

        placeholders = {"code": PLACEHOLDER_CODE, "state": PLACEHOLDER_STATE}
        if (
            path == CALLBACK_PATH
            and isinstance(data, dict)
            and placeholders.items() <= data.items()
            and getattr(settings, "MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK", False)
        ):
            data = {**data, **self.form_post_answer().params}
            kwargs["secure"] = True
        return super().post(path, data, *args, **kwargs)


@pytest.fixture
def client(microsoft, person):
    return ContractClient(microsoft, person)


@pytest.fixture
def query_string():
    return urlencode(
        {"code": PLACEHOLDER_CODE, "state": PLACEHOLDER_STATE, "scope": "User.ReadBasic.All"},
        quote_via=quote,
    )


def request_with_session(request):
    SessionMiddleware(get_response=lambda req: None).process_request(request)
    request.session.save()
    request._messages = FallbackStorage(request)
    return request


@pytest.fixture
def callback_request(rf, query_string):
    return request_with_session(rf.get(f"{CALLBACK_PATH}?{query_string}"))


@pytest.fixture
def callback_request_from_reverse_proxy(rf, query_string):
    return request_with_session(
        rf.get(f"{CALLBACK_PATH}?{query_string}", HTTP_X_FORWARDED_PROTO="https")
    )


@pytest.fixture
def callback_request_with_state(callback_request):
    return deepcopy(callback_request)


@pytest.fixture
def client_with_session(client, settings, microsoft, person):
    """A browser that started a sign-in landing on ``/secret/``."""
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["example.com"]
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = "django_microsoft_sso.hooks.pre_login_user"
    settings.MICROSOFT_SSO_PRE_CREATE_CALLBACK = "django_microsoft_sso.hooks.pre_create_user"
    settings.MICROSOFT_SSO_PRE_VALIDATE_CALLBACK = "django_microsoft_sso.hooks.pre_validate_user"
    settings.ALLOWED_HOSTS = ["testserver", "site.com", "other-site.com"]
    start = client.get(reverse("django_microsoft_sso:oauth_start_login"), {"next": SECRET_PATH})
    client.answers["query"] = microsoft.sign_in(start["Location"], person)
    return client


@pytest.fixture
def aclient_with_session(client_with_session, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    async_client = AsyncClient()
    async_client.cookies.update(client_with_session.cookies)
    return async_client


@pytest.fixture
def callback_url(client_with_session):
    """Microsoft's answer to the sign-in ``client_with_session`` started."""
    answer = client_with_session.answers["query"]
    return f"{reverse('django_microsoft_sso:oauth_callback')}?{urlencode(answer.params)}"


@pytest.fixture
def default_site(settings):
    site, _ = Site.objects.update_or_create(
        id=1, defaults={"domain": "site.com", "name": "Default Site"}
    )
    settings.SITE_ID = site.id
    return site


@pytest.fixture
def other_site(settings):
    site, _ = Site.objects.get_or_create(domain="other-site.com", defaults={"name": "Other Site"})
    settings.SITE_ID = None
    return site
