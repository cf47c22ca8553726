"""Each genre's band plays what a musician of the genre would: walking bass and swing in jazz,
eighth-note roots and a backbeat in rock, Alberti figures and no drums in classical; fills
only where sections end; seeded; in 4/4, 3/4 and other meters; inside its bars and registers.
"""

import pytest

from server.generation.band.arrangement import Band
from server.generation.band.drum_kits import (
    CRASH,
    PEDAL_HAT,
    RIDE,
    SNARE,
    TOMS,
    VELOCITY,
)
from server.generation.band.styles import STYLES, style_for
from server.generation.band.voicing import close, lead
from server.generation.chords import parse_symbol
from server.generation.form_plan import plan_form
from server.generation.melody import GENRES
from server.generation.notes import BASS, CHORDS, DRUMS, TICKS_PER_BEAT, Note
from server.generation.progression_text import parse_progression

BEAT = TICKS_PER_BEAT
DRUM_GENRES = ("folk", "jazz", "pop", "rock")
# Where each part may sound (MIDI): a bass from E1 to G3, chords from E2 to G5 on a guitar or
# in a jazz pianist's left hand, anywhere in a piano's E1..E6 in pop (the piano learned from
# POP909 plays its left hand low).
REGISTERS = {BASS: (28, 55), CHORDS: (40, 79)}
POP_PIANO = (28, 88)


def band(
    genre: str,
    text: str = "C Am F G7",
    *,
    bars: int = 16,
    seed: int = 1,
    tempo: float = 120,
    beats_per_bar: int = 4,
    form: bool = False,
) -> list[Note]:
    chords = parse_progression(text, beats_per_bar=beats_per_bar)
    plan = plan_form(genre, bars) if form else None
    return Band(
        style_for(genre),
        chords,
        bars=bars,
        seed=seed,
        tempo=tempo,
        tonic=0,
        mode="major",
        form=plan,
    ).rest()


def part(notes: list[Note], name: str) -> list[Note]:
    return [note for note in notes if note.part == name]


def in_bar(notes: list[Note], index: int, beats_per_bar: int = 4) -> list[tuple[int, Note]]:
    """(tick from the bar line, note) of the notes starting in bar `index`."""
    bar = beats_per_bar * BEAT
    return [(n.start - index * bar, n) for n in notes if index * bar <= n.start < (index + 1) * bar]


def test_every_genre_has_its_band() -> None:
    assert set(STYLES) == set(GENRES)
    assert DRUMS not in STYLES["classical"] and BASS not in STYLES["classical"]
    assert CHORDS in STYLES["pop"]  # where the piano learned from POP909 is plugged in


def test_jazz_bass_walks_a_chord_tone_on_every_strong_beat() -> None:
    progression = "Dm7 G7 Cmaj7 A7"
    notes = part(band("jazz", progression, bars=15), BASS)
    chords = [parse_symbol(symbol) for symbol in progression.split()]
    for index in range(14):  # the last bar holds its root
        walked = in_bar(notes, index)
        assert [tick for tick, _ in walked] == [0, BEAT, 2 * BEAT, 3 * BEAT]
        assert all(note.duration <= BEAT for _, note in walked)  # quarter notes
        chord = chords[index % 4]
        assert walked[0][1].pitch % 12 == chord.root
        assert walked[2][1].pitch % 12 in chord.pitch_classes()
        following = chords[(index + 1) % 4].root or 0
        leading = (following - walked[3][1].pitch) % 12  # the approach into the next chord
        assert leading in (1, 2, 5, 7, 10, 11)


def test_jazz_swings_its_eighths_and_keeps_the_hi_hat_on_2_and_4() -> None:
    notes = band("jazz", "Dm7 G7 Cmaj7 A7", bars=16)
    ride = [n for n in part(notes, DRUMS) if n.pitch == RIDE]
    comping = part(notes, CHORDS)
    for strokes in (ride, comping):
        offbeats = {n.start % BEAT for n in strokes} - {0}
        assert offbeats == {8}  # a swung eighth: 8 + 4 ticks, never the straight 6
    for index in range(15):
        feet = [tick for tick, n in in_bar(part(notes, DRUMS), index) if n.pitch == PEDAL_HAT]
        assert feet == [BEAT, 3 * BEAT]


def test_jazz_comping_uses_shells_of_third_and_seventh() -> None:
    notes = part(band("jazz", "Dm7 G7 Cmaj7 Cmaj7", bars=8), CHORDS)
    for symbol, thirds_and_sevenths in (("Dm7", {5, 0}), ("G7", {11, 5}), ("Cmaj7", {4, 11})):
        voicing = {n.pitch % 12 for n in notes if n.chord == symbol}
        assert thirds_and_sevenths <= voicing
        assert len(voicing) <= 4


def test_rock_bass_plays_eighths_on_the_roots_under_a_backbeat() -> None:
    progression = "E D A E"
    notes = band("rock", progression, bars=16)
    bass = part(notes, BASS)
    roots = [parse_symbol(symbol).root for symbol in progression.split()]
    on_root = 0
    for index in range(15):
        played = in_bar(bass, index)
        assert [tick for tick, _ in played if tick % 6] == []
        assert played[0][1].pitch % 12 == roots[index % 4]
        on_root += sum(n.pitch % 12 == roots[index % 4] for _, n in played)
    assert on_root >= 0.7 * sum(1 for n in bass if n.start < 15 * 4 * BEAT)
    for index in range(16):
        snare = [tick for tick, n in in_bar(part(notes, DRUMS), index) if n.pitch == SNARE]
        if (index + 1) % 4:  # not where a section ends (and a fill may take the last beats)
            assert snare == [BEAT, 3 * BEAT]


def test_rock_guitar_plays_power_chords() -> None:
    guitar = part(band("rock", "E D A E", bars=8), CHORDS)
    for start in {n.start for n in guitar}:
        chord = sorted(n.pitch for n in guitar if n.start == start)
        intervals = [p - chord[0] for p in chord]
        assert intervals in ([0, 7, 12], [0, 7])  # a palm-muted stroke leaves out the octave


@pytest.mark.parametrize("genre", ["pop", "rock", "jazz"])
def test_fills_only_where_sections_end_and_a_crash_where_they_start(genre: str) -> None:
    for form in (False, True):
        notes = band(genre, bars=16, form=form)
        plan = plan_form(genre, 16) if form else None
        ends = {
            i
            for i in range(16)
            if (plan and (i == 15 or plan.sections[i] != plan.sections[i + 1]))
            or (not plan and (i + 1) % 4 == 0)
        }
        for index in range(16):
            drums = in_bar(part(notes, DRUMS), index)
            if any(n.pitch in TOMS for _, n in drums):
                assert index in ends
            starts_section = index == 0 or index - 1 in ends
            crashed = any(n.pitch == CRASH and tick == 0 for tick, n in drums)
            assert crashed == (starts_section or index == 15)


def test_classical_keyboard_plays_an_alberti_bass_and_no_drums() -> None:
    for seed in range(5):
        notes = band("classical", "C G7 Am F", bars=8, seed=seed)
        assert part(notes, DRUMS) == []
        figure = [n.pitch for _, n in in_bar(part(notes, CHORDS), 0)]
        low, high, middle = figure[0], figure[1], figure[2]
        assert figure == [low, high, middle, high] * 2
        assert low < middle < high <= low + 12
        assert low % 12 in (0, 4)  # C major in root position or first inversion
        assert part(notes, BASS) == []  # the left hand's lowest voice is the bass line
        assert all(48 <= pitch <= 72 for pitch in figure)  # C3..C5


def test_classical_alberti_quickens_to_sixteenths_when_slow() -> None:
    notes = part(band("classical", "C G7", bars=4, tempo=72), CHORDS)
    assert len(in_bar(notes, 0)) == 16


def test_pop_hats_run_in_sixteenths_only_below_130() -> None:
    for tempo, sixteenths in ((100, True), (140, False)):
        found = False
        for seed in range(6):
            drums = part(band("pop", bars=16, seed=seed, tempo=tempo), DRUMS)
            found |= any(n.start % 6 == 3 and n.pitch == 42 for n in drums)
        assert found == sixteenths


def test_folk_picks_in_three_four_and_strums_in_four_four() -> None:
    waltz = part(band("folk", "G C D G", beats_per_bar=3, bars=8), CHORDS)
    for index in range(7):
        picked = in_bar(waltz, index, 3)
        assert [tick for tick, _ in picked] == [0, 6, 12, 18, 24, 30]  # one string an eighth
    strummed = part(band("folk", "G C D G", bars=8, seed=4), CHORDS)
    assert max(sum(1 for n in strummed if n.start == start) for start in range(0, 48)) >= 3


@pytest.mark.parametrize("genre", GENRES)
def test_the_same_seed_plays_the_same_band_and_another_seed_another(genre: str) -> None:
    assert band(genre, seed=5) == band(genre, seed=5)
    assert band(genre, seed=5) != band(genre, seed=6)


@pytest.mark.parametrize("genre", GENRES)
@pytest.mark.parametrize("beats_per_bar", [3, 4, 2, 5, 6])
def test_every_note_lies_in_its_bar_and_its_register(genre: str, beats_per_bar: int) -> None:
    text = "C Am7 | F G7/B | N.C. | Dm7 G7"
    bar = beats_per_bar * BEAT
    for seed in range(3):
        notes = band(genre, text, bars=12, seed=seed, beats_per_bar=beats_per_bar)
        for note in notes:
            end_of_bar = (note.start // bar + 1) * bar
            anticipation = note.part == CHORDS and note.start % bar == bar - 4
            assert note.end <= end_of_bar or anticipation
            if note.part == DRUMS:
                assert note.pitch in VELOCITY  # a drum of the General MIDI kit the band plays
            else:
                low, high = (
                    POP_PIANO if (genre, note.part) == ("pop", CHORDS) else REGISTERS[note.part]
                )
                assert low <= note.pitch <= high
        lowest = CHORDS if genre == "classical" else BASS  # a left hand's bass line
        bass_bars = {note.start // bar for note in part(notes, lowest)}
        assert bass_bars == set(range(12)) - {2, 6, 10}  # every bar with a chord has its bass


@pytest.mark.parametrize("genre", GENRES)
def test_a_bar_without_chords_leaves_the_drums_alone(genre: str) -> None:
    notes = band(genre, "C | N.C. | F | G", bars=8)
    silent = [n for n in notes if 4 * BEAT <= n.start < 8 * BEAT]
    assert {n.part for n in silent} <= {DRUMS}
    if genre != "classical":
        assert any(n.part == CHORDS for n in notes if n.start < 4 * BEAT)


@pytest.mark.parametrize("genre", GENRES)
def test_a_slash_chord_puts_its_bass_note_in_the_bass(genre: str) -> None:
    lowest = CHORDS if genre == "classical" else BASS  # a left hand's bass line
    notes = part(band(genre, "C/E | F | G/B | C", bars=8), lowest)
    for index, bass_class in ((0, 4), (2, 11), (4, 4), (6, 11)):
        assert min(n.pitch for tick, n in in_bar(notes, index) if tick == 0) % 12 == bass_class


@pytest.mark.parametrize("genre", GENRES)
def test_the_last_bar_holds_its_chord(genre: str) -> None:
    notes = band(genre, bars=8)
    last = in_bar(notes, 7)
    held = [n for tick, n in last if n.part != DRUMS]
    assert held and all(tick == 0 and n.duration == 4 * BEAT for tick, n in last if n.part != DRUMS)
    if genre in ("jazz", "pop", "rock"):
        assert any(n.pitch == CRASH for _, n in last)


def test_a_chord_moves_to_its_nearest_inversion() -> None:
    assert lead(close(parse_symbol("F")), (60, 64, 67), 48, 72) == (60, 65, 69)
    assert lead(close(parse_symbol("G7"), 3), (60, 64, 67), 48, 72) == (59, 65, 67)
    notes = part(band("classical", "C F G7 C Am Dm G7 C", bars=8, seed=0), CHORDS)
    voicings = [sorted({n.pitch for _, n in in_bar(notes, index)}) for index in range(8)]
    for before, after in zip(voicings, voicings[1:], strict=False):
        assert all(abs(a - b) <= 5 for a, b in zip(before, after, strict=True))
    roots, thirds = [0, 5, 7, 0, 9, 2, 7, 0], [4, 9, 11, 4, 0, 5, 11, 4]
    lowest = [voicing[0] % 12 for voicing in voicings]
    pairs = zip(roots, thirds, strict=True)
    assert all(low in pair for low, pair in zip(lowest, pairs, strict=True))
    assert set(lowest) & set(roots) and set(lowest) & set(thirds)  # whichever lies nearer


def test_rock_fills_use_the_toms() -> None:
    toms = {
        n.start // (4 * BEAT)
        for seed in range(4)
        for n in part(band("rock", seed=seed), DRUMS)
        if n.pitch in TOMS
    }
    assert toms and toms <= {3, 7, 11}


def test_the_rock_drummer_keeps_a_groove_through_a_section() -> None:
    for seed in range(4):
        drums = part(band("rock", seed=seed), DRUMS)
        for section in range(0, 12, 4):
            middle = [
                sorted((tick, n.pitch) for tick, n in in_bar(drums, index))
                for index in (section + 1, section + 2)
            ]
            assert middle[0] == middle[1]
