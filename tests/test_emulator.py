"""The fake Microsoft served over HTTP: a whole sign-in through its pages, as a browser would."""

import html
import re

import httpx
import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

pytestmark = pytest.mark.django_db


def pick(browser, authorize_url, person_value):
    """Open the emulator's sign-in page and press the button of ``person_value``."""
    page = browser.get(authorize_url)
    assert page.status_code == 200
    assert "Pick an account" in page.text
    assert f'value="{person_value}"' in page.text
    return browser.post(authorize_url, data={"person": person_value})


def test_sign_in_through_the_emulator_pages(client, served):
    alice = served.fake.add_user(
        "alice@contoso.com", mail="alice@contoso.com", display_name="Alice"
    )
    start = client.get(reverse("django_microsoft_sso:oauth_start_login"), {"next": "/private/"})
    assert start.url.startswith(served.url + "/login.microsoftonline.com/")

    with httpx.Client() as browser:
        answer = pick(browser, start.url, alice.object_id)
    assert answer.status_code == 302
    callback = answer.headers["Location"]
    assert callback.startswith("http://testserver/microsoft_sso/callback/?")

    response = client.get(callback.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response.url == "/private/"
    assert SESSION_KEY in client.session
    # msal's discovery, the token, the keys and Graph all went through the emulator over HTTP.
    assert served.fake.count("token") == 1
    assert served.fake.count("batch") == 1
    assert served.connections >= 1


def test_cancel_on_the_emulator_page_ends_in_the_cancelled_message(client, served):
    served.fake.add_user("alice@contoso.com")
    start = client.get(reverse("django_microsoft_sso:oauth_start_login"))
    with httpx.Client() as browser:
        answer = pick(browser, start.url, "cancel")
    response = client.get(
        answer.headers["Location"].removeprefix("http://testserver"), follow=True
    )
    assert "The sign-in with Microsoft was cancelled." in html.unescape(response.content.decode())


def test_form_post_mode_answers_with_a_self_submitting_form(client, served, settings):
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    alice = served.fake.add_user("alice@contoso.com", mail="alice@contoso.com")
    start = client.get(reverse("django_microsoft_sso:oauth_start_login"), secure=True)
    with httpx.Client() as browser:
        answer = pick(browser, start.url, alice.object_id)
    assert answer.status_code == 200
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', answer.text))
    action = re.search(r'action="([^"]+)"', answer.text).group(1)

    response = client.post(action.removeprefix("https://testserver"), fields, secure=True)
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_latency_is_added_to_every_request(served):
    served.latency = 0.05
    with httpx.Client() as http:
        response = http.get(f"{served.url}/login.microsoftonline.com/common/discovery/instance")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.05
