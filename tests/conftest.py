import secrets
import time

import pytest
from django.core.cache import cache
from loguru import logger

from django_microsoft_sso.testing import FakeMicrosoft
from django_microsoft_sso.testing import emulator as emulator_module
from django_microsoft_sso.testing.emulator import EmulatorServer


@pytest.fixture
def logs():
    """Every loguru line the package writes during the test, formatted as a sink would."""
    lines: list[str] = []
    handler = logger.add(lines.append, level="DEBUG", format="{level} {message}")
    yield lines
    logger.remove(handler)


@pytest.fixture
def minutes_later(monkeypatch):
    """Move the process's monotonic clock forward, as waiting would, without the wait."""
    real_monotonic = time.monotonic

    def advance(minutes):
        monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + minutes * 60)

    return advance


@pytest.fixture
def microsoft_with_a_real_looking_secret(settings):
    """The fake Microsoft with a client secret shaped like a real one, so that a leak of any part
    of it would show; a module that tests leaks makes it its ``microsoft``."""
    fake = FakeMicrosoft(client_secret="Q7w8Q~" + secrets.token_urlsafe(30))
    settings.MICROSOFT_SSO_APPLICATION_ID = fake.client_id
    settings.MICROSOFT_SSO_CLIENT_SECRET = fake.client_secret
    with fake:
        yield fake


@pytest.fixture
def alice(microsoft):
    """A person of contoso.com, whom the test settings let sign in."""
    return microsoft.add_user("alice@contoso.com", mail="alice@contoso.com", given_name="Alice")


@pytest.fixture
def form_post(settings):
    """Microsoft POSTs its answer; the cache that holds pending sign-ins starts and ends empty."""
    settings.MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def emulated_microsoft():
    """The fake Microsoft that ``served`` puts on loopback; a test module may override it."""
    return FakeMicrosoft()


@pytest.fixture
def served(settings, monkeypatch, emulated_microsoft):
    """The fake Microsoft over HTTP on loopback, reached through the package's pooled client."""
    settings.MICROSOFT_SSO_APPLICATION_ID = emulated_microsoft.client_id
    settings.MICROSOFT_SSO_CLIENT_SECRET = emulated_microsoft.client_secret
    settings.MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
    with EmulatorServer(emulated_microsoft) as server:
        monkeypatch.setenv(emulator_module.EMULATOR_URL_VARIABLE, server.url)
        yield server
        emulated_microsoft.reset_project()


def cross_site(browser):
    """``browser`` as Microsoft's form_post reaches the site: a POST from another site, which
    carries only the browser's ``SameSite=None`` cookies (not the session's, which is Lax)."""
    from django.test import Client

    posting = Client()
    for name, morsel in browser.cookies.items():
        if morsel.value and morsel["samesite"].lower() == "none":
            posting.cookies[name] = morsel.value
    return posting
