"""How a genre's melodies move and where their notes fall. Written over the chords the model
writes, the one network's melodies drift from the genre's own: they repeat notes more often
(classical 19.5% of their intervals against 13.6% in its training melodies, jazz 10% against
5.5%), leap by thirds where classical steps, rarely leap an octave, are denser than the genre
(folk 1.69 notes a beat against 1.24 in its test melodies), start a third of classical's notes
off the beat (real: a tenth) and hold pop's notes across the beat half as often as pop does.
Each genre's draw is calibrated toward its training melodies:

- **Intervals**: the next pitch is biased by the bin of its interval from the last sounded pitch
  (INTERVAL_BINS). It moves probability between pitches only: a rest stays as likely as the
  network had it.
- **Rhythm**: the next event's duration (note or rest) is biased by its length's bin
  (DURATION_BINS) and by where in the beat the event after it starts (its landing, 12 ticks).

`python -m training.calibration` fits both for the shipped network, so that the genre's sampled
melodies have the interval, duration and onset-position histograms of its training melodies, and
checks what ships. A conversion takes its target genre's intervals but keeps its source's
rhythm; what a stream copies (a primer, a returning bar) and "any genre" are left as they are.
"""

from __future__ import annotations

import functools

import numpy as np

from server.generation.notes import TICKS_PER_BEAT
from server.generation.vocabulary import Vocabulary

# Signed interval bins (semitones), with their names: edges between them. The realism measures
# read intervals and durations in the same bins (`training/discriminator.py`).
INTERVAL_EDGES = np.array([-7.5, -4.5, -2.5, -0.5, 0.5, 2.5, 4.5, 7.5])
INTERVAL_BINS = (
    "down_8+",
    "down_5-7",
    "down_3-4",
    "down_1-2",
    "unison",
    "up_1-2",
    "up_3-4",
    "up_5-7",
    "up_8+",
)
# Note duration bins (ticks, 12 a beat), with their names: edges between them.
DURATION_EDGES = np.array([3, 4, 6, 8, 12, 18, 24, 36])
DURATION_BINS = (
    "under_16th",
    "16th",
    "8th_triplet",
    "8th",
    "dotted_8th",
    "quarter",
    "dotted_quarter",
    "half",
    "longer",
)
# Logits, fitted for `checkpoints/melody` over the chords the model writes (the studio's
# default) by `python -m training.calibration`: added to a pitch by its interval's bin
# (INTERVAL_BINS order), and to a duration by its bin (DURATION_BINS order) and by the tick of
# the beat where the next event then starts (0..11).
GENRE_INTERVAL_BIAS: dict[str, tuple[float, ...]] = {
    "classical": (0.93, -0.12, -0.84, 0.39, -0.55, 0.27, -0.74, 0.02, -0.3),
    "folk": (0.18, -0.16, -0.07, 0.25, -0.45, 0.17, -0.19, -0.02, 0.3),
    "jazz": (0.57, 0.17, 0.08, 0.01, -0.57, -0.06, 0.06, 0.23, 0.47),
    "pop": (0.48, 0.06, -0.08, 0.0, -0.06, 0.11, -0.14, 0.01, 0.58),
    "rock": (0.62, 0.13, -0.19, 0.11, -0.01, -0.13, -0.04, 0.04, 0.91),
}
GENRE_DURATION_BIAS: dict[str, tuple[float, ...]] = {
    "classical": (2.04, 0.11, 0.1, -0.17, -0.53, 0.11, -0.39, -0.06, -0.09),
    "folk": (0.19, -0.34, 0.28, -0.09, 0.31, 0.17, 0.32, 0.54, 0.7),
    "jazz": (2.25, -0.07, -0.08, 0.01, 0.05, 0.14, 0.11, 0.12, 0.18),
    "pop": (0.0, -0.09, 0.0, -0.03, -0.16, 0.1, 0.07, -0.05, 0.15),
    "rock": (0.0, 0.03, 0.0, -0.15, -0.03, 0.02, -0.01, -0.06, 0.17),
}
GENRE_LANDING_BIAS: dict[str, tuple[float, ...]] = {
    "classical": (0.04, 0.0, 0.0, -0.25, -0.19, 0.0, -0.27, 0.0, -0.41, -0.13, 0.0, 0.0),
    "folk": (0.09, 0.0, 0.0, -0.53, 0.12, 0.0, -0.17, 0.0, 0.15, -0.06, 0.0, 0.0),
    "jazz": (-0.08, 0.04, -0.03, 0.08, 0.03, 0.04, -0.09, 0.05, -0.03, 0.01, 0.01, 0.02),
    "pop": (-0.35, 0.0, 0.0, 0.42, 0.0, 0.0, -0.31, 0.0, 0.0, 0.3, 0.0, 0.0),
    "rock": (-0.1, 0.0, 0.0, -0.23, 0.0, 0.0, 0.06, 0.0, 0.0, -0.07, 0.0, 0.0),
}


def interval_bins(intervals: np.ndarray) -> np.ndarray:
    """The bin (index into INTERVAL_BINS) of each interval in semitones."""
    bins: np.ndarray = np.digitize(intervals, INTERVAL_EDGES)
    return bins


def duration_bins(ticks: np.ndarray) -> np.ndarray:
    """The bin (index into DURATION_BINS) of each duration in ticks."""
    bins: np.ndarray = np.digitize(ticks, DURATION_EDGES)
    return bins


def interval_table(bias: tuple[float, ...] | None, vocabulary: Vocabulary) -> np.ndarray | None:
    """(n_pitch, n_pitch) logits: row p the bias of every next pitch id after pitch id p;
    zero for the rest, and in row 0 (nothing sounded yet). None without a bias."""
    if bias is None:
        return None
    return _interval_table(bias, vocabulary.pitch_low, vocabulary.n_pitch)


def rhythm_table(
    duration_bias: tuple[float, ...] | None,
    landing_bias: tuple[float, ...] | None,
    vocabulary: Vocabulary,
) -> np.ndarray | None:
    """(TICKS_PER_BEAT, n_duration) logits: row t the bias of every duration id for an event
    starting t ticks into the beat. None without a bias."""
    if duration_bias is None or landing_bias is None:
        return None
    return _rhythm_table(duration_bias, landing_bias, vocabulary.durations)


def genre_interval_table(genre: str | None, vocabulary: Vocabulary) -> np.ndarray | None:
    """The shipped interval calibration's table for `genre`; None for a genre left as it is."""
    return interval_table(GENRE_INTERVAL_BIAS.get(genre or ""), vocabulary)


def genre_rhythm_table(genre: str | None, vocabulary: Vocabulary) -> np.ndarray | None:
    """The shipped rhythm calibration's table for `genre`; None for a genre left as it is."""
    key = genre or ""
    return rhythm_table(GENRE_DURATION_BIAS.get(key), GENRE_LANDING_BIAS.get(key), vocabulary)


# Tables are made once per bias and vocabulary and shared by every stream (read-only).
@functools.lru_cache(maxsize=32)
def _interval_table(bias: tuple[float, ...], pitch_low: int, n_pitch: int) -> np.ndarray:
    pitches = np.arange(n_pitch) + pitch_low - 1  # id 0 (the rest) is masked below
    table: np.ndarray = np.asarray(bias, dtype=np.float64)[
        interval_bins(pitches[None, :] - pitches[:, None])
    ]
    table[:, 0] = 0.0
    table[0, :] = 0.0
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=32)
def _rhythm_table(
    duration_bias: tuple[float, ...], landing_bias: tuple[float, ...], durations: tuple[int, ...]
) -> np.ndarray:
    ticks = np.asarray(durations)
    lengths = np.asarray(duration_bias, dtype=np.float64)[duration_bins(ticks)]
    starts = np.arange(TICKS_PER_BEAT)[:, None]
    landings = np.asarray(landing_bias, dtype=np.float64)[
        (starts + ticks[None, :]) % TICKS_PER_BEAT
    ]
    table: np.ndarray = lengths[None, :] + landings
    table.flags.writeable = False
    return table
