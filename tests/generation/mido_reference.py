"""The MIDI writer songs were saved with before `server/generation/smf.py`, through mido's
message objects: the reference the direct writer must match byte for byte, extended to a
band's parts (a track per part, the comping on the chord track) as mido would write them."""

from __future__ import annotations

import io
from typing import Any

import mido

from server.generation.band.instruments import PART_TRACKS
from server.generation.chord_track import (
    CHORD_CHANNEL,
    CHORD_PROGRAM,
    CHORD_TRACK_NAME,
    CHORD_VELOCITY,
)
from server.generation.chord_voicing import chord_pitches
from server.generation.melody import MODES, TICKS_PER_QUARTER, Melody, key_to_fifths
from server.generation.midi_writing import WRITE_TICKS_PER_BEAT, BandParts, bar_ticks_to_meter
from server.generation.notes import CHORDS, DEFAULT_VELOCITY, Note
from server.generation.part_tracks import NOTE_OFF, NOTE_ON, TEXT, file_ticks
from server.generation.progression import Progression

_MAJOR_BY_FIFTHS = {
    **dict(enumerate(("C", "G", "D", "A", "E", "B", "F#", "C#"))),
    **{-f: n for f, n in enumerate(("C", "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"))},
}
_MINOR_BY_FIFTHS = {
    **dict(enumerate(("Am", "Em", "Bm", "F#m", "C#m", "G#m", "D#m", "A#m"))),
    **{-f: n for f, n in enumerate(("Am", "Dm", "Gm", "Cm", "Fm", "Bbm", "Ebm", "Abm"))},
}


def key_to_midi_key(tonic: int, mode: str) -> str:
    fifths = key_to_fifths(tonic, mode)
    return (_MAJOR_BY_FIFTHS if mode == MODES[0] else _MINOR_BY_FIFTHS)[fifths]


def mido_melody_to_midi(melody: Melody, **options: Any) -> bytes:
    """`melody_to_midi` as it was, with its options (program, velocity, track_name, chords,
    band)."""
    program, velocity = options.get("program", 0), options.get("velocity", DEFAULT_VELOCITY)
    track_name, chords = options.get("track_name", "Melody"), options.get("chords")
    band: BandParts | None = options.get("band")
    lead = 0 if band is None else band.melody_lead
    numerator, denominator = bar_ticks_to_meter(melody.bar_ticks)
    conductor = mido.MidiTrack(
        [
            mido.MetaMessage("track_name", name=melody.name or "Cadenza"),
            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(melody.tempo)),
            mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator),
            mido.MetaMessage("key_signature", key=key_to_midi_key(melody.tonic, melody.mode)),
        ]
    )
    midi = mido.MidiFile(type=1, ticks_per_beat=WRITE_TICKS_PER_BEAT)
    midi.tracks.extend([conductor, _melody_track(melody, program, velocity, track_name, lead)])
    comping = [] if band is None else [note for note in band.notes if note.part == CHORDS]
    if chords is not None:
        conductor.extend(chord_markers(chords, WRITE_TICKS_PER_BEAT))
    if band is not None and comping:
        midi.tracks.append(
            chord_track(chords, WRITE_TICKS_PER_BEAT, comping, band.programs[CHORDS])
        )
    elif chords is not None:
        midi.tracks.append(chord_track(chords, WRITE_TICKS_PER_BEAT))
    for part, (name, channel) in PART_TRACKS.items():
        notes = [] if band is None else [note for note in band.notes if note.part == part]
        if band is not None and notes:
            midi.tracks.append(part_track(name, channel, band.programs[part], notes))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _melody_track(
    melody: Melody, program: int, velocity: int, name: str, lead: int
) -> mido.MidiTrack:
    scale = WRITE_TICKS_PER_BEAT // TICKS_PER_QUARTER
    # Silence before the first event puts the pickup where it belongs relative to bar lines.
    delay = ((melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks + lead) * scale
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    track.append(mido.Message("program_change", program=program, time=0))
    for event in melody.events:
        if event.pitch is None:
            delay += event.duration * scale
            continue
        track.append(mido.Message("note_on", note=event.pitch, velocity=velocity, time=delay))
        track.append(mido.Message("note_off", note=event.pitch, time=event.duration * scale))
        delay = 0
    track.append(mido.MetaMessage("end_of_track", time=delay))
    return track


def chord_markers(progression: Progression, ticks_per_beat: int) -> list[mido.MetaMessage]:
    """A marker with the chord symbol at each change, timed as deltas from the file's start,
    for the conductor track (tick 0 of the progression is tick 0 of the file)."""
    markers, now = [], 0
    for span in progression.changes():
        start = file_ticks(span.start, ticks_per_beat)
        markers.append(mido.MetaMessage("marker", text=span.chord.symbol, time=start - now))
        now = start
    return markers


def chord_track(
    progression: Progression | None,
    ticks_per_beat: int,
    comping: list[Note] | None = None,
    program: int = CHORD_PROGRAM,
) -> mido.MidiTrack:
    channel = CHORD_CHANNEL
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for span in progression.changes() if progression is not None else ():
        timed.append((span.start, TEXT, mido.MetaMessage("text", text=span.chord.symbol)))
    if comping is not None:
        timed += _note_messages(comping, channel)
    else:
        assert progression is not None
        for span in progression.spans:
            for pitch in chord_pitches(span.chord):
                on = mido.Message("note_on", note=pitch, velocity=CHORD_VELOCITY, channel=channel)
                timed.append((span.start, NOTE_ON, on))
                off = mido.Message("note_off", note=pitch, channel=channel)
                timed.append((span.end, NOTE_OFF, off))
    return _timed_track(CHORD_TRACK_NAME, channel, program, timed, ticks_per_beat)


def part_track(name: str, channel: int, program: int, notes: list[Note]) -> mido.MidiTrack:
    timed = _note_messages(notes, channel)
    return _timed_track(name, channel, program, timed, WRITE_TICKS_PER_BEAT)


def _note_messages(
    notes: list[Note], channel: int
) -> list[tuple[int, int, mido.Message | mido.MetaMessage]]:
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for note in notes:
        on = mido.Message("note_on", note=note.pitch, velocity=note.velocity, channel=channel)
        timed.append((note.start, NOTE_ON, on))
        timed.append(
            (note.end, NOTE_OFF, mido.Message("note_off", note=note.pitch, channel=channel))
        )
    return timed


def _timed_track(
    name: str,
    channel: int,
    program: int,
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]],
    ticks_per_beat: int,
) -> mido.MidiTrack:
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    track.append(mido.Message("program_change", program=program, channel=channel, time=0))
    now = 0
    for tick, _, message in sorted(timed, key=lambda event: event[:2]):
        start = file_ticks(tick, ticks_per_beat)
        track.append(message.copy(time=start - now))
        now = start
    return track
