"""The pop band's learned piano (the shipped checkpoint) over typed progressions: chord tones of
the chord sounding, in a piano's registers, seeded, varied, in 4/4 and 3/4, silent without a
chord, holding the last chord."""

from __future__ import annotations

from statistics import median

import numpy as np

from server.generation.band.arrangement import Band
from server.generation.band.pop_piano import PopPiano
from server.generation.notes import CHORDS, TICKS_PER_BEAT, Note
from server.generation.progression import Progression
from server.generation.progression_text import parse_progression

MANY_CHORDS = "C Am7 | Fmaj7 G7 | Dm Bdim | E7 Asus4 | Bb/D C6 | Ebm6 F#m7b5 | Gsus2 Caug | Db"


def play(chords: Progression, *, bars: int | None = None, seed: int = 5) -> list[Note]:
    bars = bars or chords.bars
    band = Band({CHORDS: PopPiano}, chords, bars=bars, seed=seed, tempo=96, tonic=0, mode="major")
    return band.rest()


def test_every_note_is_a_tone_of_the_chord_sounding_in_a_piano_register() -> None:
    chords = parse_progression(MANY_CHORDS)
    notes = play(chords, bars=32)
    assert len(notes) > 32 * 4
    for note in notes:
        chord = chords.chord_at(note.start)
        assert note.pitch % 12 in chord.pitch_classes(), (note, chord)
        assert note.chord == chord.symbol and note.part == CHORDS
        assert 28 <= note.pitch <= 88 and 1 <= note.velocity <= 127
    assert any(note.pitch < 48 for note in notes) and any(note.pitch >= 60 for note in notes)


def test_a_slash_chord_puts_its_bass_under_the_left_hand() -> None:
    notes = play(parse_progression("Bb/D"), bars=8)
    lowest = [min(n.pitch for n in notes if n.start // 48 == bar) for bar in range(8)]
    assert any(pitch % 12 == 2 for pitch in lowest)


def test_the_same_seed_plays_the_same_bars_and_another_seed_others() -> None:
    chords = parse_progression("C Am F G")
    assert play(chords, bars=16, seed=3) == play(chords, bars=16, seed=3)
    assert play(chords, bars=16, seed=3) != play(chords, bars=16, seed=4)


def test_the_bars_vary_and_the_right_hand_moves_little_between_them() -> None:
    chords = parse_progression("C Am F G")
    notes = play(chords, bars=32)
    bars = [
        tuple((n.start % 48, n.duration) for n in notes if n.start // 48 == bar)
        for bar in range(31)
    ]
    assert len(set(bars)) > 8  # rhythms vary from bar to bar
    centres = [
        np.mean([n.pitch for n in notes if n.start // 48 == bar and n.pitch >= 55] or [np.nan])
        for bar in range(31)
    ]
    jumps = [abs(b - a) for a, b in zip(centres, centres[1:], strict=False) if a == a and b == b]
    assert median(jumps) <= 5  # voice leading: the right hand stays near where it was


def test_two_chords_in_a_bar_each_get_their_half() -> None:
    chords = parse_progression("C G | Am Em")
    notes = play(chords, bars=8)
    for span in chords.looped_to(8).spans[:-2]:
        inside = [n for n in notes if span.start <= n.start < span.end]
        assert any(n.start == span.start for n in inside), span
        assert all(n.end <= span.end for n in inside)


def test_three_four_bars_stay_inside_the_bar() -> None:
    chords = parse_progression("C | Am | F | G", beats_per_bar=3)
    bar = 3 * TICKS_PER_BEAT
    notes = play(chords, bars=12)
    assert {n.start // bar for n in notes} == set(range(12))
    assert all(n.end <= (n.start // bar + 1) * bar for n in notes)


def test_no_chord_is_a_rest_and_the_last_bar_holds_its_chord() -> None:
    chords = parse_progression("C | N.C. | F | C")
    notes = play(chords)
    assert not [n for n in notes if 48 <= n.start < 96]
    last = [n for n in notes if n.start >= 3 * 48]
    assert {n.start for n in last} == {3 * 48} and all(n.end == 4 * 48 for n in last)
    assert {n.pitch % 12 for n in last} == {0, 4, 7}
