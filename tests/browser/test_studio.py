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
