"""``on_behalf_of``: a token for a downstream API for the API's caller, kept until it expires."""

from __future__ import annotations

import time

import httpx
import pytest
from django.http import JsonResponse
from django.test import Client

from django_microsoft_sso.api import microsoft_token_required, on_behalf_of
from django_microsoft_sso.testing.wire import aad_error
from tests.test_api import body, call

pytestmark = pytest.mark.django_db

GRAPH = ["https://graph.microsoft.com/User.Read"]


@microsoft_token_required
def downstream(request):
    return JsonResponse({"token": on_behalf_of(request, GRAPH)})


@pytest.fixture
def signed_in(microsoft, alice):
    microsoft.login(Client(), alice)
    return alice


def obo_requests(microsoft):
    return [
        request
        for name, request in microsoft.calls
        if name == "token" and b"on_behalf_of" in request.content
    ]


def test_the_caller_gets_a_token_for_the_downstream_api(microsoft, signed_in):
    response = call(downstream, microsoft.access_token(signed_in))

    assert response.status_code == 200
    assert body(response)["token"] == microsoft.issued_tokens[-1]["access_token"]
    assert len(obo_requests(microsoft)) == 1


def test_the_token_is_kept_for_the_next_calls_with_the_same_token(microsoft, signed_in):
    token = microsoft.access_token(signed_in)

    first, second = call(downstream, token), call(downstream, token)

    assert body(first)["token"] == body(second)["token"]
    assert len(obo_requests(microsoft)) == 1


def test_another_callers_token_gets_its_own(microsoft, signed_in):
    first = call(downstream, microsoft.access_token(signed_in))
    second = call(downstream, microsoft.access_token(signed_in))

    assert body(first)["token"] != body(second)["token"]
    assert len(obo_requests(microsoft)) == 2


def test_an_expired_token_is_asked_for_again(microsoft, signed_in, monkeypatch):
    token = microsoft.access_token(signed_in, exp=int(time.time()) + 7200)
    first = call(downstream, token)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)

    second = call(downstream, token)

    assert body(first)["token"] != body(second)["token"]
    assert len(obo_requests(microsoft)) == 2


def test_microsoft_unreachable_is_a_503(microsoft, signed_in):
    call(downstream, microsoft.access_token(signed_in, scopes=["warm"]))  # msal built, keys in
    microsoft.fail("token", httpx.ConnectTimeout)

    response = call(downstream, microsoft.access_token(signed_in))

    assert response.status_code == 503


def test_microsoft_refusing_is_a_502(microsoft, signed_in):
    microsoft.fail(
        "token",
        aad_error(400, "invalid_grant", "AADSTS65001: The user has not consented.", 65001),
    )

    response = call(downstream, microsoft.access_token(signed_in))

    assert response.status_code == 502
    assert body(response) == {"error": "downstream_token_unavailable"}


def test_microsoft_throttling_is_a_503(microsoft, signed_in):
    call(downstream, microsoft.access_token(signed_in, scopes=["warm"]))
    microsoft.fail("token", httpx.Response(429, headers={"Retry-After": "30"}))

    response = call(downstream, microsoft.access_token(signed_in))

    assert response.status_code == 503


def test_an_app_only_caller_has_no_one_to_act_for(microsoft, settings):
    settings.MICROSOFT_SSO_API_ALLOWED_CLIENT_APPS = ["0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e"]
    token = microsoft.app_token("0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e", ["Reports.Read.All"])

    response = call(downstream, token)

    assert response.status_code == 502
    assert not obo_requests(microsoft)


def test_no_token_is_in_a_log_line(microsoft, signed_in, logs):
    token = microsoft.access_token(signed_in)
    microsoft.fail("token", aad_error(400, "invalid_grant", "AADSTS50013: bad.", 50013))

    call(downstream, token)

    assert any("On-behalf-of token refused" in line for line in logs)
    assert not any(token.rsplit(".", 1)[1] in line for line in logs)
