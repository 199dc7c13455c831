"""A person signs in with Microsoft in a real browser, through the emulator's pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.example_server import ServedExample

CONTOSO_ORGANIZATIONS = "/login.microsoftonline.com/organizations/oauth2/v2.0/"


def sign_in_as(page: Page, site: ServedExample, name: str) -> None:
    """Click "Sign in with Microsoft" on the page that is open, then pick ``name``."""
    page.get_by_role("link", name="Sign in with Microsoft").click()
    expect(page).to_have_url(
        re.compile(re.escape(f"{site.url}/microsoft-emulator{CONTOSO_ORGANIZATIONS}authorize?"))
    )
    expect(page).to_have_title("Pick an account")
    page.get_by_role("button", name=re.compile(f"^{name} ")).click()


def test_sign_in_from_admin_lands_in_admin_as_that_person(page: Page, served: ServedExample):
    page.goto(f"{served.url}/admin/")
    expect(page).to_have_url(f"{served.url}/admin/login/?next=/admin/")

    sign_in_as(page, served, "Ada Fairweather")

    expect(page).to_have_url(f"{served.url}/admin/")
    tools = page.locator("#user-tools")
    expect(tools.locator(".example-name")).to_have_text("Ada Fairweather")
    expect(tools.locator(".example-email")).to_have_text("(ada@contoso.com)")
    picture = tools.locator("img.example-picture")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 96
    page.goto(f"{served.url}/admin/auth/user/")
    row = page.locator("#result_list tbody tr", has_text="ada@contoso.com")
    expect(row).to_contain_text("Ada")
    expect(row).to_contain_text("Fairweather")


def test_person_of_another_organization_sees_why_on_login_page(page: Page, served: ServedExample):
    page.goto(f"{served.url}/admin/login/")

    sign_in_as(page, served, "Mika Virtanen")

    expect(page).to_have_url(f"{served.url}/admin/login/")
    expect(page.locator(".messagelist .error")).to_have_text(
        "Accounts of your organization are not allowed to sign in here."
    )
    page.goto(f"{served.url}/private/")
    expect(page).to_have_url(f"{served.url}/admin/login/?next=/private/")


def test_cancel_on_emulator_page_says_so_on_login_page(page: Page, served: ServedExample):
    page.goto(f"{served.url}/admin/login/")
    page.get_by_role("link", name="Sign in with Microsoft").click()

    page.get_by_role("button", name="Cancel").click()

    expect(page).to_have_url(f"{served.url}/admin/login/")
    expect(page.locator(".messagelist .error")).to_have_text(
        "The sign-in with Microsoft was cancelled."
    )


def test_next_leads_to_the_protected_page_asked_for(page: Page, served: ServedExample):
    page.goto(f"{served.url}/private/")
    expect(page).to_have_url(f"{served.url}/admin/login/?next=/private/")

    sign_in_as(page, served, "Noor Haddad")

    expect(page).to_have_url(f"{served.url}/private/")
    expect(
        page.get_by_text("Hello Noor Haddad, only signed-in people see this page.")
    ).to_be_visible()
    expect(page.locator("dd").nth(1)).to_have_text("—")  # no e-mail at Microsoft


def test_sign_out_passes_through_microsoft_and_ends_the_session(page: Page, served: ServedExample):
    page.goto(f"{served.url}/")
    sign_in_as(page, served, "Sam Lee")
    expect(page).to_have_url(f"{served.url}/private/")
    expect(page.get_by_text("Hello Sam Lee, only signed-in people see this page.")).to_be_visible()
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{served.url}/")
    expect(page.get_by_text("You are not signed in.")).to_be_visible()
    assert any(
        url.startswith(f"{served.url}/microsoft-emulator{CONTOSO_ORGANIZATIONS}logout?")
        for url in visited
    ), visited
    page.goto(f"{served.url}/private/")
    expect(page).to_have_url(f"{served.url}/admin/login/?next=/private/")


def test_form_post_mode_signs_in_with_the_answer_posted(
    page: Page, served_form_post: ServedExample
):
    site = served_form_post
    callbacks: list[str] = []
    page.on(
        "request",
        lambda request: (
            callbacks.append(request.method) if "/microsoft_sso/callback/" in request.url else None
        ),
    )
    page.goto(f"{site.url}/admin/")

    sign_in_as(page, site, "Ada Fairweather")

    expect(page).to_have_url(f"{site.url}/admin/")
    expect(page.locator("#user-tools .example-name")).to_have_text("Ada Fairweather")
    assert callbacks == ["POST"]
    # Over plain http, allowed with DEBUG only, no cookie can come along with Microsoft's POST:
    # the sign-in waited in the cache.
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert not any(name.startswith("microsoft_sso_pending_") for name in names)
