"""The band in Chromium: the studio's band switch streams a band under the melody, every part
heard while it is written; a saved band song replays each part on its own instrument through
its own strip of the player's mixer, whose mute and solo silence the right parts and are kept
for the next visit; the roll shows each part in its colour, the drums in a lane of their own."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect

from server.generation.band.styles import style_for
from tests.browser.band_pieces import BAND_PIECES, insert_band_song
from tests.browser.conftest import (
    Account,
    PageProblems,
    open_studio,
    screenshot,
    wait_for_sound,
    watched_page,
)

PARTS = ("melody", "chords", "bass", "drums")
PART_NAMES = {"melody": "Melody", "chords": "Chords", "bass": "Bass", "drums": "Drums"}
HEARD = 0.004  # a strip's meter above this: the part is sending sound


def strip(page: Page, part: str) -> Locator:
    return page.locator(f"[data-mixer-part={part}]")


def play(page: Page, title: str) -> None:
    """Plays the saved song `title`, once its instruments have loaded (a fresh page loads the
    piano's samples twice over: the melody's and the comping's)."""
    page.get_by_role("button", name=f"Play {title}").click()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing", timeout=20_000)


def wait_for_parts(page: Page, heard: set[str]) -> None:
    """Waits until the strips of `heard` send sound and every other strip is silent."""
    page.wait_for_function(
        """([heard, level]) => [...document.querySelectorAll('[data-mixer-part]')].every((strip) =>
             heard.includes(strip.dataset.mixerPart)
               ? Number(strip.dataset.level) > level : Number(strip.dataset.level) === 0)""",
        arg=[sorted(heard), HEARD],
    )


def test_a_band_song_plays_each_part_on_its_instrument_and_the_roll_colours_them(
    page: Page, signed_in: Account, insert_song: Callable[..., str]
) -> None:
    insert_band_song(insert_song, signed_in.email, "jazz", "Blue in C")
    page.goto("/dashboard")
    play(page, "Blue in C")
    instruments = {
        "melody": "Grand piano",
        "chords": "Grand piano",
        "bass": "Upright bass",
        "drums": "Drum kit",
    }
    for part, instrument in instruments.items():
        expect(strip(page, part)).to_have_attribute("data-instrument", instrument)
        expect(strip(page, part).get_by_text(instrument)).to_be_visible()
    # Every part's notes are scheduled on its own strip, and every strip sends sound.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-mixer-part]')]
             .every((strip) => Number(strip.dataset.sounded) >= 4)"""
    )
    wait_for_parts(page, set(PARTS))
    wait_for_sound(page)  # the waveform reads the mix at the master

    roll = page.locator("[data-player-roll]")
    count = len(BAND_PIECES["jazz"].notes)
    expect(roll).to_have_attribute(
        "aria-label", f"Piano roll, {count} notes (Melody, Chords, Bass, Drums)"
    )
    legend = page.locator("[data-roll-legend] li")
    expect(legend).to_have_text(["Melody", "Chords", "Bass", "Drums"])
    screenshot(page, "dashboard-band")


def test_mute_and_solo_silence_the_right_parts_and_are_kept_for_the_next_visit(
    page: Page, signed_in: Account, insert_song: Callable[..., str]
) -> None:
    insert_band_song(insert_song, signed_in.email, "rock")
    page.goto("/dashboard")
    play(page, "rock band")
    wait_for_parts(page, set(PARTS))

    mute_bass = page.get_by_role("button", name="Mute bass")
    mute_bass.click()
    expect(mute_bass).to_have_attribute("aria-pressed", "true")
    wait_for_parts(page, {"melody", "chords", "drums"})

    solo_drums = page.get_by_role("button", name="Solo drums")
    solo_drums.click()
    wait_for_parts(page, {"drums"})
    page.get_by_role("button", name="Solo chords").click()  # a plain solo replaces the last
    wait_for_parts(page, {"chords"})
    solo_drums.click(modifiers=["Shift"])  # Shift adds a part to those soloed
    wait_for_parts(page, {"chords", "drums"})
    expect(solo_drums).to_have_attribute("aria-pressed", "true")
    wait_for_sound(page)

    page.reload()  # the player (hidden until a song plays) comes back with the same mix
    expect(strip(page, "bass").locator("[data-mixer-mute]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(strip(page, "drums").locator("[data-mixer-solo]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(strip(page, "melody").locator("[data-mixer-solo]")).to_have_attribute(
        "aria-pressed", "false"
    )
    play(page, "rock band")
    wait_for_parts(page, {"chords", "drums"})


def test_the_rock_guitar_is_heard_on_every_fresh_page(
    context: BrowserContext,
    problems: PageProblems,
    signed_in: Account,
    insert_song: Callable[..., str],
) -> None:
    """The overdriven guitar's chain once came up silent on about two pages in five (its notes
    counted, nothing sent): each of six fresh pages (a new audio graph each) hears it."""
    insert_band_song(insert_song, signed_in.email, "rock")
    for _ in range(6):
        page = watched_page(context, problems)
        page.goto("/dashboard")
        play(page, "rock band")
        page.wait_for_function(
            """(level) => Number(document.querySelector('[data-mixer-part=chords]').dataset.level)
                 > level""",
            arg=HEARD,
            timeout=6_000,
        )
        page.close()
    assert problems.unexpected_errors() == [], "console errors on the page"


def test_the_mixer_works_from_the_keyboard(
    page: Page, signed_in: Account, insert_song: Callable[..., str]
) -> None:
    insert_band_song(insert_song, signed_in.email, "pop")
    page.goto("/dashboard")
    play(page, "pop band")
    wait_for_parts(page, set(PARTS))
    fader = page.get_by_label("Drums volume")
    fader.focus()
    for _ in range(5):  # each press one step of 0.01
        fader.press("ArrowLeft")
    expect(fader).to_have_value("0.95")
    fader.press("Home")  # the rest at once: a hundred presses can outlast the song
    expect(fader).to_have_value("0")
    wait_for_parts(page, {"melody", "chords", "bass"})
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")

    mute = page.get_by_role("button", name="Mute melody")
    mute.focus()
    page.keyboard.press("Space")
    expect(mute).to_have_attribute("aria-pressed", "true")
    wait_for_parts(page, {"chords", "bass"})
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")


def test_generate_with_the_band_plays_every_part_while_it_streams_and_replays_it(
    page: Page, signed_in: Account
) -> None:
    open_studio(page)
    band = page.get_by_role("switch", name="Band")
    expect(band).to_be_checked()  # on unless the listener turns it off
    page.get_by_label("Genre").select_option("pop")
    page.get_by_label("Length in bars").fill("8")
    page.get_by_label("Tempo").fill("150")
    page.get_by_role("button", name="Generate").click()

    form = page.locator("[data-studio-form]")
    expect(form).to_have_attribute("data-streaming", "true")
    playing = {"melody", *style_for("pop")}  # the parts pop's band plays
    page.wait_for_function(
        """(parts) => parts.every((part) => Number(
             document.querySelector(`[data-mixer-part=${part}]`).dataset.sounded) >= 2)""",
        arg=sorted(playing),
    )
    wait_for_sound(page)
    expect(form).to_have_attribute("data-streaming", "true")  # all of that while it streams
    legend = [PART_NAMES[part] for part in PARTS if part in playing]
    expect(page.locator("[data-roll-legend] li")).to_have_text(legend)
    screenshot(page, "studio-band", keep=True)

    dashboard_link = page.get_by_role("link", name="Open dashboard")
    expect(dashboard_link).to_be_visible(timeout=30_000)
    dashboard_link.click()
    page.get_by_role("button", name="Play Pop melody in C major").click()
    expect(page.locator("[data-roll-legend] li")).to_have_text(legend)  # the MIDI file's parts
    wait_for_parts(page, playing)


def test_a_band_without_chords_is_refused_at_the_switch_and_nothing_starts(
    page: Page, signed_in: Account
) -> None:
    open_studio(page)
    page.get_by_label("Who writes the chords").select_option("none")
    page.get_by_role("button", name="Generate").click()

    band = page.get_by_role("switch", name="Band")
    error = page.locator("#band-error")
    expect(error).to_contain_text("a band plays chords")
    expect(band).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "false")
    band.uncheck()  # a bare melody, then
    expect(error).to_be_hidden()
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("[data-studio-form]")).to_have_attribute("data-streaming", "true")
