"""The same sign-in in a real browser, with the example served under uvicorn (ASGI)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in import sign_in_as
from tests.example_server import ServedExample


def test_sign_in_under_uvicorn_lands_in_admin_as_that_person(
    page: Page, served_asgi: ServedExample
):
    page.goto(f"{served_asgi.url}/admin/")
    expect(page).to_have_url(f"{served_asgi.url}/admin/login/?next=/admin/")

    sign_in_as(page, served_asgi, "Ada Fairweather")

    expect(page).to_have_url(f"{served_asgi.url}/admin/")
    tools = page.locator("#user-tools")
    expect(tools.locator(".example-name")).to_have_text("Ada Fairweather")
    picture = tools.locator("img.example-picture")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 96
