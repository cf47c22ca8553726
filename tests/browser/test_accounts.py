"""Sign-up, login and logout as a person does them in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, PageProblems, photo_png, screenshot
from tests.conftest import PASSWORD, LiveServer, unique_email


def fill_signup(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Display name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)


def test_sign_up_with_a_photo_lands_on_the_dashboard_showing_it(page: Page, tmp_path: Path):
    page.goto("/signup")
    fill_signup(page, unique_email("signup"))
    page.get_by_label("Profile photo").set_input_files(photo_png(tmp_path))
    expect(page.get_by_alt_text("Your photo, as others will see it")).to_be_visible()
    screenshot(page, "signup")

    page.get_by_role("button", name="Create account").click()

    page.wait_for_url("**/dashboard")
    photo = page.get_by_alt_text("Your profile photo")
    expect(photo).to_be_visible()
    expect(page.locator("[data-profile-name]")).to_have_text("Ada Lovelace")
    # The server's 256x256 re-encoding, loaded through the app.
    photo_width = photo.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert photo_width == 256


def test_sign_up_checks_fields_before_sending(page: Page, tmp_path: Path):
    page.goto("/signup")
    fill_signup(page, "not-an-email", password="short")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a picture")
    page.get_by_label("Profile photo").set_input_files(text_file)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("Enter a valid email address")).to_be_visible()
    expect(page.get_by_text("Use at least 8 characters")).to_be_visible()
    expect(page.get_by_text("Choose a PNG, JPEG or WebP image.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/signup$"))


def test_a_taken_email_gets_the_servers_message(
    page: Page, signed_in: Account, problems: PageProblems
):
    problems.expect_console_error(r"status of 409")
    page.context.clear_cookies()
    page.goto("/signup")
    fill_signup(page, signed_in.email.upper())
    page.get_by_role("button", name="Create account").click()
    expect(
        page.locator("[data-error-for=email], [data-form-error]").filter(has_text="already")
    ).to_be_visible()


def test_log_out_then_back_in_with_remember_me(page: Page, signed_in: Account):
    page.goto("/dashboard")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))

    page.get_by_label("Email").fill(signed_in.email)
    page.get_by_label("Password").fill(signed_in.password)
    page.get_by_label("Remember me").check()
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url("**/dashboard")
    expect(page.locator("[data-profile-name]")).to_have_text(signed_in.display_name)


def test_edit_profile_photo_and_password_then_delete_the_account(
    page: Page, signed_in: Account, tmp_path: Path
):
    page.goto("/dashboard")
    page.locator("summary", has_text="Edit profile").click()
    page.get_by_label("Display name").fill("Clara Wieck")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("[data-profile-name]")).to_have_text("Clara Wieck")
    expect(page.locator("[data-nav-name]")).to_have_text("Clara Wieck")

    photo = page.get_by_alt_text("Your profile photo")
    first_photo = photo.get_attribute("src") or ""
    page.locator("[data-photo-input]").set_input_files(photo_png(tmp_path))
    expect(photo).not_to_have_attribute("src", first_photo)  # the replacement, freshly served
    photo.evaluate("img => img.decode()")
    page.get_by_role("button", name="Remove photo").click()
    expect(photo).to_be_hidden()

    page.locator("summary", has_text="Change password").click()
    page.get_by_label("Current password").fill(signed_in.password)
    page.get_by_label("New password").fill("a much longer passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()

    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("dialog").get_by_label("Password").fill("a much longer passphrase")
    page.get_by_role("button", name="Delete account").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()


# `next` values an attacker puts in a login link, as they appear in the query string: each
# one, once the browser strips tabs and newlines and reads a backslash as a slash, or simply
# follows a scheme, would leave the site.
HOSTILE_NEXT = [
    "/%09/evil.example/phish",
    "/%0A/evil.example/phish",
    "/%5Cevil.example/phish",
    "//evil.example/phish",
    "https://evil.example/phish",
    "/%2F%2Fevil.example/phish",
    "javascript:alert(document.domain)",
]


def log_in(page: Page, account: Account) -> None:
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_login_never_sends_the_browser_to_another_site(
    page: Page, signed_in: Account, studio_server: LiveServer, hostile: str
):
    page.context.clear_cookies()
    page.goto(f"/login?next={hostile}")
    log_in(page, signed_in)
    page.wait_for_url("**/dashboard")
    assert urlsplit(page.url).netloc == urlsplit(studio_server.base_url).netloc
    expect(page.locator("[data-profile-name]")).to_have_text(signed_in.display_name)

    # Signed in already, the login link sends the browser on at once: to the dashboard too.
    page.goto(f"/login?next={hostile}")
    page.wait_for_url("**/dashboard")


def test_login_goes_back_to_the_page_that_asked_with_its_query_and_fragment(
    page: Page, signed_in: Account
):
    page.context.clear_cookies()
    page.goto("/login?next=%2Fstudio%3Ffrom%3Dmail%23panel-generate")
    log_in(page, signed_in)
    page.wait_for_url(re.compile(r"/studio\?from=mail#panel-generate$"))
    page.goto("/login?next=%2Frooms")  # signed in: straight there
    page.wait_for_url(re.compile(r"/rooms$"))


def test_signing_up_from_a_login_link_comes_back_to_the_page_that_asked(page: Page):
    page.goto("/login?next=%2Fstudio")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url(re.compile(r"/signup\?next=%2Fstudio$"))
    login_link = page.get_by_role("main").get_by_role("link", name="Log in")
    expect(login_link).to_have_attribute("href", "/login?next=%2Fstudio")
    fill_signup(page, unique_email("invited"))
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/studio$"))


def test_a_field_error_clears_once_the_field_is_corrected(page: Page):
    page.goto("/signup")
    fill_signup(page, "not-an-email")
    page.get_by_role("button", name="Create account").click()
    email = page.get_by_label("Email")
    expect(page.get_by_text("Enter a valid email address")).to_be_visible()
    expect(email).to_have_attribute("aria-invalid", "true")

    email.fill(unique_email("fixed"))
    expect(page.get_by_text("Enter a valid email address")).to_be_hidden()
    expect(email).to_have_attribute("aria-invalid", "false")
    width = email.evaluate("element => parseFloat(getComputedStyle(element).outlineWidth)")
    assert width >= 2  # still focused: the ring shows where typing goes
