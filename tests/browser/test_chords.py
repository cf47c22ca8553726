"""The studio's chords in Chromium: typed or picked from the genre's presets, shown above the
piano roll and sounded under the melody as it streams, then listed and replayed with the saved
song; a chord the server cannot read is shown at the field and nothing starts."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, open_studio, screenshot, wait_for_sound

PROGRESSION = "Dm7 G7 Cmaj7 Cmaj7"


def test_typed_chords_are_shown_above_the_roll_and_sounded_while_the_melody_streams(
    page: Page, signed_in: Account
) -> None:
    open_studio(page)
    page.get_by_label("Genre").select_option("jazz")
    page.get_by_label("Length in bars").fill("8")
    page.get_by_label("Tempo").fill("160")
    page.get_by_role("textbox", name="Chords").fill(PROGRESSION)
    page.get_by_role("button", name="Generate").click()

    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "true")
    lane = page.locator("[data-chord-lane]")
    expect(lane).to_be_visible()
    expect(lane.locator(".chord-label").first).to_have_text("Dm7")
    # The chords part sounds on the player: each chord is struck as the playhead reaches it.
    expect(lane).to_have_attribute("data-struck", "G7", timeout=15_000)
    wait_for_sound(page)
    expect(lane.locator(".chord-label")).to_contain_text(["Dm7", "G7", "Cmaj7"])
    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "true")
    screenshot(page, "studio-chords")

    dashboard_link = page.get_by_role("link", name="Open dashboard")
    expect(dashboard_link).to_be_visible(timeout=30_000)
    dashboard_link.click()
    song = page.locator("[data-song]")
    expect(song.locator("[data-song-chords]")).to_have_text("Dm7 G7 Cmaj7 Dm7 G7 Cmaj7")
    page.get_by_role("button", name="Play Jazz melody in C major").click()  # its chords replay too
    expect(lane.locator(".chord-label").first).to_have_text("Dm7")
    expect(lane).to_have_attribute("data-struck", "G7", timeout=15_000)


def test_by_default_the_model_writes_the_chords_and_they_stream_above_the_roll(
    page: Page, signed_in: Account
) -> None:
    open_studio(page)
    expect(page.get_by_label("Who writes the chords")).to_have_value("auto")
    page.get_by_label("Genre").select_option("pop")
    page.get_by_label("Key", exact=True).select_option("G")
    page.get_by_label("Length in bars").fill("8")
    page.get_by_label("Tempo").fill("200")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "true")
    lane = page.locator("[data-chord-lane]")
    expect(lane).to_be_visible()
    labels = lane.locator(".chord-label")
    expect(labels.first).to_be_visible()
    first_count = labels.count()
    wait_for_sound(page)
    screenshot(page, "studio-model-chords")
    # More chords arrive with later frames as the melody streams on, ending on G's tonic chord.
    expect(page.locator("[data-studio-form]")).to_have_attribute(
        "data-streaming", "false", timeout=30_000
    )
    expect(labels.last).to_have_text(re.compile(r"^G(maj7|6)?$"))
    assert labels.count() > first_count  # paced: the first frame holds a few beats, not 8 bars


def test_a_chord_the_server_cannot_read_is_shown_at_the_field_and_nothing_starts(
    page: Page, signed_in: Account
) -> None:
    open_studio(page)
    chords = page.get_by_role("textbox", name="Chords")
    chords.fill("Dm7 H7 Cmaj7")
    page.get_by_role("button", name="Generate").click()

    error = page.locator("#chords-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text('"H7"')
    expect(chords).to_have_attribute("aria-invalid", "true")
    expect(chords).to_be_focused()
    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "false")
    expect(page.locator("[data-player-roll]")).to_have_attribute("data-note-count", "0")
    expect(page.locator("[data-chord-lane]")).to_be_hidden()

    chords.fill("Dm7 G7 Cmaj7")  # editing clears the message
    expect(error).to_be_hidden()


def test_the_preset_picker_offers_the_genres_progressions_in_the_chosen_mode(
    page: Page, signed_in: Account
) -> None:
    open_studio(page)
    page.get_by_label("Genre").select_option("jazz")
    page.get_by_label("Chord preset").select_option(label="ii–V–I")
    chords = page.get_by_role("textbox", name="Chords")
    expect(chords).to_have_value("ii7 V7 Imaj7 Imaj7")
    page.get_by_label("Mode").select_option("minor")
    expect(chords).to_have_value("iiø7 V7 i6 i6")
    page.get_by_label("Genre").select_option("pop")
    expect(page.get_by_label("Chord preset").locator("option")).to_contain_text(
        ["Preset…", "I–V–vi–IV", "I–vi–IV–V"]
    )
