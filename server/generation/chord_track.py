"""The chords of an exported song: a track that plays the band's comping, or without a band the
progression as block chords (voiced by `chord_voicing.chord_pitches`, as the studio plays them),
and a marker with the chord symbol at each change, which DAWs show on their timeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.generation import smf
from server.generation.chord_voicing import chord_pitches
from server.generation.notes import Note
from server.generation.part_tracks import (
    NOTE_OFF,
    NOTE_ON,
    TEXT,
    Timed,
    file_ticks,
    note_events,
    timed_track,
)
from server.generation.progression import Progression

CHORD_TRACK_NAME = "Chords"
CHORD_PROGRAM = 89  # General MIDI Pad 2 (warm), 0-based: held harmony under the melody
CHORD_CHANNEL = 1  # the melody plays on channel 0
CHORD_VELOCITY = 64  # softer than the melody, which it accompanies


def chord_markers(conductor: smf.Track, progression: Progression, ticks_per_beat: int) -> None:
    """Add a marker with the chord symbol at each change to the `conductor` track, whose events
    so far all stand at tick 0 (tick 0 of the progression is tick 0 of the file)."""
    now = 0
    for span in progression.changes():
        start = file_ticks(span.start, ticks_per_beat)
        conductor.text(smf.MARKER, span.chord.symbol, delta=start - now)
        now = start


def chord_track(
    progression: Progression,
    ticks_per_beat: int,
    *,
    comping: Sequence[Note] | None = None,
    program: int = CHORD_PROGRAM,
) -> bytes:
    """A track named "Chords" that sets General MIDI `program`, shows each chord's symbol as a
    text event where it begins, and plays the band's `comping` (ticks from the file's start)
    or, without a band, strikes each chord as a block for as long as it lasts."""
    timed: list[Timed] = [
        (span.start, TEXT, span.chord.symbol, 0) for span in progression.changes()
    ]
    if comping is not None:
        timed += note_events(comping)
    else:
        for span in progression.spans:
            for pitch in chord_pitches(span.chord):
                timed.append((span.start, NOTE_ON, pitch, CHORD_VELOCITY))
                timed.append((span.end, NOTE_OFF, pitch, smf.RELEASE_VELOCITY))
    return timed_track(CHORD_TRACK_NAME, CHORD_CHANNEL, program, timed, ticks_per_beat)
