"""The chords of an exported song: a track that plays the progression as block chords (voiced by
`chord_voicing.chord_pitches`, as the studio plays them), and a marker with the chord symbol at
each change, which DAWs show on their timeline.
"""

from __future__ import annotations

from server.generation import smf
from server.generation.chord_voicing import chord_pitches
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import Progression

CHORD_TRACK_NAME = "Chords"
CHORD_PROGRAM = 89  # General MIDI Pad 2 (warm), 0-based: held harmony under the melody
CHORD_CHANNEL = 1  # the melody plays on channel 0
CHORD_VELOCITY = 64  # softer than the melody, which it accompanies

# Events at one tick: a chord ends before the next is struck, and its symbol is shown first.
_NOTE_OFF, _TEXT, _NOTE_ON = range(3)


def chord_markers(conductor: smf.Track, progression: Progression, ticks_per_beat: int) -> None:
    """Add a marker with the chord symbol at each change to the `conductor` track, whose events
    so far all stand at tick 0 (tick 0 of the progression is tick 0 of the file)."""
    now = 0
    for span in progression.changes():
        start = _file_ticks(span.start, ticks_per_beat)
        conductor.text(smf.MARKER, span.chord.symbol, delta=start - now)
        now = start


def chord_track(
    progression: Progression,
    ticks_per_beat: int,
    *,
    program: int = CHORD_PROGRAM,
    channel: int = CHORD_CHANNEL,
    velocity: int = CHORD_VELOCITY,
) -> bytes:
    """A track named "Chords" that sets General MIDI `program` and strikes each chord of the
    progression as a block for as long as it lasts, with its symbol as a text event."""
    timed: list[tuple[int, int, int | str]] = []  # (tick, kind, pitch or symbol)
    for span in progression.changes():
        timed.append((span.start, _TEXT, span.chord.symbol))
    for span in progression.spans:
        for pitch in chord_pitches(span.chord):
            timed.append((span.start, _NOTE_ON, pitch))
            timed.append((span.end, _NOTE_OFF, pitch))
    track = smf.Track()
    track.text(smf.TRACK_NAME, CHORD_TRACK_NAME)
    track.channel(smf.PROGRAM_CHANGE, channel, program)
    now = 0
    for tick, kind, what in sorted(timed, key=lambda event: event[:2]):
        start = _file_ticks(tick, ticks_per_beat)
        delta, now = start - now, start
        if isinstance(what, str):
            track.text(smf.TEXT, what, delta=delta)
        elif kind == _NOTE_ON:
            track.channel(smf.NOTE_ON, channel, what, velocity, delta=delta)
        else:
            track.channel(smf.NOTE_OFF, channel, what, smf.RELEASE_VELOCITY, delta=delta)
    return track.chunk()


def _file_ticks(ticks: int, ticks_per_beat: int) -> int:
    return ticks * ticks_per_beat // TICKS_PER_BEAT
