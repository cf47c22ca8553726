"""Songs are written by the direct Standard MIDI File writer byte for byte as mido wrote them
(the reference in `mido_reference.py`): over many seeded random songs, with and without chords,
in every meter, key and instrument, with and without a band's tracks, and the files mido reads
back hold the same messages."""

from __future__ import annotations

import io
import random

import mido
import pytest

from server.generation import smf
from server.generation.chords import Chord, Quality
from server.generation.melody import MODES, Melody
from server.generation.midi_writing import BandParts, melody_to_midi
from server.generation.notes import BAND_PARTS, Note
from server.generation.progression import MAX_BARS, ChordSpan, Progression
from server.models.song import chords_under
from tests.generation.mido_reference import mido_melody_to_midi

SONGS = 300
# 4/4, 3/4, 2/4, 5/4, 7/4 (chords are written in whole beats), 7/8, 5/8, 3/8, 19/16
BAR_TICKS = (48, 36, 24, 60, 84, 48, 36, 42, 30, 18, 57)
NAMES = ("", "Jazz melody in D minor", "Blue Morning", "Café crème", "Melody (Grand piano)")


def random_notes(rng: random.Random) -> list[Note]:
    notes, now = [], rng.choice((0, 0, 3, 12, 30))
    for _ in range(rng.randint(1, 120)):
        now += rng.choice((0, 0, 0, 3, 6, 12, 24, 100))  # rests, some long
        duration = rng.choice((1, 3, 4, 6, 8, 12, 18, 24, 48, 200))
        notes.append(Note(rng.randint(0, 127), now, duration, rng.randint(1, 127)))
        now += duration - rng.choice((0, 0, 0, 2))  # now and then overlapping the next
    return notes


def random_progression(rng: random.Random, beats_per_bar: int) -> Progression:
    bars = rng.randint(1, 16)
    spans, now, end = [], 0, bars * beats_per_bar * 12
    while now < end:
        duration = min(rng.choice((6, 12, 24, 48)), end - now)
        root = rng.choice((None, *range(12)))
        quality = None if root is None else rng.choice(list(Quality))
        bass = None if root is None or rng.random() < 0.7 else rng.randrange(12)
        if rng.random() < 0.9:  # now and then a gap with no chord
            spans.append(ChordSpan(Chord(root, quality, bass), now, duration))
        now += duration
    return Progression(tuple(spans), bars, beats_per_bar)


def random_song(seed: int) -> tuple[Melody, dict]:
    rng = random.Random(seed)
    bar_ticks = rng.choice(BAR_TICKS)
    # at most MAX_BARS bars, the most a progression is looped to
    notes = [note for note in random_notes(rng) if note.end <= MAX_BARS * bar_ticks]
    melody = Melody.from_notes(
        notes,
        tempo=rng.choice((120.0, 60.0, 97.3, 240.0, 33.3333, rng.uniform(20, 300))),
        bar_ticks=bar_ticks,
        tonic=rng.randrange(12),
        mode=rng.choice(MODES),
        name=rng.choice(NAMES),
    )
    options = {
        "program": rng.randrange(128),
        "velocity": rng.randint(1, 127),
        "track_name": rng.choice(NAMES[1:]),
    }
    if seed % 2 and bar_ticks % 12 == 0:  # half the songs in whole beats with chords
        chords = random_progression(rng, bar_ticks // 12)
        options["chords"] = chords_under(notes, bar_ticks, chords)
    return melody, options


@pytest.mark.parametrize("first", range(0, SONGS, 50))
def test_songs_are_written_byte_for_byte_as_mido_wrote_them(first: int) -> None:
    for seed in range(first, first + 50):
        melody, options = random_song(seed)
        assert melody_to_midi(melody, **options) == mido_melody_to_midi(melody, **options), seed


def test_the_file_reads_back_with_every_note_and_chord() -> None:
    melody, options = random_song(1)  # odd, in 4/4: with chords
    assert "chords" in options
    midi = mido.MidiFile(file=io.BytesIO(melody_to_midi(melody, **options)))
    assert [track.name for track in midi.tracks] == [melody.name or "Cadenza", *_names(options)]
    ons = [m.note for m in midi.tracks[1] if m.type == "note_on"]
    assert ons == [event.pitch for event in melody.events if event.pitch is not None]
    assert midi.length == pytest.approx(_seconds(midi), abs=1e-6)


def random_band(rng: random.Random, bar_ticks: int) -> BandParts:
    """Notes of some of the band's parts (any pitch, velocity, overlap), their programs, and
    the bars the band plays before the melody."""
    parts = rng.sample(BAND_PARTS, rng.randint(1, len(BAND_PARTS)))
    notes = []
    for _ in range(rng.randint(1, 200)):
        start, duration = rng.randrange(8 * bar_ticks), rng.choice((1, 3, 6, 12, 48, 200))
        part = rng.choice(parts)
        notes.append(Note(rng.randint(0, 127), start, duration, rng.randint(1, 127), part))
    programs = {part: rng.randrange(128) for part in BAND_PARTS}
    return BandParts(notes, programs, rng.choice((0, 0, bar_ticks, 3 * bar_ticks)))


@pytest.mark.parametrize("first", range(0, SONGS, 100))
def test_songs_with_a_band_are_written_as_mido_would_write_them(first: int) -> None:
    for seed in range(first, first + 100):
        melody, options = random_song(seed)
        options["band"] = random_band(random.Random(seed), melody.bar_ticks)
        assert melody_to_midi(melody, **options) == mido_melody_to_midi(melody, **options), seed


def _names(options: dict) -> list[str]:
    return [options["track_name"], "Chords"]


def _seconds(midi: mido.MidiFile) -> float:
    return sum(message.time for message in midi)


def test_what_mido_refused_is_refused() -> None:
    melody = Melody.from_notes([Note(60, 0, 12)], name="Melody in 平調")  # not latin-1
    for write in (melody_to_midi, mido_melody_to_midi):
        with pytest.raises(ValueError):
            write(melody)
    with pytest.raises(ValueError, match="0..127"):
        melody_to_midi(Melody.from_notes([Note(60, 0, 12)]), program=128)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (0x7F, b"\x7f"),
        (0x80, b"\x81\x00"),
        (0x3FFF, b"\xff\x7f"),
        (0x4000, b"\x81\x80\x00"),
        (0x0FFFFFFF, b"\xff\xff\xff\x7f"),
    ],
)
def test_variable_length_quantities_are_the_standard_s(value: int, encoded: bytes) -> None:
    assert smf.variable_length(value) == encoded
