"""Melody events: grid, bar positions, from_notes, transposition, key finding."""

import pytest

from server.generation.melody import (
    Event,
    Melody,
    estimate_key,
    key_to_fifths,
)
from server.generation.notes import Note
from tests.notes import beat_notes

C_MAJOR_SCALE = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60]
A_MINOR_TUNE = [69, 72, 71, 69, 68, 69, 71, 72, 74, 76, 72, 71, 69, 68, 69]


def melody_of(pitches: list[int], **fields) -> Melody:
    return Melody([Event(p, 12) for p in pitches], **fields)


def test_notes_in_beats_snap_to_the_grid_and_gaps_become_rests():
    melody = Melody.from_notes(beat_notes([(60, 0, 1), (62, 1.5, 0.5), (64, 2 + 1 / 3, 1 / 3)]))
    assert melody.events == [
        Event(60, 12),
        Event(None, 6),
        Event(62, 6),
        Event(None, 4),
        Event(64, 4),
    ]


def test_from_notes_trims_overlaps_and_keeps_the_highest_of_a_chord():
    melody = Melody.from_notes(beat_notes([(60, 0, 2), (67, 0, 1), (64, 1, 1)]))
    assert melody.events == [Event(67, 12), Event(64, 12)]


def test_from_notes_keeps_the_bar_position_of_a_late_first_note():
    melody = Melody.from_notes(beat_notes([(60, 3, 1), (62, 4, 1)]), bar_ticks=48)
    assert melody.pickup_ticks == 12
    assert melody.positions() == [36, 0]
    assert melody.notes() == [Note(60, 0, 12), Note(62, 12, 12)]


def test_onsets_positions_and_total_ticks():
    melody = Melody([Event(60, 12), Event(None, 24), Event(62, 36)], bar_ticks=36, pickup_ticks=12)
    assert melody.onsets() == [0, 12, 36]
    assert melody.positions() == [24, 0, 24]
    assert melody.total_ticks == 72


def test_transposition_moves_pitches_and_tonic_but_not_rests():
    melody = Melody([Event(60, 12), Event(None, 12)], tonic=0).transposed(-3)
    assert melody.events == [Event(57, 12), Event(None, 12)]
    assert melody.tonic == 9


@pytest.mark.parametrize(
    ("tonic", "mode", "shift", "normalized_tonic"),
    [
        (2, "major", -2, 0),
        (7, "major", 5, 0),
        (6, "major", -6, 0),
        (4, "minor", 5, 9),
        (3, "minor", -6, 9),
    ],
)
def test_key_normalization_takes_the_smallest_shift(tonic, mode, shift, normalized_tonic):
    melody = melody_of([60 + tonic], tonic=tonic, mode=mode)
    normalized = melody.key_normalized()
    assert normalized.tonic == normalized_tonic
    assert normalized.events[0].pitch == 60 + tonic + shift


@pytest.mark.parametrize("semitones", [0, 2, 5, 7, -4])
def test_estimate_key_finds_major_and_minor_in_any_transposition(semitones):
    assert estimate_key(melody_of(C_MAJOR_SCALE).transposed(semitones)) == (semitones % 12, "major")
    minor = melody_of(A_MINOR_TUNE).transposed(semitones)
    assert estimate_key(minor) == ((9 + semitones) % 12, "minor")


def test_estimate_key_trusts_an_agreeing_signature_and_ignores_a_placeholder():
    scale = melody_of(C_MAJOR_SCALE)
    assert estimate_key(scale, key_hint=(0, "major")) == (0, "major")
    e_major = scale.transposed(4)
    assert estimate_key(e_major, key_hint=(0, "major")) == (4, "major")
    assert estimate_key(melody_of(A_MINOR_TUNE), signature_fifths=0) == (9, "minor")


def test_key_signatures():
    assert [key_to_fifths(t, "major") for t in (0, 7, 2, 5, 10, 6)] == [0, 1, 2, -1, -2, -6]
    assert key_to_fifths(9, "minor") == 0
    assert key_to_fifths(2, "minor") == -1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pitch": 60, "duration": 0}, "positive"),
        ({"pitch": 128, "duration": 12}, "MIDI number"),
    ],
)
def test_bad_events_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Event(**kwargs)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        Melody([], mode="dorian")
