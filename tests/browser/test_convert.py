"""Converting a MIDI file in Chromium: the upload is read and described, the conversion plays and
draws while it streams, and the saved song says on the dashboard what it sounds like and where
it came from; files the studio cannot use are refused with a message and nothing is kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.test_uploads import named
from tests.browser.conftest import Account, screenshot, wait_for_sound
from tests.browser.test_studio import GENERATION_HANDLERS, notes_on_roll
from tests.generation.test_midi_io import meta, midi_bytes, note_messages

pytestmark = pytest.mark.skipif(
    not GENERATION_HANDLERS.exists(), reason="the generate:* socket handlers are not in the server"
)
# Eight bars of a tune in D major: a rising and falling phrase of quarters and eighths, twice.
PHRASE = [(62, 0, 1), (64, 1, 0.5), (66, 1.5, 0.5), (67, 2, 1), (69, 3, 1), (71, 4, 1.5)]
PHRASE += [(69, 5.5, 0.5), (67, 6, 1), (66, 7, 1), (64, 8, 1), (62, 9, 1), (66, 10, 2)]
PHRASE += [(64, 12, 1), (62, 13, 1), (61, 14, 0.5), (62, 14.5, 1.5)]
TUNE = PHRASE + [(pitch, start + 16, length) for pitch, start, length in PHRASE]
BASS = [(38 + (bar % 2) * 7, bar * 4, 4) for bar in range(8)]
SOUNDS_LIKE = re.compile(r"Sounds like \w+|\w+, as asked")  # the dashboard's verdict label


def write_tune(folder: Path) -> Path:
    """A two-track file: a flute melody named "Lead" over a bass line, 8 bars at 180 BPM."""
    path = folder / "Morning Song.mid"
    lead = named("Lead", note_messages(TUNE), program=73)
    bass = named("Bass", note_messages(BASS, channel=1), program=33, channel=1)
    path.write_bytes(midi_bytes([meta(tempo=180, meter=(4, 4), key="D"), lead, bass]))
    return path


def open_converter(page: Page) -> None:
    page.goto("/studio")
    expect(page.locator("[data-connection]")).to_have_attribute("data-status", "connected")
    page.get_by_role("tab", name="Convert a MIDI file").click()
    expect(page.get_by_role("tabpanel", name="Convert a MIDI file")).to_be_visible()


def test_a_midi_file_converted_to_jazz_plays_while_streaming_and_lands_on_the_dashboard(
    page: Page, signed_in: Account, tmp_path: Path
):
    open_converter(page)
    page.get_by_label("Choose a MIDI file").set_input_files(write_tune(tmp_path))
    source = page.locator("[data-source]")
    expect(source.locator("[data-source-name]")).to_have_text("Morning Song.mid")
    facts = source.locator("[data-source-facts]")
    expect(facts).to_contain_text(f"Lead, Pipe · {len(TUNE)} notes")
    expect(facts).to_contain_text("4/4")
    expect(facts).to_contain_text("180 BPM")
    expect(facts).to_contain_text("8 bars")
    expect(page.get_by_label("Melody track").locator("option")).to_have_text(
        [f"Lead · Pipe · {len(TUNE)} notes", f"Bass · Bass · {len(BASS)} notes"]
    )

    source.get_by_role("button", name="Play the original").click()
    expect(page.locator("[data-player-title]")).to_have_text("Original: Morning Song.mid")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")
    assert notes_on_roll(page) == len(TUNE)

    page.get_by_role("radio", name="Jazz").check()
    expect(page.locator("[data-strength-value]")).to_have_text("0.60")
    page.get_by_role("button", name="Convert", exact=True).click()
    form = page.locator("[data-convert-form]")
    expect(form).to_have_attribute("data-streaming", "true")
    expect(page.locator("[data-player-title]")).to_have_text("Morning Song as jazz")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-player-roll]').dataset.noteCount) >= 3"
    )
    expect(page.locator("[data-visualizer]")).to_have_attribute("data-audio-state", "running")
    wait_for_sound(page)
    # The band switch is on: jazz's trio plays the chords kept from the song.
    expect(page.locator("[data-roll-legend] li")).to_have_text(
        ["Melody", "Chords", "Bass", "Drums"]
    )
    expect(form).to_have_attribute("data-streaming", "true")  # all of that before the end
    expect(page.get_by_role("tab", name="Generate")).to_be_disabled()
    page.evaluate("window.scrollTo(0, 0)")  # the picture shows the page from its top
    screenshot(page, "convert", keep=True)

    dashboard_link = page.get_by_role("link", name="Open dashboard")
    expect(dashboard_link).to_be_visible(timeout=30_000)
    expect(page.locator("[data-stream-status]")).to_contain_text("Sounds like")
    written = notes_on_roll(page)
    dashboard_link.click()
    song = page.locator("[data-song]")
    expect(song).to_have_count(1)
    expect(song.locator("[data-song-title]")).to_have_text("Morning Song as jazz")
    expect(song.locator("[data-song-thumbnail]")).to_have_attribute("data-note-count", str(written))
    expect(song.locator("[data-song-sounds-like]")).to_have_text(SOUNDS_LIKE)
    origin = song.locator("[data-song-origin]")
    expect(origin).to_have_text("Converted from Morning Song.mid to jazz")


def test_files_the_studio_cannot_use_are_refused_with_a_reason_and_nothing_is_kept(
    page: Page, signed_in: Account, tmp_path: Path, problems
):
    problems.expect_console_error("status of 400")  # the refused upload, asserted below
    page.goto("/studio")
    page.get_by_role("tab", name="Generate").focus()
    page.keyboard.press("ArrowRight")  # the modes are tabs: the keyboard moves between them
    convert_tab = page.get_by_role("tab", name="Convert a MIDI file")
    expect(convert_tab).to_be_focused()
    expect(convert_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Convert a MIDI file")).to_be_visible()
    picker = page.get_by_label("Choose a MIDI file")
    message = page.locator("[data-error-for='midi']")

    notes = tmp_path / "notes.txt"
    notes.write_text("not music")
    picker.set_input_files(notes)
    expect(message).to_have_text(
        "“notes.txt” is not a MIDI file. Choose a file ending in .mid or .midi."
    )

    huge = tmp_path / "huge.mid"
    huge.write_bytes(b"MThd" + bytes(1024 * 1024 + 100))
    picker.set_input_files(huge)
    expect(message).to_have_text("“huge.mid” is 1.0 MB; MIDI files may be at most 1 MB.")

    renamed = tmp_path / "letter.mid"
    renamed.write_text("Dear Clara, this is a letter, not a song.")
    picker.set_input_files(renamed)
    expect(message).to_contain_text("This MIDI file cannot be used: not a MIDI file")
    expect(picker).to_be_focused()
    expect(page.locator("[data-source]")).to_be_hidden()

    page.get_by_role("button", name="Convert", exact=True).click()
    expect(message).to_have_text("Choose a MIDI file to convert first.")
    expect(page.locator("[data-convert-form]")).not_to_have_attribute("data-streaming", "true")
    songs = page.request.get("/api/songs").json()
    assert songs["total"] == 0


def test_a_file_the_studio_is_unsure_about_asks_with_its_guess_selected_and_a_preview_per_track(
    page: Page, signed_in: Account, tmp_path: Path
):
    # Two unnamed tracks playing the same tune: nothing tells which one is the melody.
    path = tmp_path / "Twins.mid"
    path.write_bytes(
        midi_bytes([meta(tempo=120), note_messages(TUNE), note_messages(TUNE, channel=1)])
    )
    open_converter(page)
    page.get_by_label("Choose a MIDI file").set_input_files(path)
    picker = page.get_by_label("Melody track")
    expect(picker).to_be_visible()
    expect(picker).to_have_value("1")  # the studio's guess, the first of the two
    expect(page.locator("[data-track-field]")).to_have_attribute("data-unsure", "true")
    expect(page.locator("[data-track-hint]")).to_contain_text(
        "Not sure which track carries the tune: Track 2 is picked."
    )
    previews = page.locator("[data-track-previews] button")
    expect(previews).to_have_text(["Play Track 2", "Play Track 3"])

    previews.nth(1).click()
    expect(page.locator("[data-player-title]")).to_have_text("Track 3 from Twins.mid")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")
    assert notes_on_roll(page) > 0

    picker.select_option("2")
    page.locator("[data-source]").get_by_role("button", name="Play the original").click()
    expect(page.locator("[data-player-title]")).to_have_text("Original: Twins.mid")


def test_a_file_with_a_clear_tune_does_not_ask(page: Page, signed_in: Account, tmp_path: Path):
    open_converter(page)
    page.get_by_label("Choose a MIDI file").set_input_files(write_tune(tmp_path))
    expect(page.get_by_label("Melody track")).to_have_value("1")
    expect(page.locator("[data-track-field]")).to_have_attribute("data-unsure", "false")
    expect(page.locator("[data-track-hint]")).to_contain_text("the track the studio chose")
