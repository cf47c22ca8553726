"""The pop piano's learned bar patterns and the Markov model that picks the next one, as
`training.band_piano` writes them to checkpoints/band/pop_piano.json.

A pattern is one bar of POP909's piano: notes as (onset, duration) in sixteenths and (slot,
octave) of the chord sounding (`chord_slots`). The next pattern is drawn given the one before
and the bar's place in its 4-bar phrase: the bigram's distribution weighted c / (c + t) (Witten-
Bell: c bars seen after that pattern, t patterns they went to) over the phrase place's unigram
(itself smoothed towards the unigram over all places).
The file is read once per process; drawing is one search in a precomputed cumulative table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.band.chord_slots import SLOTS

CHECKPOINT = Path(__file__).resolve().parents[3] / "checkpoints" / "band" / "pop_piano.json"
FORMAT = 1
STEPS = 16  # sixteenths in a pattern's bar (four beats)
PHRASE = 4

PatternNote = tuple[int, int, int, int]  # onset, duration (sixteenths), slot, octave


class PianoModelError(ValueError):
    """A pop piano checkpoint that cannot be read; the message names the file and the fault."""


@dataclass(frozen=True)
class PianoModel:
    patterns: tuple[tuple[PatternNote, ...], ...]
    cumulative: np.ndarray  # (patterns + 1, PHRASE, patterns): the next pattern's CDF

    @property
    def start(self) -> int:
        """The id that stands before a piece's first bar."""
        return len(self.patterns)

    def next_pattern(self, before: int, place: int, rng: np.random.Generator) -> int:
        """A pattern id drawn after pattern `before` (or `start`) at `place` in the phrase."""
        row = self.cumulative[before, place % PHRASE]
        return min(int(np.searchsorted(row, rng.random() * row[-1], side="right")), len(row) - 1)

    def probability(self, pattern: int, before: int, place: int) -> float:
        """How likely `pattern` is drawn after `before` at `place` (held-out scoring)."""
        row = self.cumulative[before, place % PHRASE]
        return float(row[pattern] - (row[pattern - 1] if pattern else 0.0))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PianoModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        patterns = tuple(tuple(_note(note) for note in pattern) for pattern in data["patterns"])
        size = len(patterns)
        unigram = np.asarray(data["unigram"], dtype=float)
        if size == 0 or unigram.shape != (PHRASE, size):
            raise ValueError(f"unigram shape {unigram.shape}, expected ({PHRASE}, {size})")
        by_place = phrase_unigram(unigram, float(data["place_prior"]))
        table = np.repeat(by_place[None], size + 1, axis=0)
        for before, row in data["bigram"].items():
            weight = row["total"] / (row["total"] + row["followers"])
            counts = np.zeros(size)
            counts[np.asarray(row["next"], dtype=int)] = row["counts"]
            table[int(before)] = weight * counts / counts.sum() + (1 - weight) * by_place
        return cls(patterns, np.cumsum(table, axis=2))


def phrase_unigram(counts: np.ndarray, prior: float) -> np.ndarray:
    """(PHRASE, patterns) each pattern's probability at each place in the phrase: the place's
    counts smoothed towards the add-one unigram over all places, weighing it `prior` bars."""
    overall = (counts.sum(axis=0) + 1.0) / (counts.sum() + counts.shape[1])
    smoothed = counts + prior * overall
    result: np.ndarray = smoothed / smoothed.sum(axis=1, keepdims=True)
    return result


def _note(values: list[int]) -> PatternNote:
    onset, duration, slot, octave = (int(value) for value in values)
    if not (0 <= onset < STEPS and 0 < duration <= STEPS - onset and 0 <= slot < SLOTS):
        raise ValueError(f"not a pattern note: {values!r}")
    return onset, duration, slot, octave


@cache
def load_model(path: Path = CHECKPOINT) -> PianoModel:
    """The checkpoint at `path`, read once per process."""
    try:
        return PianoModel.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise PianoModelError(f"cannot read the pop piano checkpoint {path}: {error}") from None
