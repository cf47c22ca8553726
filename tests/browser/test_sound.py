"""What the dashboard's player sends to the speakers, measured on the audio clock: a song replays
on the instrument it was made with, every instrument is about as loud as the others and none
clips, every genre's band is as loud and does not clip either, and double speed covers twice
the beats."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.band_pieces import BAND_PIECES, insert_band_song
from tests.browser.conftest import Account, wait_for_sound

PROBE = Path(__file__).with_name("audio_probe.js")
# A fixed test phrase over two octaves, quarters, eighths and a held note (pitch, beat, beats).
TEST_MELODY = [
    (60, 0.0, 1.0),
    (64, 1.0, 1.0),
    (67, 2.0, 1.0),
    (72, 3.0, 1.0),
    (76, 4.0, 0.5),
    (74, 4.5, 0.5),
    (72, 5.0, 0.5),
    (71, 5.5, 0.5),
    (69, 6.0, 1.0),
    (67, 7.0, 1.0),
    (79, 8.0, 1.0),
    (77, 9.0, 0.5),
    (76, 9.5, 0.5),
    (74, 10.0, 2.0),
]
INSTRUMENTS = ("piano", "fm", "pad", "pluck")
LOUDEST_WINDOW_SECONDS = 0.4
LOUDNESS_RANGE_DBFS = (-14.0, -9.0)  # the loudest window of every instrument
LOUDNESS_SPREAD_DB = 3.0  # between the loudest and the quietest instrument
CEILING_DBFS = -0.99  # the master's soft clipper bends every sample below -1 dBFS


@pytest.fixture
def probed(page: Page) -> Page:
    """The page with a recorder on its speaker output (tests/browser/audio_probe.js)."""
    page.add_init_script(path=str(PROBE))
    return page


def scale(beats: int) -> list[tuple[int, float, float]]:
    """One quarter note per beat, up and down the C major scale."""
    steps = (60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62)
    return [(steps[beat % len(steps)], float(beat), 0.9) for beat in range(beats)]


def play_from_dashboard(page: Page, title: str) -> None:
    page.get_by_role("button", name=f"Play {title}").click()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")


def record_song(page: Page, title: str) -> list[dict]:
    """Plays the saved song `title` to its end; the output blocks recorded meanwhile."""
    page.wait_for_function("() => window.audioProbe")
    page.evaluate("() => { audioProbe.blocks = []; audioProbe.recording = true; }")
    play_from_dashboard(page, title)
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "stopped", timeout=30_000)
    return page.evaluate("() => { audioProbe.recording = false; return audioProbe.blocks; }")


def loudest_window_dbfs(blocks: list[dict], sample_rate: float) -> float:
    """RMS in dBFS (a full-scale sine reads -3) of the loudest `LOUDEST_WINDOW_SECONDS`."""
    frames = blocks[0]["count"] // 2  # two channels
    size = max(1, round(LOUDEST_WINDOW_SECONDS * sample_rate / frames))
    powers = [
        sum(block["sum"] for block in blocks[i : i + size])
        / sum(block["count"] for block in blocks[i : i + size])
        for i in range(len(blocks) - size + 1)
    ]
    return 10 * math.log10(max(powers))


def test_a_song_replays_on_the_instrument_it_was_made_with(
    probed: Page, signed_in: Account, insert_song: Callable[..., str]
):
    insert_song(signed_in.email, scale(8), title="Plain", parameters={})
    insert_song(signed_in.email, scale(8), title="Bells", parameters={"instrument": "fm"})
    probed.goto("/dashboard")
    instrument = probed.get_by_label("Instrument")

    play_from_dashboard(probed, "Bells")
    expect(instrument).to_have_value("fm")
    expect(probed.locator("[data-player]")).to_have_attribute("data-instrument", "fm")
    wait_for_sound(probed)

    play_from_dashboard(probed, "Plain")  # saved before songs recorded their instrument
    expect(instrument).to_have_value("piano")
    expect(probed.locator("[data-player]")).to_have_attribute("data-instrument", "piano")


def record_playhead(page: Page, seconds: float) -> None:
    """Starts recording (audio-clock seconds, playhead beats) pairs for `seconds` of audio, each
    pair read as the player bar draws a frame, and the audio-clock time of a speed change;
    `recorded_playhead` waits for the result."""
    page.evaluate(
        """(seconds) => {
          const context = audioProbe.context;
          const progress = document.querySelector('[data-player-progress]');
          const record = { readings: [], changed: null, done: false };
          window.playheadRecord = record;
          document.querySelector('[data-player-speed]').addEventListener('change', () => {
            record.changed ??= context.currentTime;
          });
          const until = context.currentTime + seconds;
          // The bar sets the position and then its text: the pair read here is the one drawn.
          const observer = new MutationObserver(() => {
            record.readings.push([context.currentTime, Number(progress.value)]);
            if (context.currentTime < until) return;
            observer.disconnect();
            record.done = true;
          });
          observer.observe(progress, { attributes: true, attributeFilter: ['aria-valuetext'] });
        }""",
        seconds,
    )


def recorded_playhead(page: Page) -> dict:
    page.wait_for_function("() => window.playheadRecord.done")
    return page.evaluate("() => window.playheadRecord")


def beats_at(readings: list[list[float]], time: float) -> float:
    """The playhead at audio-clock `time`, interpolated between the readings around it."""
    for (t0, b0), (t1, b1) in itertools.pairwise(readings):
        if t0 <= time <= t1 and t1 > t0:
            return b0 + (b1 - b0) * (time - t0) / (t1 - t0)
    raise AssertionError(f"no playhead reading around {time} s")


def beats_when_changed(readings: list[list[float]], time: float) -> float:
    """The playhead at `time`, the moment the speed changed, carried on from the readings before
    it at the speed before (interpolating across the change would blend the two speeds)."""
    (t0, b0), (t1, b1) = [reading for reading in readings if reading[0] < time][-2:]
    return b1 + (b1 - b0) * (time - t1) / (t1 - t0)


def test_double_speed_covers_ten_beats_in_two_seconds_of_audio(
    probed: Page, signed_in: Account, insert_song: Callable[..., str]
):
    insert_song(signed_in.email, scale(64), title="Runner", tempo=150.0)  # 2.5 beats a second
    probed.goto("/dashboard")
    play_from_dashboard(probed, "Runner")
    wait_for_sound(probed)
    record_playhead(probed, 3.0)
    probed.wait_for_function("() => window.playheadRecord.readings.length >= 3")
    probed.get_by_label("Speed").select_option("2")
    record = recorded_playhead(probed)
    changed, readings = record["changed"], record["readings"]
    advanced = beats_at(readings, changed + 2.0) - beats_when_changed(readings, changed)
    times, beats = zip(*[r for r in readings if r[0] >= changed + 0.5], strict=True)
    slope = statistics.linear_regression(times, beats).slope
    print(f"2x: {advanced:.3f} beats in the 2 s after the change, {slope:.3f} beats/s later")
    # 150 BPM at 2x: 5 beats a second. The readings are taken once a drawn frame, and the change's
    # moment is read in the page's event, not the audio thread: on a busy machine the two ends
    # may each be off by a few ms, so the window's beats are checked to within one frame at 2x
    # (16.7 ms, 0.083 beats); the steady speed after it, by the slope, to within 0.5%.
    assert advanced == pytest.approx(10.0, abs=0.083)
    assert slope == pytest.approx(5.0, abs=0.025)


def test_every_instrument_is_as_loud_as_the_others_and_none_clips(
    probed: Page, signed_in: Account, insert_song: Callable[..., str]
):
    for name in INSTRUMENTS:
        insert_song(signed_in.email, TEST_MELODY, title=name, parameters={"instrument": name})
    probed.goto("/dashboard")
    levels, peaks = {}, {}
    for name in INSTRUMENTS:  # at the volume the player starts with
        blocks = record_song(probed, name)
        levels[name] = loudest_window_dbfs(blocks, probed.evaluate("() => audioProbe.sampleRate"))
        peaks[name] = peak_dbfs(blocks)
    report = ", ".join(f"{n} {levels[n]:.1f} dBFS (peak {peaks[n]:.1f})" for n in INSTRUMENTS)
    print(f"loudest {LOUDEST_WINDOW_SECONDS} s window: {report}")
    low, high = LOUDNESS_RANGE_DBFS
    assert all(low <= level <= high for level in levels.values()), report
    assert max(levels.values()) - min(levels.values()) <= LOUDNESS_SPREAD_DB, report

    peakiest = max(peaks, key=peaks.get)
    set_volume(probed, 1.0)  # the volume slider all the way up
    loudest = peak_dbfs(record_song(probed, peakiest))
    print(f"{peakiest} at full volume: peak {loudest:.2f} dBFS")
    assert loudest <= 0.0


def test_every_genres_band_is_near_the_loudness_target_and_none_clips(
    probed: Page, signed_in: Account, insert_song: Callable[..., str]
):
    for genre in BAND_PIECES:
        insert_band_song(insert_song, signed_in.email, genre)
    probed.goto("/dashboard")
    sample_rate = probed.evaluate("() => audioProbe.sampleRate")
    levels, peaks = {}, {}
    for genre in BAND_PIECES:  # at the volume the player starts with, every part at unity
        blocks = record_song(probed, f"{genre} band")
        levels[genre] = loudest_window_dbfs(blocks, sample_rate)
        peaks[genre] = peak_dbfs(blocks)
    report = ", ".join(f"{g} {levels[g]:.1f} dBFS (peak {peaks[g]:.1f})" for g in BAND_PIECES)
    print(f"band, loudest {LOUDEST_WINDOW_SECONDS} s window: {report}")
    low, high = LOUDNESS_RANGE_DBFS
    assert all(low <= level <= high for level in levels.values()), report
    assert max(peaks.values()) < CEILING_DBFS, report


def peak_dbfs(blocks: list[dict]) -> float:
    return 20 * math.log10(max(block["peak"] for block in blocks))


def set_volume(page: Page, fraction: float) -> None:
    page.get_by_label("Volume", exact=True).evaluate(
        """(slider, fraction) => {
          slider.value = String(fraction);
          slider.dispatchEvent(new Event('input', { bubbles: true }));
        }""",
        fraction,
    )
