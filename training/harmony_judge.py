"""A genre judge that hears the harmony, of another family than the progression network that
writes the chords: one-vs-rest logistic regressions over a progression's chords in C major or
A minor (a chord a half-bar, its first 16 bars): how often each chord sounds, each chord
quality, each root motion between changes, and how often the chord changes. Fitted on the real
progressions of the training split (`progression_corpora`: POP909's and RS200's annotations,
the chorales' and the WJD solos' and folk tunes' recognized chords), at most `per_genre` songs
of each genre. No decoding consults it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from server.generation.chords import QUALITIES, VOCABULARY_SIZE, Chord
from server.generation.melody import GENRES
from server.generation.progression import Progression
from server.generation.progression_network import SLOTS_PER_BAR, normalizing_shift
from training.feature_judge import PER_GENRE, OneVsRestGenres, balanced_accuracy
from training.progression_corpora import ChordSong

EXCERPT_SLOTS = 16 * SLOTS_PER_BAR


def harmony_features(chords: Sequence[int]) -> np.ndarray:
    """The features of a progression of chord ids (a chord a half-bar, in C major or A minor),
    its first EXCERPT_SLOTS slots."""
    ids = [int(chord) for chord in chords[:EXCERPT_SLOTS]]
    played = [Chord.from_id(chord) for chord in ids if chord != 0]
    by_chord = np.bincount(ids, minlength=VOCABULARY_SIZE) / max(len(ids), 1)
    by_quality = np.zeros(len(QUALITIES))
    for chord in played:
        by_quality[QUALITIES.index(chord.quality)] += 1 / len(played)
    motions = np.zeros(12)
    changes = [(a, b) for a, b in zip(played, played[1:], strict=False) if a != b]
    for before, after in changes:
        assert before.root is not None and after.root is not None
        motions[(after.root - before.root) % 12] += 1 / len(changes)
    change_rate = len(changes) / max(len(played) - 1, 1)
    return np.concatenate([by_chord, by_quality, motions, [change_rate]])


def progression_ids(chords: Progression, tonic: int, mode: str) -> list[int]:
    """A piece's chords as the judge reads them: the chord at each half-bar, moved to C major
    or A minor."""
    shift = normalizing_shift(tonic, mode)
    slot = chords.bar_ticks // SLOTS_PER_BAR
    return [
        chords.chord_at(tick).transposed(shift).id for tick in range(0, chords.total_ticks, slot)
    ]


class HarmonyGenreJudge:
    def __init__(self) -> None:
        self.genres = OneVsRestGenres()

    def fit(
        self, songs: list[ChordSong], per_genre: int = PER_GENRE, seed: int = 0
    ) -> HarmonyGenreJudge:
        rng = np.random.default_rng(seed)
        chosen: list[ChordSong] = []
        for genre in GENRES:
            mine = [song for song in songs if song.genre == genre]
            chosen += [mine[i] for i in sorted(rng.permutation(len(mine))[:per_genre])]
        x = np.stack([harmony_features(song.chords) for song in chosen])
        self.genres.fit(x, [song.genre for song in chosen])
        return self

    def classify(self, chords: Sequence[int]) -> dict[str, float]:
        """Genre -> probability, for chord ids in C major or A minor."""
        return self.genres.classify(harmony_features(chords))

    def accuracy(self, songs: list[ChordSong]) -> float:
        """Share of `songs` judged their own genre, every genre weighing the same."""
        return balanced_accuracy(
            {
                genre: [self.classify(s.chords) for s in songs if s.genre == genre]
                for genre in GENRES
            }
        )
