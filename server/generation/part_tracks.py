"""A standard MIDI file track of timed notes and texts on one channel: the chord track and the
band's parts are written this way, each event at its tick (a note ends before the next one at
the same tick begins, and a text shows before the notes it names)."""

from __future__ import annotations

from collections.abc import Iterable

from server.generation import smf
from server.generation.notes import TICKS_PER_BEAT, Note

# Events at one tick: a note ends before the next is struck, and a chord's symbol shows first.
NOTE_OFF, TEXT, NOTE_ON = range(3)
Timed = tuple[int, int, int | str, int]  # (tick on the note grid, kind, pitch or text, velocity)


def note_events(notes: Iterable[Note], origin: int = 0) -> list[Timed]:
    """Each note's start and end as timed events, ticks counted from `origin`."""
    timed: list[Timed] = []
    for note in notes:
        timed.append((note.start - origin, NOTE_ON, note.pitch, note.velocity))
        timed.append((note.end - origin, NOTE_OFF, note.pitch, smf.RELEASE_VELOCITY))
    return timed


def timed_track(
    name: str, channel: int, program: int, timed: list[Timed], ticks_per_beat: int
) -> bytes:
    """A track named `name` that sets General MIDI `program` on `channel`, then plays `timed`
    (in any order: it is sorted by tick, then kind, stably)."""
    track = smf.Track()
    track.text(smf.TRACK_NAME, name)
    track.channel(smf.PROGRAM_CHANGE, channel, program)
    now = 0
    for tick, kind, what, velocity in sorted(timed, key=lambda event: event[:2]):
        start = file_ticks(tick, ticks_per_beat)
        delta, now = start - now, start
        if isinstance(what, str):
            track.text(smf.TEXT, what, delta=delta)
        else:
            status = smf.NOTE_ON if kind == NOTE_ON else smf.NOTE_OFF
            track.channel(status, channel, what, velocity, delta=delta)
    return track.chunk()


def file_ticks(ticks: int, ticks_per_beat: int) -> int:
    """Note-grid ticks (TICKS_PER_BEAT a beat) as the file's ticks."""
    return ticks * ticks_per_beat // TICKS_PER_BEAT
