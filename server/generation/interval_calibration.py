"""How far a genre's melodies move from note to note. Sampled over the chords the model writes,
the one network's melodies repeat notes more often than the genre's own (classical 19% of their
intervals against 14% in its training melodies, folk 19% against 13%, jazz 10% against 6%),
leap by thirds where classical steps, and rarely leap an octave. The sampler corrects the
genre's interval distribution as a whole: a bias on the next pitch by its interval from the
last sounded one, one value per interval bin, fitted so that the genre's sampled melodies
have the interval histogram of its training melodies (`python -m training.interval_calibration`
fits it for the shipped network and checks what ships). The bias moves probability between
pitches only: a rest stays as likely as the network had it, so rhythm and density are the
network's.
"""

from __future__ import annotations

import functools

import numpy as np

from server.generation.vocabulary import Vocabulary

# Signed interval bins (semitones), with their names: edges between them. The realism measures
# read intervals in the same bins (`training/discriminator.py`).
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
# Logits added to a pitch by the bin of its interval from the last sounded pitch, in
# INTERVAL_BINS order, fitted for `checkpoints/melody` over the chords the model writes (the
# studio's default). Jazz, pop and rock only needed their rare leaps of an octave or more
# made likelier and unisons (jazz) rarer; classical and folk also step more and leap by
# thirds less. "Any genre" is left as the network writes it.
GENRE_INTERVAL_BIAS: dict[str, tuple[float, ...]] = {
    "classical": (0.88, -0.2, -0.76, 0.31, -0.41, 0.2, -0.74, 0.16, -0.22),
    "folk": (0.25, -0.06, -0.12, 0.24, -0.41, 0.18, -0.22, 0.03, 0.32),
    "jazz": (0.39, 0.17, 0.08, 0.04, -0.67, -0.04, 0.06, 0.2, 0.42),
    "pop": (0.52, 0.14, -0.11, -0.03, -0.05, 0.11, -0.16, 0.05, 0.58),
    "rock": (0.82, 0.07, -0.21, 0.08, 0.03, -0.1, -0.05, -0.04, 0.87),
}


def interval_bins(intervals: np.ndarray) -> np.ndarray:
    """The bin (index into INTERVAL_BINS) of each interval in semitones."""
    bins: np.ndarray = np.digitize(intervals, INTERVAL_EDGES)
    return bins


def interval_table(bias: tuple[float, ...] | None, vocabulary: Vocabulary) -> np.ndarray | None:
    """(n_pitch, n_pitch) logits: row p the bias of every next pitch id after pitch id p;
    zero for the rest, and in row 0 (nothing sounded yet). None without a bias."""
    if bias is None:
        return None
    return _table(bias, vocabulary.pitch_low, vocabulary.n_pitch)


def genre_interval_table(genre: str | None, vocabulary: Vocabulary) -> np.ndarray | None:
    """The shipped calibration's table for `genre`; None for a genre left as it is."""
    return interval_table(GENRE_INTERVAL_BIAS.get(genre or ""), vocabulary)


@functools.lru_cache(maxsize=32)
def _table(bias: tuple[float, ...], pitch_low: int, n_pitch: int) -> np.ndarray:
    """Made once per bias and vocabulary, shared by every stream (read-only)."""
    pitches = np.arange(n_pitch) + pitch_low - 1  # id 0 (the rest) is masked below
    table: np.ndarray = np.asarray(bias, dtype=np.float64)[
        interval_bins(pitches[None, :] - pitches[:, None])
    ]
    table[:, 0] = 0.0
    table[0, :] = 0.0
    table.flags.writeable = False
    return table
