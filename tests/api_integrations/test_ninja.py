"""django_microsoft_sso.ninja: what a caller of a django-ninja API gets, token by token."""

import pytest

pytest.importorskip("ninja", reason="django-ninja is not installed (tox -e ninja runs these)")

from tests.api_integrations.conftest import (
    APP_ROLE,
    SCOPE,
    UNKNOWN_APP_ID,
    bearer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api_integrations.urls_ninja")]


def test_no_token_is_401_with_a_bearer_challenge(api_client):
    response = api_client.get("/ninja/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_another_scheme_is_401_with_a_bearer_challenge(api_client):
    response = api_client.get("/ninja/me", HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_for_another_api_is_401_invalid_token_and_never_logged(
    api_client, microsoft, alice, alice_user, logs
):
    token = microsoft.access_token(alice, scopes=[SCOPE], audience="https://graph.microsoft.com")

    response = api_client.get("/ninja/me", **bearer(token))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert token.split(".")[2] not in "\n".join(logs)


def test_garbage_in_the_header_is_401_not_500(api_client, microsoft):
    for header in ("Bearer", "Bearer a b c", "Bearer " + "x" * 100_000):
        response = api_client.get("/ninja/me", HTTP_AUTHORIZATION=header)

        assert response.status_code == 401, header[:20]
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_missing_scope_is_403_insufficient_scope(api_client, microsoft, alice, alice_user):
    token = microsoft.access_token(alice, scopes=["Other.Scope"])

    response = api_client.get("/ninja/scoped", **bearer(token))

    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_a_missing_app_role_is_403_insufficient_scope(api_client, microsoft, daemon):
    token = microsoft.app_token(daemon, roles=["Something.Else"])

    response = api_client.get("/ninja/reports", **bearer(token))

    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_a_person_is_the_django_user_of_her_web_sign_in(api_client, microsoft, alice, alice_user):
    token = microsoft.access_token(alice, scopes=[SCOPE])

    response = api_client.get("/ninja/scoped", **bearer(token))

    assert response.status_code == 200
    assert response.json()["user"] == alice_user.get_username()
    assert response.json()["scopes"] == [SCOPE]


def test_an_app_only_caller_is_anonymous_and_auth_names_the_app(api_client, microsoft, daemon):
    token = microsoft.app_token(daemon, roles=[APP_ROLE])

    # An async operation: the auth runs in a thread, as ninja runs sync auths there.
    response = api_client.get("/ninja/reports", **bearer(token))

    assert response.status_code == 200
    assert response.json() == {"user": None, "app": daemon, "scopes": [], "roles": [APP_ROLE]}


def test_an_app_not_allowed_is_401_invalid_token(api_client, microsoft, daemon):
    token = microsoft.app_token(UNKNOWN_APP_ID, roles=[APP_ROLE])

    response = api_client.get("/ninja/reports", **bearer(token))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_without_the_error_handlers_the_statuses_stay_but_not_the_header(
    api_client, microsoft, alice, alice_user
):
    forbidden = api_client.get(
        "/bare/scoped", **bearer(microsoft.access_token(alice, scopes=["Other.Scope"]))
    )
    missing = api_client.get("/bare/scoped")

    assert (forbidden.status_code, missing.status_code) == (403, 401)
    assert "WWW-Authenticate" not in forbidden
    assert forbidden.json()["detail"]
