"""Which part of a MIDI file carries the tune: a few features per pitched part (register,
density, chords, range, intervals, rhythm, time sounding, whether it is the upper voice) scored
by a softmax over the file's parts, with weights fitted on POP909 songs whose names were removed
and on the same songs arranged for two piano hands (`python -m training.evaluate_melody_track
--fit`, kept in checkpoints/melody_track/weights.json). The margin between the best and the second
part's probability is the choice's confidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.midi_parts import MidiPart
from server.generation.voices import upper_voice

WEIGHTS_PATH = Path(__file__).resolve().parents[2] / "checkpoints" / "melody_track" / "weights.json"
MELODY_TRACK_NAME = re.compile(r"melody|vocal|voice|lead", re.IGNORECASE)
STEPS_PER_BEAT = 4  # the features' time grid: sixteenths
MAX_STEPS = 1 << 16  # a longer file is measured on a coarser grid
FEATURE_NAMES = (
    "register",  # mean pitch of the part's upper voice, octaves above middle C
    "register_rank",  # 1 for the highest part of the file, 0 for the lowest
    "octaves_below_top",  # how far its register lies below the highest part's
    "upper_share",  # share of its sounding time in which no other part sounds higher
    "sounding_share",  # share of the song's time in which it sounds
    "notes_per_beat",  # log(1 + notes of its upper voice per beat of the song)
    "note_share",  # its notes over the busiest part's
    "chord_share",  # share of its notes that are not in its upper voice
    "pitch_range",  # 5th to 95th percentile of its upper voice, octaves
    "mean_interval",  # mean absolute step between successive notes, octaves
    "step_share",  # successive notes 1 or 2 semitones apart
    "repeat_share",  # successive notes on the same pitch
    "leap_share",  # successive notes more than a fifth apart
    "rhythm_regularity",  # share of inter-onset intervals equal to the most common one
    "note_length",  # log of its mean note length in beats
    "floor",  # 5th percentile of all its notes, octaves above middle C (low: it plays bass)
    "span",  # 5th to 95th percentile of all its notes, octaves (wide: both hands)
)


@dataclass(frozen=True)
class ChooserWeights:
    """The fitted model: features are standardized by `mean` and `scale`, scored by `weights`;
    a choice whose confidence is under `threshold` is left to the person."""

    mean: np.ndarray  # (features,)
    scale: np.ndarray  # (features,)
    weights: np.ndarray  # (features,)
    threshold: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChooserWeights:
        if tuple(data["features"]) != FEATURE_NAMES:
            raise ValueError("the melody track weights were fitted on other features")
        arrays = {key: np.asarray(data[key], dtype=float) for key in ("mean", "scale", "weights")}
        return cls(**arrays, threshold=float(data["threshold"]))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURE_NAMES),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
            "threshold": self.threshold,
        }


@cache
def shipped_weights() -> ChooserWeights:
    return ChooserWeights.from_json(json.loads(WEIGHTS_PATH.read_text()))


@dataclass(frozen=True)
class TrackChoice:
    """The part chosen as the melody, every candidate's probability, and how sure it is."""

    part: MidiPart
    parts: list[MidiPart]  # the pitched parts, in file order
    probabilities: np.ndarray  # (parts,) the model's probability that each carries the tune
    confidence: float  # best minus second probability among the candidates (1 with one)
    confident: bool


def choose_melody_part(
    parts: list[MidiPart], ticks_per_beat: int, weights: ChooserWeights | None = None
) -> TrackChoice:
    """The melody among `parts` (pitched, with notes): a part named melody/vocal/voice/lead
    when there is one, else the model's best; sure when named alone or by a wide margin."""
    weights = weights or shipped_weights()
    probabilities = part_probabilities(part_features(parts, ticks_per_beat), weights)
    named = [i for i, part in enumerate(parts) if MELODY_TRACK_NAME.search(part.name)]
    candidates = named or list(range(len(parts)))
    ranked = sorted(candidates, key=lambda i: -probabilities[i])
    if len(ranked) == 1:
        confidence = 1.0
    else:
        shares = probabilities[ranked] / probabilities[ranked].sum()
        confidence = float(shares[0] - shares[1])
    return TrackChoice(
        part=parts[ranked[0]],
        parts=parts,
        probabilities=probabilities,
        confidence=round(confidence, 4),
        confident=len(named) == 1 or confidence >= weights.threshold,
    )


def part_probabilities(features: np.ndarray, weights: ChooserWeights) -> np.ndarray:
    """(parts,) softmax over one file's parts of their scores; features (parts, features)."""
    scores = ((features - weights.mean) / weights.scale) @ weights.weights
    scores = np.exp(scores - scores.max())
    probabilities: np.ndarray = scores / scores.sum()
    return probabilities


def part_features(parts: list[MidiPart], ticks_per_beat: int) -> np.ndarray:
    """(parts, len(FEATURE_NAMES)) features of each part, some relative to the file's others."""
    lines = [upper_voice(part.notes, ticks_per_beat) for part in parts]
    first = min(start for part in parts for start, _, _ in part.notes)
    last = max(end for part in parts for _, end, _ in part.notes)
    step = max(ticks_per_beat / STEPS_PER_BEAT, (last - first) / MAX_STEPS)
    steps = max(int(np.ceil((last - first) / step)), 1)
    highest = np.full(steps, -1, dtype=np.int16)  # (steps,) highest pitch sounding in any part
    for line in lines:
        np.maximum(highest, _sounding_pitch(line, first, step, steps), out=highest)
    song_beats = max((last - first) / ticks_per_beat, 1.0)
    rows = [
        _own_features(part, line, ticks_per_beat, song_beats)
        + _upper_and_sounding(_sounding_pitch(line, first, step, steps), highest)
        for part, line in zip(parts, lines, strict=True)
    ]
    table = np.array(rows)  # columns: _own_features's, then upper share and sounding share
    register, counts = table[:, 0], np.array([len(part.notes) for part in parts], dtype=float)
    # parts below each one, ties counted half, so parts alike score alike
    below = (register[:, None] > register[None, :]).sum(axis=1)
    ties = (register[:, None] == register[None, :]).sum(axis=1) - 1
    ranks = (below + ties / 2) / max(len(parts) - 1, 1)
    return np.column_stack(
        [
            register,
            ranks if len(parts) > 1 else np.ones(1),
            register.max() - register,
            table[:, -2],
            table[:, -1],
            table[:, 1],
            counts / counts.max(),
            table[:, 2:-2],
        ]
    )


def _own_features(
    part: MidiPart, line: list[tuple[int, int, int]], ticks_per_beat: int, song_beats: float
) -> list[float]:
    """register, notes per beat, chord share, range, intervals (4), rhythm, note length, and
    the floor and span of all its notes."""
    pitches = np.array([pitch for _, _, pitch in line], dtype=float)
    lengths = np.array([max(end - start, 1) for start, end, _ in line], dtype=float)
    intervals = np.abs(np.diff(pitches))
    onsets = np.array([start for start, _, _ in line], dtype=float)
    gaps = np.rint(np.diff(onsets) * STEPS_PER_BEAT / ticks_per_beat)
    gaps = gaps[gaps > 0]
    regularity = np.unique(gaps, return_counts=True)[1].max() / len(gaps) if len(gaps) else 1.0
    low, high = np.percentile(pitches, [5, 95])
    floor, ceiling = np.percentile([pitch for _, _, pitch in part.notes], [5, 95])
    return [
        (np.average(pitches, weights=lengths) - 60) / 12,
        np.log1p(len(line) / song_beats),
        1 - len(line) / len(part.notes),
        (high - low) / 12,
        float(intervals.mean()) / 12 if len(intervals) else 0.0,
        float(np.mean((intervals >= 1) & (intervals <= 2))) if len(intervals) else 0.0,
        float(np.mean(intervals == 0)) if len(intervals) else 0.0,
        float(np.mean(intervals > 7)) if len(intervals) else 0.0,
        float(regularity),
        float(np.log(lengths.mean() / ticks_per_beat)),
        (floor - 60) / 12,
        (ceiling - floor) / 12,
    ]


def _upper_and_sounding(sounding: np.ndarray, highest: np.ndarray) -> list[float]:
    """Share of its sounding steps on top of every part, and of the song's steps it sounds."""
    on = sounding >= 0
    upper = float(np.mean(sounding[on] >= highest[on])) if on.any() else 0.0
    return [upper, float(on.mean())]


def _sounding_pitch(
    line: list[tuple[int, int, int]], first: int, step: float, steps: int
) -> np.ndarray:
    """(steps,) the pitch of the line sounding at each step, -1 where it rests."""
    sounding = np.full(steps, -1, dtype=np.int16)
    for start, end, pitch in line:
        low = int((start - first) / step)
        high = max(int(np.ceil((end - first) / step)), low + 1)
        np.maximum(sounding[low:high], pitch, out=sounding[low:high])
    return sounding
