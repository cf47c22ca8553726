"""The pop piano's vocabulary and its Markov model over bar patterns.

The vocabulary is a few hundred real bars of POP909's piano, chosen greedily among its most
common patterns so that every training bar lies as near as it can to one of them (similarity:
Jaccard over (onset, slot, octave), durations left out). Every bar, trained on or held out, is
then named by its nearest pattern. The model: the next pattern given the one before (Witten-Bell
interpolated) over a unigram per place in the 4-bar phrase (add-one smoothed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.generation.band.piano_model import phrase_unigram
from training.piano_bars import PHRASE, Pattern, PianoBar, token_vector

CANDIDATES = 1500  # most common exact patterns the vocabulary is chosen from
SELECTION_BARS = 15_000  # training bars (a seeded sample) the choice is scored on
CHUNK = 4096


def choose_vocabulary(bars: Sequence[PianoBar], size: int, seed: int) -> list[Pattern]:
    """`size` patterns among the most common ones, each added where it brings the sampled
    training bars nearest (greedy facility location), most useful first."""
    counts = Counter(bar.pattern for bar in bars)
    candidates = [pattern for pattern, _ in counts.most_common(CANDIDATES)]
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(bars), size=min(SELECTION_BARS, len(bars)), replace=False)
    similarity = jaccard([bars[i].pattern for i in picked], candidates)
    best = np.zeros(len(picked), dtype=np.float32)
    chosen: list[int] = []
    for _ in range(min(size, len(candidates))):
        gains = np.maximum(similarity - best[:, None], 0.0).sum(axis=0)
        gains[chosen] = -1.0
        pick = int(np.argmax(gains))
        chosen.append(pick)
        best = np.maximum(best, similarity[:, pick])
    return [candidates[i] for i in chosen]


def jaccard(patterns: Sequence[Pattern], vocabulary: Sequence[Pattern]) -> np.ndarray:
    """(len(patterns), len(vocabulary)) Jaccard similarity of their token sets."""
    right = np.stack([token_vector(pattern) for pattern in vocabulary])
    rows = []
    for begin in range(0, len(patterns), CHUNK):
        left = np.stack([token_vector(pattern) for pattern in patterns[begin : begin + CHUNK]])
        shared = left @ right.T
        union = left.sum(axis=1)[:, None] + right.sum(axis=1)[None, :] - shared
        rows.append(shared / np.maximum(union, 1.0))
    return np.concatenate(rows) if rows else np.zeros((0, len(vocabulary)), np.float32)


def nearest(bars: Sequence[PianoBar], vocabulary: Sequence[Pattern]) -> tuple[np.ndarray, float]:
    """Each bar's nearest pattern id and the mean similarity to it."""
    if not bars:
        return np.zeros(0, dtype=int), 0.0
    similarity = jaccard([bar.pattern for bar in bars], vocabulary)
    ids = similarity.argmax(axis=1)
    return ids, float(similarity[np.arange(len(ids)), ids].mean())


@dataclass
class PatternModel:
    """Counts of the Markov model over `size` pattern ids; `start` (= size) stands before the
    first bar of a run of bars."""

    size: int
    unigram: np.ndarray  # (PHRASE, size) counts by place in the phrase
    bigram: dict[int, Counter[int]]  # previous id (or start) -> next id counts
    place_prior: float = 0.0  # bars of the overall unigram a place's counts are smoothed with

    @property
    def start(self) -> int:
        return self.size

    @classmethod
    def fit(
        cls, runs: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], size: int
    ) -> PatternModel:
        """From (ids, phrase positions, follows-bar flags) of each training song."""
        unigram = np.zeros((PHRASE, size))
        bigram: dict[int, Counter[int]] = {}
        for ids, positions, follows in runs:
            np.add.at(unigram, (positions, ids), 1)
            for index, pattern in enumerate(ids):
                before = int(ids[index - 1]) if index and follows[index] else size
                bigram.setdefault(before, Counter())[int(pattern)] += 1
        return cls(size, unigram, bigram)

    def baseline_bits(self, ids: np.ndarray, positions: np.ndarray) -> dict[str, float]:
        """Bits (summed over a held-out song's bars) under the add-one unigram, overall and by
        place in the phrase: what the shipped model must beat."""
        overall = (self.unigram.sum(axis=0) + 1.0) / (self.unigram.sum() + self.size)
        by_place = phrase_unigram(self.unigram, self.place_prior)
        return {
            "unigram": float(-np.log2(overall[ids]).sum()),
            "unigram_by_place": float(-np.log2(by_place[positions, ids]).sum()),
        }

    def to_json(self) -> dict[str, object]:
        """The counts the server's model is built from: the unigram by place and each bigram
        row (its total and number of followers give the row's weight)."""
        rows = {}
        for before, counts in sorted(self.bigram.items()):
            kept = sorted(counts.items())
            rows[str(before)] = {
                "total": sum(counts.values()),
                "followers": len(counts),
                "next": [p for p, _ in kept],
                "counts": [c for _, c in kept],
            }
        return {
            "unigram": self.unigram.astype(int).tolist(),
            "place_prior": self.place_prior,
            "bigram": rows,
        }
