"""Moving an account to another email in the dashboard: the password is asked for first."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, PageProblems
from tests.conftest import unique_email


def test_changing_the_email_asks_for_the_password(
    page: Page, signed_in: Account, problems: PageProblems
):
    new_email = unique_email("moved")
    page.goto("/dashboard")
    page.locator("summary", has_text="Edit profile").click()
    page.get_by_label("Email").fill(new_email)

    page.get_by_role("button", name="Save profile").click()
    problems.expect_console_error("403")
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Password").fill("not my password")
    dialog.get_by_role("button", name="Change email").click()
    expect(page.locator("[data-form-error]").filter(has_text="current password")).to_be_visible()
    expect(page.locator("[data-profile-email]")).to_have_text(signed_in.email)

    page.get_by_role("button", name="Save profile").click()
    dialog.get_by_label("Password").fill(signed_in.password)
    dialog.get_by_role("button", name="Change email").click()
    expect(page.locator("[data-profile-email]")).to_have_text(new_email)
