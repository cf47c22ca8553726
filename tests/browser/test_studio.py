"""The studio in Chromium: a live stream plays and draws while it is written, then is saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from server.config import REPO_ROOT
from tests.browser.conftest import Account, screenshot, wait_for_sound

GENERATION_HANDLERS = REPO_ROOT / "server" / "sockets" / "generation.py"
pytestmark = pytest.mark.skipif(
    not GENERATION_HANDLERS.exists(),
    reason="the generate:start/notes/done/stop socket handlers (server/sockets/generation.py) "
    "are not in the server yet",
)


def notes_on_roll(page: Page) -> int:
    return int(page.locator("[data-player-roll]").get_attribute("data-note-count") or 0)


def open_studio(page: Page, *, bars: int, tempo: int) -> None:
    page.goto("/studio")
    expect(page.locator("[data-connection]")).to_have_attribute("data-status", "connected")
    page.get_by_label("Genre").select_option("folk")
    page.get_by_label("Mode").select_option("minor")
    page.get_by_label("Length in bars").fill(str(bars))
    page.get_by_label("Tempo").fill(str(tempo))


def test_generate_plays_and_draws_notes_while_streaming_then_saves_the_song(
    page: Page, signed_in: Account
):
    open_studio(page, bars=8, tempo=180)  # about 10 s: long enough to look inside
    page.get_by_role("button", name="Generate").click()

    form = page.locator("[data-studio-form]")
    expect(form).to_have_attribute("data-streaming", "true")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-player-roll]').dataset.noteCount) >= 3"
    )
    expect(page.locator("[data-visualizer]")).to_have_attribute("data-audio-state", "running")
    wait_for_sound(page)
    expect(form).to_have_attribute("data-streaming", "true")  # all of that before the end
    screenshot(page, "studio", keep=True)

    dashboard_link = page.get_by_role("link", name="Open dashboard")
    expect(dashboard_link).to_be_visible(timeout=30_000)
    written = notes_on_roll(page)
    dashboard_link.click()
    page.wait_for_url(re.compile(r"/dashboard#song-[0-9a-f]+$"))
    song = page.locator("[data-song]")
    expect(song).to_have_count(1)
    expect(song).to_have_class(re.compile("ring-accent-400"))  # the saved song stands out
    expect(song.locator("[data-song-thumbnail]")).to_have_attribute("data-note-count", str(written))


def test_stop_keeps_the_melody_and_discard_throws_it_away(page: Page, signed_in: Account):
    open_studio(page, bars=64, tempo=120)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-player-roll]').dataset.noteCount) >= 2"
    )
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("link", name="Open dashboard")).to_be_visible(timeout=15_000)

    page.get_by_role("button", name="Generate").click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-player-roll]').dataset.noteCount) >= 2"
    )
    page.get_by_role("button", name="Discard").click()
    expect(page.locator("[data-player-title]")).to_contain_text("Discarded")
    assert notes_on_roll(page) == 0

    page.goto("/dashboard")
    expect(page.locator("[data-song]")).to_have_count(1)


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    apart_x = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
    apart_y = a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    return not (apart_x or apart_y)


def test_on_a_laptop_screen_the_studio_stays_in_view_and_the_saved_notice_hides_nothing(
    page: Page, signed_in: Account
):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_studio(page, bars=4, tempo=240)
    # A melody the classifier is sure of (folk, 0.9997): about one seed in four leaves it unsure,
    # and then no sounds-like line is shown at all.
    # (set in the closed Advanced section, so the page stays as most people see it)
    page.locator("#seed").evaluate("(seed) => { seed.value = '2'; }")
    generate = page.get_by_role("button", name="Generate")
    generate.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "true")
    expect(page.get_by_role("button", name="Stop")).to_be_focused()  # not the page's body

    expect(page.get_by_role("link", name="Open dashboard")).to_be_visible(timeout=30_000)
    expect(generate).to_be_focused()
    status = page.locator("[data-stream-status]")
    expect(status).to_be_visible()  # what the saved song sounds like
    header = box(page, "body > header")
    for title in ("#studio-title", "[data-player-title]"):
        assert box(page, title)["y"] >= header["y"] + header["height"], (
            f"{title} is under the header"
        )
    line = box(page, "[data-stream-status]")
    assert line["y"] + line["height"] <= 800, "the sounds-like line is below the screen"
    toast = box(page, "#toasts [role=status]")
    assert not overlap(toast, line), "the saved notice covers the sounds-like line"
    screenshot(page, "studio-saved-1280x800")


def test_on_a_phone_stop_and_discard_stay_on_screen_while_streaming(page: Page, signed_in: Account):
    page.set_viewport_size({"width": 390, "height": 844})
    open_studio(page, bars=64, tempo=120)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-player-roll]').dataset.noteCount) >= 2"
    )
    expect(page.locator("[data-player-roll]")).to_be_in_viewport()
    header = box(page, "body > header")
    for name in ("Stop", "Discard"):
        found = page.get_by_role("button", name=name).bounding_box()
        assert found is not None
        on_screen = header["y"] + header["height"] <= found["y"] <= 844 - found["height"]
        assert on_screen, f"{name} is off screen or under the header"
    screenshot(page, "studio-phone-streaming")
    page.get_by_role("button", name="Discard").click(no_wait_after=True)
    expect(page.locator("[data-player-title]")).to_contain_text("Discarded")
    expect(page.get_by_role("button", name="Generate")).to_be_visible()


FOCUS_RING = """element => { element.focus(); const style = getComputedStyle(element);
  return [parseFloat(style.outlineWidth), style.outlineStyle]; }"""


def test_focused_fields_show_a_clear_ring(page: Page, signed_in: Account):
    page.goto("/studio")
    for label in ("Genre", "Length in bars", "Speed"):
        width, style = page.get_by_label(label).evaluate(FOCUS_RING)
        assert width >= 2 and style != "none", (label, width, style)
