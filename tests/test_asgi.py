"""The package under ASGI: the middleware keeps the chain async, the blocking work (the session,
msal, the database) runs in threads, and ``aget_access_token`` serves async views.

Requests go through Django's ``AsyncClient`` (the ASGI handler) with the fake Microsoft; a test
that serves the example under uvicorn is in tests/test_asgi_served.py.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import AsyncClient
from django.urls import path

import django_microsoft_sso
from django_microsoft_sso import sessions
from django_microsoft_sso.middleware import SessionFollowsTokenMiddleware
from tests.project.urls import urlpatterns as project_urlpatterns
from tests.test_sessions import MIDDLEWARE, age_session

pytestmark = pytest.mark.django_db


async def async_token_view(request: HttpRequest) -> JsonResponse:
    """A project's async view that calls Graph on the person's behalf."""
    return JsonResponse({"token": await django_microsoft_sso.aget_access_token(request)})


urlpatterns = [path("atoken/", async_token_view), *project_urlpatterns]


@pytest.fixture
def asgi_project(settings):
    settings.ROOT_URLCONF = "tests.test_asgi"
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    settings.MICROSOFT_SSO_SESSION_FOLLOWS_TOKEN = True
    settings.MICROSOFT_SSO_SESSION_CHECK_MINUTES = 15
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def sign_in_async(aclient, microsoft, person, next_url="/private/"):
    """A whole sign-in through the ASGI handler: the start, Microsoft's answer, the callback."""

    async def run():
        start = await aclient.get("/microsoft_sso/login/", {"next": next_url})
        assert start.status_code == 302
        answer = microsoft.sign_in(start["Location"], person)
        if answer.method == "POST":
            return await aclient.post(answer.path, answer.params)
        return await aclient.get(answer.path, answer.params)

    return async_to_sync(run)()


def get(aclient, url):
    return async_to_sync(aclient.get)(url)


def test_the_middleware_is_async_in_an_async_chain_and_sync_in_a_sync_one():
    async def async_view(request):
        return HttpResponse()

    assert SessionFollowsTokenMiddleware.sync_capable
    assert SessionFollowsTokenMiddleware.async_capable
    assert asyncio.iscoroutinefunction(SessionFollowsTokenMiddleware(async_view))
    assert not asyncio.iscoroutinefunction(SessionFollowsTokenMiddleware(lambda r: HttpResponse()))


def test_a_sign_in_under_asgi_lands_on_next_with_the_session(microsoft, alice, asgi_project):
    aclient = AsyncClient()

    response = sign_in_async(aclient, microsoft, alice)

    assert response.status_code == 302
    assert response["Location"] == "/private/"
    page = get(aclient, "/private/")
    assert page.status_code == 200
    assert aclient.session[SESSION_KEY]


def test_under_asgi_a_session_microsoft_revoked_ends(microsoft, alice, asgi_project):
    aclient = AsyncClient()
    sign_in_async(aclient, microsoft, alice)
    microsoft.revoke(alice)
    age_session(aclient, sessions.CHECKED_SESSION_KEY, 16 * 60)

    response = get(aclient, "/private/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/private/"
    assert SESSION_KEY not in aclient.session


def test_aget_access_token_gives_the_token_and_refreshes_an_expired_one(
    microsoft, alice, asgi_project
):
    aclient = AsyncClient()
    sign_in_async(aclient, microsoft, alice)
    first = get(aclient, "/atoken/").json()["token"]
    assert first == microsoft.issued_tokens[-1]["access_token"]
    age_session(aclient, sessions.EXPIRES_SESSION_KEY, 3600)

    fresh = get(aclient, "/atoken/").json()["token"]

    assert fresh == microsoft.issued_tokens[-1]["access_token"]
    assert fresh != first


def test_aget_access_token_is_none_when_microsoft_refuses(microsoft, alice, asgi_project):
    aclient = AsyncClient()
    sign_in_async(aclient, microsoft, alice)
    microsoft.revoke(alice)
    age_session(aclient, sessions.EXPIRES_SESSION_KEY, 3600)

    assert get(aclient, "/atoken/").json()["token"] is None
