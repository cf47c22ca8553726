"""Playing notes in Chromium: the computer keyboard and the on-screen keys sound at once through
the player, with no stream running, and keys typed into a field stay in the field."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, wait_for_sound


def open_keyboard(page: Page) -> None:
    page.goto("/studio")
    expect(page.locator("[data-connection]")).to_have_attribute("data-status", "connected")
    expect(page.locator("[data-player-status]")).to_have_text("Ready")  # the piano has loaded


def key_of(page: Page, name: str):
    return page.get_by_role("group", name="Piano keyboard").get_by_role("button", name=name)


def test_a_letter_key_sounds_its_note_at_once_and_lights_its_key(page: Page, signed_in: Account):
    open_keyboard(page)
    page.keyboard.down("z")
    expect(key_of(page, "C3")).to_have_attribute("aria-pressed", "true")
    wait_for_sound(page)  # heard through the player's output, no stream running
    page.keyboard.up("z")
    expect(key_of(page, "C3")).to_have_attribute("aria-pressed", "false")

    page.keyboard.press("=")  # an octave up: the keys on screen follow
    expect(page.locator("[data-keyboard-state]")).to_contain_text("Octave 1")
    page.keyboard.down("q")
    expect(key_of(page, "C5")).to_have_attribute("aria-pressed", "true")
    page.keyboard.up("q")


def test_the_on_screen_keys_play_under_the_pointer(page: Page, signed_in: Account):
    open_keyboard(page)
    key = key_of(page, "E3")
    key.scroll_into_view_if_needed()
    box = key.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5)
    page.mouse.down()
    expect(key).to_have_attribute("aria-pressed", "true")
    wait_for_sound(page)
    page.mouse.up()
    expect(key).to_have_attribute("aria-pressed", "false")


def test_letters_typed_into_a_field_play_nothing(page: Page, signed_in: Account):
    open_keyboard(page)
    chords = page.locator("#chords")
    chords.click()
    page.keyboard.down("c")  # held, as a note would be
    page.keyboard.up("c")
    page.keyboard.type("Dm G")
    expect(chords).to_have_value("cDm G")
    keys = page.get_by_role("group", name="Piano keyboard")
    expect(keys.locator("[aria-pressed=true]")).to_have_count(0)
