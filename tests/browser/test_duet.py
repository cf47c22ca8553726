"""Call and response and continue-my-melody in Chromium: a phrase played on the keyboard is
answered in the piano roll and the model listens again; a recorded phrase opens the melody
that Generate continues, and is saved with it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Account


def notes_on_roll(page: Page) -> int:
    return int(page.locator("[data-player-roll]").get_attribute("data-note-count") or 0)


def open_studio(page: Page) -> None:
    page.goto("/studio")
    expect(page.locator("[data-connection]")).to_have_attribute("data-status", "connected")
    expect(page.locator("[data-player-status]")).to_have_text("Ready")
    page.get_by_label("Genre").select_option("folk")
    page.get_by_label("Mode").select_option("minor")
    page.get_by_label("Tempo").fill("200")


def play(page: Page, keys: str) -> None:
    """Each key held for a moment, one after the other, as a person plays them."""
    for key in keys:
        page.keyboard.down(key)
        page.wait_for_timeout(120)
        page.keyboard.up(key)
        page.wait_for_timeout(30)


def test_a_played_phrase_is_answered_in_the_roll_then_the_model_listens_again(
    page: Page, signed_in: Account
):
    open_studio(page)
    page.get_by_label("Answer length").select_option("1")
    duet = page.locator("[data-duet-form]")
    page.get_by_role("button", name="Start call and response").click()
    expect(duet).to_have_attribute("data-turn", "person")
    page.locator("body").focus()  # the keys play, whatever button was last pressed
    play(page, "zxcv")
    expect(duet).to_have_attribute("data-turn", "model")  # a beat of silence ended the phrase
    page.wait_for_function(
        "() => Number(document.querySelector('[data-duet-form]').dataset.answerNotes) > 0"
    )
    answer = int(duet.get_attribute("data-answer-notes") or 0)
    assert notes_on_roll(page) >= 4 + answer  # the four played, the answer, and the chords
    expect(page.locator("[data-chord-lane]")).to_have_attribute("data-struck", re.compile(".+"))
    expect(duet).to_have_attribute("data-turn", "person", timeout=15_000)  # heard to its end

    page.get_by_role("button", name="Stop and save").click()
    expect(page.get_by_role("link", name="Open dashboard")).to_be_visible()
    songs = page.request.get("/api/songs").json()["songs"]
    assert songs[0]["title"] == "Duet in C minor"
    assert len(songs[0]["parameters"]["played"]) == 4


def test_the_duets_first_chord_sounds_on_its_first_beat(page: Page, signed_in: Account):
    open_studio(page)
    page.get_by_role("button", name="Start call and response").click()
    # Heard inside the first bar (1.2 s at 200 BPM): the next chord is a bar or more later.
    page.wait_for_function(
        """() => {
            const strip = document.querySelector('[data-mixer] > [data-mixer-part="chords"]');
            return Number(strip.dataset.sounded) > 0 && Number(strip.dataset.level) > 0.001;
        }""",
        timeout=1000,
    )
    page.get_by_role("button", name="Stop and save").click()


def test_a_recorded_phrase_opens_the_melody_generate_continues(page: Page, signed_in: Account):
    open_studio(page)
    page.get_by_label("Length in bars").fill("2")
    page.get_by_role("button", name="Record a phrase").click()
    page.wait_for_timeout(1400)  # one bar of count-in at 200 BPM is 1.2 s
    page.locator("body").focus()
    play(page, "qwe")
    page.get_by_role("button", name="Use it as the opening").click()
    expect(page.locator("[data-opening-status]")).to_contain_text("Opening: 3 notes (1 bar)")

    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("link", name="Open dashboard")).to_be_visible(timeout=30_000)
    song = page.request.get("/api/songs").json()["songs"][0]
    assert [note[0] for note in song["parameters"]["primer"]] == [60, 62, 64]  # C4 D4 E4
    assert song["parameters"]["bars"] == 3  # the opening bar and the two asked for


def test_continue_on_a_saved_song_opens_the_studio_with_its_bars_as_the_opening(
    page: Page, signed_in: Account, insert_song
):
    # Bar 1: C E, bar 2: G A B, bar 3: C.
    notes = [(60, 0, 2), (64, 2, 2), (67, 4, 1), (69, 5, 1), (71, 6, 2), (72, 8, 4)]
    insert_song(signed_in.email, notes, title="Harbour Lights", genre="folk", tempo=150.0)
    page.goto("/dashboard")
    page.get_by_role("link", name="Continue Harbour Lights in the studio").click()
    expect(page.locator("[data-opening-status]")).to_contain_text("of “Harbour Lights”")
    expect(page.get_by_label("Genre")).to_have_value("folk")
    page.get_by_label("From bar").fill("2")
    page.get_by_label("To bar").fill("2")
    expect(page.locator("[data-opening-status]")).to_contain_text("Opening: 3 notes (1 bar)")
    page.get_by_label("Length in bars").fill("1")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("link", name="Open dashboard")).to_be_visible(timeout=30_000)
    song = page.request.get("/api/songs").json()["songs"][0]
    assert song["parameters"]["primer"] == [[67, 0, 1], [69, 1, 1], [71, 2, 2]]
    assert song["tempo"] == 150
