"""The example project's API: a token from ``manage.py microsoft_sso_demo_token`` opens
``/api/drf/me/`` and ``/api/ninja/me``, each tested when its framework is installed."""

from importlib.util import find_spec
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from example_project import demo

# The test settings do not install example_project: its command is called as an object.
from example_project.management.commands.microsoft_sso_demo_token import Command

PATHS = [
    pytest.param(
        "/api/drf/me/",
        marks=pytest.mark.skipif(
            not find_spec("rest_framework"),
            reason="Django REST framework is not installed: tox -e drf",
        ),
        id="drf",
    ),
    pytest.param(
        "/api/ninja/me",
        marks=pytest.mark.skipif(
            not find_spec("ninja"), reason="django-ninja is not installed: tox -e ninja"
        ),
        id="ninja",
    ),
]


@pytest.fixture
def example_demo(settings):
    """The example's URLs and demo settings, its emulator's Microsoft answering in-process."""
    settings.ROOT_URLCONF = "example_project.urls"
    settings.EXAMPLE_USES_EMULATOR = True
    settings.MICROSOFT_SSO_APPLICATION_ID = demo.CLIENT_ID
    settings.MICROSOFT_SSO_CLIENT_SECRET = demo.CLIENT_SECRET
    settings.MICROSOFT_SSO_AUTHORITY = demo.AUTHORITY
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = demo.ALLOWED_TENANTS
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = demo.ALLOWABLE_DOMAINS
    settings.MICROSOFT_SSO_API_CREATE_USERS = True
    with demo.demo_microsoft() as fake:
        yield fake


def demo_token(*args):
    out = StringIO()
    call_command(Command(), *args, "--token-only", stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_demo_token_opens_the_api_as_its_person(example_demo, path):
    token = demo_token("sam@contoso.com")

    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["username"] == "sam@contoso.com"
    assert response.json()["scopes"] == ["access_as_user"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_without_the_scope_the_api_answers_403(example_demo, path):
    token = demo_token("sam@contoso.com", "--scope", "Something.Else")

    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_person_of_another_organization_is_refused(example_demo, path):
    token = demo_token("mika@fabrikam.com")

    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_the_command_prints_curl_lines_for_the_installed_apis(example_demo):
    out = StringIO()

    call_command(Command(), "--site", "http://localhost:8000", stdout=out)

    lines = out.getvalue().splitlines()
    token = lines[1]
    curls = [line.strip() for line in lines if "curl" in line]
    expected = [
        path.values[0] for path in PATHS if find_spec(path.id.replace("drf", "rest_framework"))
    ]
    assert curls == [
        f'curl -H "Authorization: Bearer {token}" http://localhost:8000{path}' for path in expected
    ]


def test_the_command_names_the_demo_people_for_an_unknown_one(example_demo):
    with pytest.raises(CommandError, match=r"ada@contoso\.com"):
        call_command(Command(), "nobody@contoso.com")


def test_the_command_refuses_without_the_demo(settings):
    settings.EXAMPLE_USES_EMULATOR = False

    with pytest.raises(CommandError, match="real Microsoft"):
        call_command(Command())
