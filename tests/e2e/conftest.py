"""Browser tests: Playwright drives Debian's Chromium, headless, through the example project.

The example is served for real (``manage.py runserver``, with the demo's Microsoft emulator in
it) on loopback, once per session and settings, each on a SQLite file of its own. Run them with
``tox -e e2e`` or ``pytest tests/e2e``; the default test run leaves this folder out.

No browser is downloaded: Chromium is Debian's (``apt-get install chromium``), at
``/usr/bin/chromium`` or where ``E2E_CHROMIUM`` says. A failed test leaves a screenshot of its
page and the server's log in ``artifacts/e2e/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.example_server import ServedExample, serve_example

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling home, which fails here.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
TIMEOUT_MS = 10_000
# Each test's reports (setup, call, teardown), for the page fixture to see how the test ended.
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedExample]:
    """The example project in its demo, as ``./scripts/example`` serves it."""
    with serve_example(tmp_path_factory.mktemp("example")) as site:
        yield site


@pytest.fixture(scope="session")
def served_form_post(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedExample]:
    """The same, with ``MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK``: the answer comes by POST."""
    with serve_example(
        tmp_path_factory.mktemp("example-form-post"), "tests.project.settings_example_form_post"
    ) as site:
        yield site


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set E2E_CHROMIUM")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page in a fresh context (no cookies); kept as evidence when the test fails."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = request.node.stash.get(REPORTS, {}).get("call")
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
        for name, value in request.node.funcargs.items():
            if isinstance(value, ServedExample):
                shutil.copyfile(value.log, ARTIFACTS / f"{request.node.name}.{name}.log")
    context.close()


@pytest.fixture(scope="session")
def served_asgi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedExample]:
    """The example project in its demo under uvicorn (``example_project.asgi``), one worker."""
    with serve_example(tmp_path_factory.mktemp("example-asgi"), server="uvicorn") as site:
        yield site
