"""The chords of an exported song: a track that plays the progression as block chords (voiced by
`chord_voicing.chord_pitches`, as the studio plays them), and a marker with the chord symbol at
each change, which DAWs show on their timeline.
"""

from __future__ import annotations

import mido

from server.generation.chord_voicing import chord_pitches
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import Progression

CHORD_TRACK_NAME = "Chords"
CHORD_PROGRAM = 89  # General MIDI Pad 2 (warm), 0-based: held harmony under the melody
CHORD_CHANNEL = 1  # the melody plays on channel 0
CHORD_VELOCITY = 64  # softer than the melody, which it accompanies

# Events at one tick: a chord ends before the next is struck, and its symbol is shown first.
_NOTE_OFF, _TEXT, _NOTE_ON = range(3)


def chord_markers(progression: Progression, ticks_per_beat: int) -> list[mido.MetaMessage]:
    """A marker with the chord symbol at each change, timed as deltas from the file's start,
    for the conductor track (tick 0 of the progression is tick 0 of the file)."""
    markers, now = [], 0
    for span in progression.changes():
        start = _file_ticks(span.start, ticks_per_beat)
        markers.append(mido.MetaMessage("marker", text=span.chord.symbol, time=start - now))
        now = start
    return markers


def chord_track(
    progression: Progression,
    ticks_per_beat: int,
    *,
    program: int = CHORD_PROGRAM,
    channel: int = CHORD_CHANNEL,
    velocity: int = CHORD_VELOCITY,
) -> mido.MidiTrack:
    """A track named "Chords" that sets General MIDI `program` and strikes each chord of the
    progression as a block for as long as it lasts, with its symbol as a text event."""
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for span in progression.changes():
        timed.append((span.start, _TEXT, mido.MetaMessage("text", text=span.chord.symbol)))
    for span in progression.spans:
        for pitch in chord_pitches(span.chord):
            on = mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)
            timed.append((span.start, _NOTE_ON, on))
            timed.append(
                (span.end, _NOTE_OFF, mido.Message("note_off", note=pitch, channel=channel))
            )
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=CHORD_TRACK_NAME)])
    track.append(mido.Message("program_change", program=program, channel=channel, time=0))
    now = 0
    for tick, _, message in sorted(timed, key=lambda event: event[:2]):
        start = _file_ticks(tick, ticks_per_beat)
        track.append(message.copy(time=start - now))
        now = start
    return track


def _file_ticks(ticks: int, ticks_per_beat: int) -> int:
    return ticks * ticks_per_beat // TICKS_PER_BEAT
