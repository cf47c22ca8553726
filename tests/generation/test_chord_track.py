"""The chords of an exported song, read back as a DAW and music21 read them: a named chord
track with block chords, a marker at each change; a song without chords is written as before."""

from __future__ import annotations

import hashlib
import io

import mido
import pytest

from server.generation.chord_track import (
    CHORD_CHANNEL,
    CHORD_PROGRAM,
    CHORD_TRACK_NAME,
    chord_pitches,
)
from server.generation.chords import NO_CHORD, Chord, Quality
from server.generation.melody import Event, Melody
from server.generation.midi_io import midi_to_melody
from server.generation.midi_writing import WRITE_TICKS_PER_BEAT, melody_to_midi
from server.generation.progression_text import parse_progression

BEAT = WRITE_TICKS_PER_BEAT


def four_bars(pickup_ticks: int = 0) -> Melody:
    events = [Event(64, 48), Event(65, 48), Event(None, 24), Event(67, 24), Event(72, 48)]
    return Melody(events, tempo=100, tonic=0, mode="major", pickup_ticks=pickup_ticks)


def read(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data))


def absolute(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    now, timed = 0, []
    for message in track:
        now += message.time
        timed.append((now, message))
    return timed


def sounding_chords(track: mido.MidiTrack) -> list[tuple[int, int, tuple[int, ...]]]:
    """(start, end, sorted pitches) of each block of notes struck together, in file ticks."""
    starts: dict[int, int] = {}
    blocks: dict[tuple[int, int], list[int]] = {}
    for tick, message in absolute(track):
        if message.type == "note_on" and message.velocity > 0:
            starts[message.note] = tick
        elif message.type in ("note_off", "note_on"):
            blocks.setdefault((starts.pop(message.note), tick), []).append(message.note)
    return [(start, end, tuple(sorted(notes))) for (start, end), notes in sorted(blocks.items())]


def test_the_chord_track_plays_each_chord_where_it_stands() -> None:
    chords = parse_progression("C | F Dm | G7 | Bb/D")
    midi = read(melody_to_midi(four_bars(), chords=chords))
    assert [track.name for track in midi.tracks] == ["Cadenza", "Melody", CHORD_TRACK_NAME]
    track = midi.tracks[2]
    assert sounding_chords(track) == [
        (0, 4 * BEAT, (48, 52, 55)),
        (4 * BEAT, 6 * BEAT, (53, 57, 60)),
        (6 * BEAT, 8 * BEAT, (50, 53, 57)),
        (8 * BEAT, 12 * BEAT, (55, 59, 62, 65)),
        (12 * BEAT, 16 * BEAT, (38, 58, 62, 65)),
    ]
    programs = [message for message in track if message.type == "program_change"]
    assert [(p.program, p.channel, p.time) for p in programs] == [(CHORD_PROGRAM, CHORD_CHANNEL, 0)]
    assert {m.channel for m in track if m.type in ("note_on", "note_off")} == {CHORD_CHANNEL}


def test_markers_name_each_change_at_its_tick() -> None:
    chords = parse_progression("C | C | Am F | N.C. | G7")
    midi = read(melody_to_midi(four_bars(), chords=chords))
    markers = [(tick, m.text) for tick, m in absolute(midi.tracks[0]) if m.type == "marker"]
    assert markers == [
        (0, "C"),
        (8 * BEAT, "Am"),
        (10 * BEAT, "F"),
        (12 * BEAT, "N.C."),
        (16 * BEAT, "G7"),
    ]
    texts = [(tick, m.text) for tick, m in absolute(midi.tracks[2]) if m.type == "text"]
    assert texts == markers
    assert not [block for block in sounding_chords(midi.tracks[2]) if block[0] == 12 * BEAT]


def test_chords_start_at_the_bar_line_before_a_pickup() -> None:
    chords = parse_progression("C G")
    midi = read(melody_to_midi(four_bars(pickup_ticks=12), chords=chords))
    first_note = next(tick for tick, m in absolute(midi.tracks[1]) if m.type == "note_on")
    assert first_note == 3 * BEAT  # the pickup is beat 4 of the file's first bar
    assert [block[0] for block in sounding_chords(midi.tracks[2])] == [0, 4 * BEAT]


def test_a_chord_struck_again_ends_before_it_sounds_anew() -> None:
    midi = read(melody_to_midi(four_bars(), chords=parse_progression("C | C")))
    at_bar_line = [
        (m.type, m.note)
        for tick, m in absolute(midi.tracks[2])
        if tick == 4 * BEAT and "note" in m.type
    ]
    assert at_bar_line == [("note_off", 48), ("note_off", 52), ("note_off", 55)] + [
        ("note_on", 48),
        ("note_on", 52),
        ("note_on", 55),
    ]


def test_the_melody_reads_back_unchanged_beside_its_chords() -> None:
    melody = four_bars()
    with_chords = midi_to_melody(melody_to_midi(melody, chords=parse_progression("C F G C")))
    assert with_chords.events == midi_to_melody(melody_to_midi(melody)).events


def test_music21_reads_the_chords() -> None:
    music21 = pytest.importorskip("music21")
    data = melody_to_midi(four_bars(), chords=parse_progression("Dm7 | G7 | Cmaj7 | A7"))
    score = music21.converter.parseData(data, format="midi")
    chords_part = next(part for part in score.parts if part.partName == CHORD_TRACK_NAME)
    found = [
        (float(chord.offset), chord.root().name, chord.quality)
        for chord in chords_part.flatten().getElementsByClass(music21.chord.Chord)
    ]
    assert found == [
        (0.0, "D", "minor"),
        (4.0, "G", "major"),
        (8.0, "C", "major"),
        (12.0, "A", "major"),
    ]


@pytest.mark.parametrize(
    ("chord", "pitches"),
    [
        (Chord(0, Quality.MAJ), (48, 52, 55)),
        (Chord(11, Quality.HDIM7), (59, 62, 65, 69)),
        (Chord(9, Quality.MIN, 4), (40, 57, 60, 64)),
        (NO_CHORD, ()),
    ],
)
def test_chords_are_voiced_in_root_position_around_c3(
    chord: Chord, pitches: tuple[int, ...]
) -> None:
    assert chord_pitches(chord) == pitches


def test_a_song_without_chords_is_written_byte_for_byte_as_before() -> None:
    # The export of this melody before chords existed: its SHA-256.
    melody = Melody(
        [Event(62, 12), Event(None, 6), Event(66, 6), Event(69, 24), Event(74, 48), Event(71, 36)],
        bar_ticks=48,
        pickup_ticks=12,
        tonic=2,
        mode="major",
        tempo=96,
        name="Golden",
    )
    data = melody_to_midi(melody, program=4, track_name="Melody (FM electric piano)")
    assert hashlib.sha256(data).hexdigest() == (
        "9f22df4babc96a5dc02e951b4f2e280541728f236cb45188c3b53ba57285de9d"
    )
    assert data == melody_to_midi(
        melody, program=4, track_name="Melody (FM electric piano)", chords=None
    )
