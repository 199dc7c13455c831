"""Step-up: the admin, and views a project chooses, only with a strong sign-in.

Everything goes through the views and the fake Microsoft, which gives ``acrs`` and ``amr`` as the
authorize request asked (``MicrosoftUser.mfa`` says whether the person can complete MFA).
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_microsoft_sso import stepup
from django_microsoft_sso.decorators import strong_sign_in_required
from tests.project.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db

MIDDLEWARE = "django_microsoft_sso.middleware.StrongSignInForAdminMiddleware"
START = "/microsoft_sso/login/"


@strong_sign_in_required(auth_context="c2")
def payroll(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"payroll of {request.user}")


@strong_sign_in_required
def keys(request: HttpRequest) -> HttpResponse:
    return HttpResponse("keys")


@strong_sign_in_required(mfa=True, max_age=600)
def recent(request: HttpRequest) -> HttpResponse:
    return HttpResponse("recent")


urlpatterns = [
    path("payroll/", payroll),
    path("keys/", keys),
    path("recent/", recent),
    *project_urlpatterns,
]


@pytest.fixture
def guarded(settings):
    settings.ROOT_URLCONF = "tests.test_step_up"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    settings.MICROSOFT_SSO_STAFF_LIST = ["alice@contoso.com"]
    settings.MICROSOFT_SSO_SUPERUSER_LIST = ["alice@contoso.com"]


@pytest.fixture
def admin_context(settings, guarded):
    settings.MICROSOFT_SSO_ADMIN_AUTH_CONTEXT = "c1"


@pytest.fixture
def admin_mfa(settings, guarded):
    settings.MICROSOFT_SSO_ADMIN_REQUIRE_MFA = True


def authorize_query(client, start_url):
    """The query of the authorize URL the start view sends the browser to."""
    location = client.get(start_url)["Location"]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def step_up(client, microsoft, person, start_url, **options):
    """Run the step-up sign-in the guard started; return the callback's response."""
    return microsoft.login(client, person, start_url=start_url, **options)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# -- the admin with an authentication context ------------------------------------------------------


def test_admin_sends_a_sign_in_without_the_context_to_microsoft_with_the_claims_request(
    client, microsoft, alice, admin_context
):
    microsoft.login(client, alice)

    response = client.get("/admin/auth/user/?o=1")

    assert response.status_code == 302
    start_url = response["Location"]
    assert urlsplit(start_url).path == START
    assert parse_qs(urlsplit(start_url).query) == {
        "next": ["/admin/auth/user/?o=1"],
        "step_up": ["c1"],
    }
    query = authorize_query(client, start_url)
    assert json.loads(query["claims"]) == {
        "id_token": {"acrs": {"essential": True, "value": "c1"}}
    }
    assert "prompt" not in query


def test_the_step_up_comes_back_to_the_admin_page_it_wanted_and_goes_in(
    client, microsoft, alice, admin_context
):
    microsoft.login(client, alice)
    start_url = client.get("/admin/auth/user/?o=1")["Location"]

    callback = step_up(client, microsoft, alice, start_url)

    assert callback.status_code == 302
    assert callback["Location"] == "/admin/auth/user/?o=1"
    assert client.get("/admin/auth/user/?o=1").status_code == 200


def test_a_sign_in_that_carries_the_context_goes_straight_in(
    client, microsoft, alice, admin_context
):
    microsoft.login(client, alice, id_token_claims={"acrs": ["c1", "c3"]})

    assert client.get("/admin/").status_code == 200


def test_another_context_is_not_enough(client, microsoft, alice, admin_context):
    microsoft.login(client, alice, id_token_claims={"acrs": ["c2"], "amr": ["pwd", "mfa"]})

    assert client.get("/admin/").status_code == 302


def test_a_person_who_signed_in_with_a_password_is_sent_to_microsoft(client, admin_context):
    staff = get_user_model().objects.create_user("sam", password="pw-for-tests", is_staff=True)
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["step_up"] == ["c1"]


def test_people_who_are_not_staff_get_the_admin_login_page_as_always(client, admin_context):
    get_user_model().objects.create_user("pat", password="pw-for-tests")
    client.login(username="pat", password="pw-for-tests")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_logout_stays_open(client, microsoft, alice, admin_context):
    microsoft.login(client, alice)

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_without_the_settings_the_admin_asks_for_nothing_more(client, microsoft, alice, guarded):
    microsoft.login(client, alice)

    assert client.get("/admin/").status_code == 200


# -- the admin with multi-factor authentication ----------------------------------------------------


def test_admin_require_mfa_sends_a_single_factor_sign_in_to_microsoft_with_prompt_login(
    client, microsoft, microsoft_user, admin_mfa
):
    ada = microsoft_user("alice@contoso.com", mfa=True)
    microsoft.login(client, ada)
    assert client.session[stepup.STRENGTH_SESSION_KEY]["amr"] == ["pwd"]

    start_url = client.get("/admin/")["Location"]
    query = authorize_query(client, start_url)
    callback = step_up(client, microsoft, ada, start_url)

    assert query["prompt"] == "login"
    assert "claims" not in query
    assert callback["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_refused_step_up_ends_in_a_message_never_another_redirect(
    client, microsoft, microsoft_user, admin_mfa
):
    pat = microsoft_user("alice@contoso.com", mfa=False)
    microsoft.login(client, pat)
    start_url = client.get("/admin/")["Location"]

    callback = step_up(client, microsoft, pat, start_url)
    assert callback.status_code == 302
    assert stepup.REFUSED_MESSAGE in messages_of(callback)

    page = client.get("/admin/")
    assert page.status_code == 403
    assert "Microsoft did not confirm one" in page.content.decode()
    # The person decides to try again: a link, not a redirect.
    assert 'href="/microsoft_sso/login/?next=%2Fadmin%2F&amp;step_up=mfa"' in page.content.decode()
    assert client.get("/admin/").status_code == 403
    # Still signed in as before: the refused answer signed no one in.
    assert client.session["_auth_user_id"]


def test_a_step_up_under_way_is_not_started_twice(client, microsoft, alice, admin_mfa):
    """A person who left Microsoft's page (or whose form_post answer found no session) sees a
    message the next time, not Microsoft again."""
    microsoft.login(client, alice)

    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 403


def test_a_step_up_answered_again_after_a_refusal_goes_in(
    client, microsoft, microsoft_user, admin_mfa
):
    pat = microsoft_user("alice@contoso.com", mfa=False)
    microsoft.login(client, pat)
    start_url = client.get("/admin/")["Location"]
    step_up(client, microsoft, pat, start_url)
    pat.mfa = True  # the person has set up MFA meanwhile

    step_up(client, microsoft, pat, start_url)

    assert client.get("/admin/").status_code == 200


def test_max_age_asks_for_the_strong_sign_in_again(client, microsoft, alice, admin_mfa, settings):
    settings.MICROSOFT_SSO_ADMIN_STRONG_SIGN_IN_MAX_AGE = 3600
    microsoft.login(client, alice, id_token_claims={"amr": ["pwd", "mfa"]})
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[stepup.STRENGTH_SESSION_KEY] = {
        **session[stepup.STRENGTH_SESSION_KEY],
        "at": session[stepup.STRENGTH_SESSION_KEY]["at"] - 3601,
    }
    session.save()

    response = client.get("/admin/")

    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["step_up"] == ["mfa,fresh"]
    assert authorize_query(client, response["Location"])["prompt"] == "login"


def test_the_strength_of_someone_elses_sign_in_does_not_count(client, microsoft, alice, admin_mfa):
    microsoft.login(client, alice, id_token_claims={"amr": ["pwd", "mfa"]})
    staff = get_user_model().objects.create_user("sam", password="pw-for-tests", is_staff=True)
    client.force_login(staff)

    assert client.get("/admin/").status_code == 302


# -- the decorator ---------------------------------------------------------------------------------


def test_the_decorator_sends_someone_not_signed_in_to_microsoft_for_its_context(
    client, microsoft, alice, guarded
):
    response = client.get("/payroll/")

    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {
        "next": ["/payroll/"],
        "step_up": ["c2"],
    }
    callback = step_up(client, microsoft, alice, response["Location"])
    assert callback["Location"] == "/payroll/"
    assert client.get("/payroll/").content == b"payroll of alice@contoso.com"


def test_the_decorator_asks_for_mfa_by_default(client, microsoft, microsoft_user, guarded):
    ada = microsoft_user("alice@contoso.com", mfa=True)
    microsoft.login(client, ada)

    response = client.get("/keys/")
    assert parse_qs(urlsplit(response["Location"]).query)["step_up"] == ["mfa"]
    step_up(client, microsoft, ada, response["Location"])

    assert client.get("/keys/").content == b"keys"


def test_the_decorator_refuses_with_a_page_when_microsoft_does_not_step_up(
    client, microsoft, microsoft_user, guarded
):
    pat = microsoft_user("alice@contoso.com", mfa=False)
    start_url = client.get("/recent/")["Location"]
    step_up(client, microsoft, pat, start_url)

    page = client.get("/recent/")

    assert page.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_decorator_refuses_a_context_that_is_not_one():
    with pytest.raises(ValueError, match="c1 to c99"):
        strong_sign_in_required(auth_context="C1")


# -- the start view --------------------------------------------------------------------------------


def test_a_step_up_query_that_asks_nothing_known_starts_an_ordinary_sign_in(client, microsoft):
    query = authorize_query(client, f"{START}?next=/&step_up=c100,admin,%22")

    assert "claims" not in query
    assert "prompt" not in query
