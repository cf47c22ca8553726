"""Sampling melodies from the network, shared by the CLI and the live engine: validated
parameters, one stream's state (`MelodyStream`), the batched step and a whole-piece driver.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field, replace

import numpy as np

from server.generation.guidance import GenreGuidance
from server.generation.lstm import LstmNetwork
from server.generation.melody import (
    GENRES,
    MODES,
    TICKS_PER_QUARTER,
    Event,
    Melody,
    spans_to_events,
)
from server.generation.notes import Note
from server.generation.vocabulary import Vocabulary

BAR_TICKS = 4 * TICKS_PER_QUARTER  # 4/4
TONICS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ACCIDENTALS = {"": 0, "#": 1, "b": -1}
ANY_GENRE = "any"


class InvalidParamsError(ValueError):
    """A sampling parameter out of range; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def tonic_of(key: str) -> int:
    """Pitch class of a key name such as "D", "F#" or "Bb"."""
    letter, accidental = key[:1].upper(), key[1:]
    if letter not in TONICS or accidental not in ACCIDENTALS:
        raise InvalidParamsError("key", f"expected a note name like C, F# or Bb, got {key!r}")
    return (TONICS[letter] + ACCIDENTALS[accidental]) % 12


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not _is_number(value) or not low <= value <= high:
        raise InvalidParamsError(name, f"must be a number from {low} to {high}, got {value!r}")


@dataclass(frozen=True)
class SamplingParams:
    """What a user asks for; validated on construction. `genre` None (or "any") is the general
    model; `primer` notes (pitch, start beats, duration beats) in the requested key open the
    piece and count toward `bars`."""

    genre: str | None = None
    key: str = "C"
    mode: str = "major"
    tempo: float = 120.0  # quarter notes per minute
    bars: int = 8  # of 4/4
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int | None = None
    primer: tuple[Note, ...] = field(default=())
    program: int = 0  # General MIDI instrument, 0 = piano

    def __post_init__(self) -> None:
        if self.genre == ANY_GENRE:
            object.__setattr__(self, "genre", None)
        if self.genre is not None and self.genre not in GENRES:
            raise InvalidParamsError("genre", f"expected one of {', '.join(GENRES)} or any")
        if not isinstance(self.key, str):
            raise InvalidParamsError("key", f"expected a note name, got {self.key!r}")
        tonic_of(self.key)
        if self.mode not in MODES:
            raise InvalidParamsError(
                "mode", f"expected one of {', '.join(MODES)}, got {self.mode!r}"
            )
        _check_range("tempo", self.tempo, 40, 240)
        _check_range("temperature", self.temperature, 0.1, 2.0)
        _check_range("top_p", self.top_p, 0.0, 1.0)
        for name, high in (("bars", 128), ("program", 127)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise InvalidParamsError(
                    name, f"must be a whole number up to {high}, got {value!r}"
                )
        if self.bars < 1:
            raise InvalidParamsError("bars", "must be at least 1")
        seed = self.seed
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63
        ):
            raise InvalidParamsError("seed", f"must be a whole number >= 0, got {self.seed!r}")
        object.__setattr__(self, "primer", tuple(_check_note(note) for note in self.primer))
        if any(start + length > self.bars * 4 for _, start, length in self.primer):
            raise InvalidParamsError("primer", f"primer notes must end within the {self.bars} bars")

    def with_seed(self) -> SamplingParams:
        """These params with a concrete seed, so the piece can be made again."""
        return self if self.seed is not None else replace(self, seed=secrets.randbelow(2**31))

    @property
    def tonic(self) -> int:
        return tonic_of(self.key)


def _check_note(note: Note) -> Note:
    """A primer note as (int pitch, float start, float duration): whole pitch 0..127, finite
    start >= 0 and duration > 0 (beats). Text, booleans, NaN and infinities are refused."""
    try:
        pitch, start, length = note
    except (TypeError, ValueError) as error:
        raise InvalidParamsError(
            "primer", f"a note is (pitch, start, duration), got {note!r}"
        ) from error
    if not _is_number(pitch) or not float(pitch).is_integer() or not 0 <= pitch <= 127:
        raise InvalidParamsError(
            "primer", f"a note's pitch must be a whole number 0..127, got {pitch!r}"
        )
    if not _is_number(start) or start < 0:
        raise InvalidParamsError("primer", f"a note's start must be a number >= 0, got {start!r}")
    if not _is_number(length) or length <= 0:
        raise InvalidParamsError(
            "primer", f"a note's duration must be a number > 0, got {length!r}"
        )
    return int(pitch), float(start), float(length)


def _is_number(value: object) -> bool:
    """A finite int or float; JSON's NaN and Infinity are floats too, and bool is an int."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def sample_next(
    logits: np.ndarray,
    rng: np.random.Generator,
    temperature: float,
    top_p: float,
    allowed: np.ndarray | None = None,
) -> int:
    """One id from (classes,) logits: softmax at `temperature`, kept to the smallest set of most
    likely ids whose probability reaches `top_p` (0 = always the most likely), optionally only
    among `allowed` (bool mask). One uniform draw per call, so a stream's RNG advances the same
    way whatever else runs in its batch."""
    scaled = logits.astype(np.float64) / temperature
    if allowed is not None:
        scaled = np.where(allowed, scaled, -np.inf)
    probabilities = np.exp(scaled - scaled.max())
    probabilities /= probabilities.sum()
    order = np.argsort(-probabilities, kind="stable")
    cumulative = np.cumsum(probabilities[order])
    kept = min(int(np.searchsorted(cumulative, top_p * cumulative[-1])) + 1, len(order))
    draw = rng.random() * cumulative[kept - 1]
    chosen = min(int(np.searchsorted(cumulative[:kept], draw, side="right")), kept - 1)
    return int(order[chosen])


def _primer_events(params: SamplingParams, shift: int, vocabulary: Vocabulary) -> list[Event]:
    """Primer notes as events in the normalized key, a rest first if they start late."""
    spans = [
        (
            round(start * TICKS_PER_QUARTER),
            round((start + length) * TICKS_PER_QUARTER),
            pitch - shift,
        )
        for pitch, start, length in params.primer
    ]
    if not spans:
        return []
    events = spans_to_events(spans)
    first = min(start for start, _, _ in spans)
    return vocabulary.fit_events(([Event(None, first)] if first else []) + events)


class MelodyStream:
    """One melody being sampled: its RNG, the events so far (in the normalized key, C major or
    A minor), the tick reached and the bar bookkeeping that makes it end on the final bar line.
    The batched step asks it for `next_inputs()`, lets it choose ids, then calls `accept`."""

    def __init__(self, params: SamplingParams, vocabulary: Vocabulary) -> None:
        self.params = params.with_seed()
        self.vocabulary = vocabulary
        self.rng = np.random.default_rng(self.params.seed)
        normalized_tonic = 0 if params.mode == "major" else 9
        self.shift = (params.tonic - normalized_tonic) % 12
        self.shift -= 12 if self.shift > 5 else 0  # smallest move, -6..+5 semitones
        self.total_ticks = params.bars * BAR_TICKS
        self.tick = 0
        self.events: list[Event] = []
        self.primer = _primer_events(params, self.shift, vocabulary)
        self.genre_id = vocabulary.genre_id(params.genre)
        self.mode_id = vocabulary.mode_id(params.mode)
        self.previous = (vocabulary.pitch_bos, vocabulary.duration_bos)

    @property
    def done(self) -> bool:
        return self.tick >= self.total_ticks

    def next_inputs(self) -> tuple[int, int, int, int, int]:
        """(previous pitch id, previous duration id, position id, genre id, mode id)."""
        position = self.vocabulary.position_id(self.tick % BAR_TICKS)
        return (*self.previous, position, self.genre_id, self.mode_id)

    def choose_pitch(self, pitch_logits: np.ndarray) -> int:
        """The next pitch id: the primer's while it lasts, else sampled from (n_pitch,) logits."""
        if len(self.events) < len(self.primer):
            return self.vocabulary.pitch_id(self.primer[len(self.events)].pitch)
        return sample_next(pitch_logits, self.rng, self.params.temperature, self.params.top_p)

    def choose_duration(self, duration_logits: np.ndarray) -> int:
        """The next duration id; durations that would cross the final bar line are excluded."""
        if len(self.events) < len(self.primer):
            return self.vocabulary.duration_id(self.primer[len(self.events)].duration)
        fits = np.asarray(self.vocabulary.durations) <= self.total_ticks - self.tick
        return sample_next(
            duration_logits, self.rng, self.params.temperature, self.params.top_p, fits
        )

    def accept(self, pitch_id: int, duration_id: int) -> Note | None:
        """Record the chosen event; returns it as a note in the output key (None for a rest).
        An event that would leave less than a sixteenth before the end is stretched to it."""
        ticks = min(self.vocabulary.duration_ticks(duration_id), self.total_ticks - self.tick)
        if self.total_ticks - self.tick - ticks < TICKS_PER_QUARTER // 4:
            ticks = self.total_ticks - self.tick
        pitch = self.vocabulary.pitch_of(pitch_id)
        self.events.append(Event(pitch, ticks))
        start, self.tick = self.tick, self.tick + ticks
        self.previous = (pitch_id, duration_id)
        if pitch is None:
            return None
        return Note(pitch + self.shift, start, ticks)

    def melody(self) -> Melody:
        """Everything sampled so far, in the requested key."""
        params = self.params
        normalized_tonic = 0 if params.mode == "major" else 9
        normalized = Melody(
            list(self.events), BAR_TICKS, 0, normalized_tonic, params.mode, params.tempo
        )
        output = normalized.transposed(self.shift)
        output.genre, output.name = params.genre, f"{params.genre or 'any'} in {params.key}"
        return output


def step_streams(
    network: LstmNetwork,
    streams: list[MelodyStream],
    state: np.ndarray,
    guidance: GenreGuidance | None = None,
) -> tuple[list[Note | None], np.ndarray]:
    """Advance every stream by one event in one batched network step.

    `state` is (layers, 2, len(streams), hidden) for these streams in this order; returns each
    stream's new note (None for a rest) and the new state. Sampling happens per stream, with its
    own RNG, so a stream's notes do not depend on which other streams share the batch. With
    `guidance` (following these streams, in this order), the logits are guided and it advances.
    """
    inputs = np.array([stream.next_inputs() for stream in streams], dtype=np.int64).T  # (5, n)
    pitch_logits, state = network.step(*inputs, state)
    if guidance is not None:
        pitch_logits = guidance.pitch_logits(pitch_logits, inputs)
    pitch_ids = np.array(
        [stream.choose_pitch(row) for stream, row in zip(streams, pitch_logits, strict=True)]
    )
    duration_logits = network.duration_logits(state, pitch_ids)
    if guidance is not None:
        duration_logits = guidance.duration_logits(duration_logits, pitch_ids)
        guidance.advance()
    notes = [
        stream.accept(int(pitch_id), stream.choose_duration(row))
        for stream, pitch_id, row in zip(streams, pitch_ids, duration_logits, strict=True)
    ]
    return notes, state


def run_to_end(network: LstmNetwork, streams: list[MelodyStream]) -> list[list[Note]]:
    """Write every stream to its end, stepping the unfinished ones together; returns each
    stream's notes as `accept` gave them."""
    notes: list[list[Note]] = [[] for _ in streams]
    state = network.initial_state(len(streams))
    while active := [index for index, stream in enumerate(streams) if not stream.done]:
        rows = np.array(active)
        written, state[:, :, rows] = step_streams(
            network, [streams[index] for index in active], state[:, :, rows]
        )
        for index, note in zip(active, written, strict=True):
            if note is not None:
                notes[index].append(note)
    return notes


def generate(network: LstmNetwork, params_list: list[SamplingParams]) -> list[Melody]:
    """Whole melodies for many requests at once, stepping the unfinished streams together."""
    if network.vocabulary is None:
        raise ValueError("the network was loaded without its vocabulary")
    streams = [MelodyStream(params, network.vocabulary) for params in params_list]
    run_to_end(network, streams)
    return [stream.melody() for stream in streams]
