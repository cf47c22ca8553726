"""The chords the melody network reads at every onset: the chord sounding there and the next
different chord after it, as ids of the chord vocabulary (0 = no chord), in the normalized key.
Training reads them from a chord per beat (`beat_chord_ids`); generation from the piece's
progression (`progression_chord_ids`).
"""

from __future__ import annotations

import bisect

import numpy as np

from server.generation.chords import NO_CHORD
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import Progression

NO_CHORD_ID = NO_CHORD.id


def beat_chord_ids(
    beat_chords: np.ndarray, lead: int, onsets: np.ndarray, step: int = TICKS_PER_BEAT
) -> tuple[np.ndarray, np.ndarray]:
    """(chord, next chord) ids (n,) at each onset (ticks, (n,)), from one chord id per beat
    (or per `step` ticks), chord i sounding from tick step * i - `lead`; no chord past the
    last one."""
    beats = len(beat_chords)
    following = np.zeros(beats + 1, dtype=np.int64)  # the next different chord after each beat
    for beat in range(beats - 2, -1, -1):
        following[beat] = (
            beat_chords[beat + 1]
            if beat_chords[beat + 1] != beat_chords[beat]
            else following[beat + 1]
        )
    index = np.minimum((onsets + lead) // step, beats)
    padded = np.append(np.asarray(beat_chords, dtype=np.int64), NO_CHORD_ID)
    return padded[index].astype(np.int32), following[index].astype(np.int32)


def progression_chord_ids(progression: Progression, tick: int) -> tuple[int, int]:
    """(chord, next different chord) ids at `tick` of a progression laid over the whole piece
    (`Progression.looped_to` its bars); the next one is no chord when none follows before the
    end, as in training, where a piece's last chord has none after it."""
    current = progression.chord_at(tick).id
    start = bisect.bisect_right(progression.starts, tick)
    for span in progression.spans[start:]:
        if span.chord.id != current:
            return current, span.chord.id
    return current, NO_CHORD_ID


def same_chord_ids_until(progression: Progression, tick: int) -> int:
    """The tick up to which (exclusive) `progression_chord_ids` stays what it is at `tick`:
    the end of the span sounding there; `tick` itself (nothing to reuse) in a gap, before the
    first span or past the progression's end, where it loops."""
    index = bisect.bisect_right(progression.starts, tick) - 1
    if index < 0 or progression.spans[index].end <= tick:
        return tick
    return progression.spans[index].end
