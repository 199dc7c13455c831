"""django_microsoft_sso.rest_framework: what a caller of a DRF API gets, token by token."""

import pytest

pytest.importorskip(
    "rest_framework", reason="Django REST framework is not installed (tox -e drf runs these)"
)

from django.core.exceptions import ImproperlyConfigured

from tests.api_integrations.conftest import (
    APP_ROLE,
    SCOPE,
    UNKNOWN_APP_ID,
    bearer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api_integrations.urls_drf")]


def test_no_token_is_401_with_a_bearer_challenge(api_client):
    response = api_client.get("/scoped/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_for_another_api_is_401_invalid_token_and_never_logged(
    api_client, microsoft, alice, alice_user, logs
):
    token = microsoft.access_token(alice, scopes=[SCOPE], audience="https://graph.microsoft.com")

    response = api_client.get("/scoped/", **bearer(token))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert token not in "\n".join(logs)
    assert token.split(".")[2] not in "\n".join(logs)


def test_garbage_in_the_header_is_401_not_500(api_client, microsoft):
    for header in ("Bearer", "Bearer a b c", "Bearer " + "x" * 100_000, "Bearer \x00"):
        response = api_client.get("/scoped/", HTTP_AUTHORIZATION=header)

        assert response.status_code == 401, header[:20]
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_missing_scope_is_403_insufficient_scope(api_client, microsoft, alice, alice_user):
    token = microsoft.access_token(alice, scopes=["Other.Scope"])

    response = api_client.get("/scoped/", **bearer(token))

    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_a_missing_app_role_is_403_insufficient_scope(api_client, microsoft, daemon):
    token = microsoft.app_token(daemon, roles=["Something.Else"])

    response = api_client.get("/reports/", **bearer(token))

    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


def test_a_person_is_the_django_user_of_her_web_sign_in(api_client, microsoft, alice, alice_user):
    token = microsoft.access_token(alice, scopes=[SCOPE])

    response = api_client.get("/scoped/", **bearer(token))

    assert response.status_code == 200
    assert response.json()["user"] == alice_user.get_username()
    assert response.json()["scopes"] == [SCOPE]


def test_an_app_only_caller_is_anonymous_and_auth_names_the_app(api_client, microsoft, daemon):
    token = microsoft.app_token(daemon, roles=[APP_ROLE])

    response = api_client.get("/reports/", **bearer(token))

    assert response.status_code == 200
    assert response.json() == {"user": None, "app": daemon, "scopes": [], "roles": [APP_ROLE]}


def test_an_app_not_allowed_is_401_invalid_token(api_client, microsoft, daemon):
    token = microsoft.app_token(UNKNOWN_APP_ID, roles=[APP_ROLE])

    response = api_client.get("/reports/", **bearer(token))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_the_session_after_ours_still_works_without_a_bearer_header(microsoft, alice, alice_user):
    from django.test import Client

    browser = Client()
    microsoft.login(browser, alice)

    response = browser.get("/me/")

    assert response.status_code == 200
    assert response.json()["user"] == alice_user.get_username()
    assert response.json()["app"] is None


def test_another_scheme_is_left_to_the_classes_after_ours(api_client, microsoft):
    response = api_client.get("/me/", HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0")

    # Nobody authenticated: the first class's challenge, ours.
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_view_without_required_scopes_is_a_configuration_error(
    api_client, microsoft, alice, alice_user
):
    token = microsoft.access_token(alice, scopes=[SCOPE])

    with pytest.raises(ImproperlyConfigured, match="required_scopes"):
        api_client.get("/forgetful/", **bearer(token))
