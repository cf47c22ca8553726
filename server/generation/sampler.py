"""Sampling melodies from the network, the one path for the CLI, the live engine and style
transfer: the batched step (`step_streams`; one stream is a batch of one) and a whole-piece
driver.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import numpy as np

from server.generation.chord_following import with_bias
from server.generation.guidance import GenreGuidance
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.melody_stream import MelodyStream
from server.generation.notes import Note
from server.generation.nucleus import nucleus_draw
from server.generation.sampling_params import InvalidParamsError, SamplingParams, tonic_of

# A network step taken elsewhere: (ids, state) -> (pitch logits, new state), as LstmNetwork.step.
NetworkStep = Callable[[np.ndarray, np.ndarray], Awaitable[tuple[np.ndarray, np.ndarray]]]

# The sampling parameters and the stream, for the services that reach them through the sampler.
__all__ = [
    "InvalidParamsError",
    "MelodyStream",
    "SamplingParams",
    "generate",
    "run_to_end",
    "step_streams",
    "tonic_of",
]


def duration_top_p(top_p: float) -> float:
    """The nucleus of the duration draw for a stream sampled at `top_p`: the whole distribution,
    except at 0 (always the likeliest). A cut there drops the long notes and rests first, the
    tail of every genre's durations, and made melodies denser than real ones in every genre
    (docs/model-card.md, "Form and realism"); `top_p` narrows the choice of pitch."""
    return 1.0 if top_p > 0 else 0.0


def _draw_free_rows(
    streams: list[MelodyStream],
    logits: np.ndarray,
    choosing: list[int],
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """(n,) ids: the nucleus draw for every stream except the rows in `choosing` (left 0); with
    `allowed`, the durations' draw (see `duration_top_p`)."""
    chosen = np.zeros(len(streams), dtype=np.int64)
    skipped = set(choosing)
    free = np.array([row for row in range(len(streams)) if row not in skipped], dtype=int)
    if len(free):
        params = [streams[row].params for row in free]
        chosen[free] = nucleus_draw(
            logits[free],
            [streams[row].rng for row in free],
            np.array([p.temperature for p in params], dtype=np.float64),
            np.array(
                [p.top_p if allowed is None else duration_top_p(p.top_p) for p in params],
                dtype=np.float64,
            ),
            None if allowed is None else allowed[free],
        )
    return chosen


def _with_biases(
    logits: np.ndarray,
    biases: list[np.ndarray | None],
    add: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """(n, k) `logits` with each row's bias (None: none) added by `add`, all the rows at once;
    the same array when no row has one."""
    given = [(row, bias) for row, bias in enumerate(biases) if bias is not None]
    if not given:
        return logits
    rows = [row for row, _ in given]
    biased = logits.copy()
    biased[rows] = add(logits[rows], np.stack([bias for _, bias in given]))
    return biased


def _toward_chords(streams: list[MelodyStream], pitch_logits: np.ndarray) -> np.ndarray:
    """(n, n_pitch) logits with each stream's pitch bias (its chords, its returning bar's pull
    toward its source, its genre's intervals) added; the same array when no stream has one, so
    a piece without any is sampled exactly as before."""
    return _with_biases(pitch_logits, [stream.pitch_bias() for stream in streams], with_bias)


def _toward_rhythm(
    streams: list[MelodyStream], duration_logits: np.ndarray, choosing: list[int]
) -> np.ndarray:
    """(n, n_duration) logits with each freely drawn stream's rhythm calibration added (not
    those of the rows in `choosing`, which copy their events); the same array when none has
    one."""
    skipped = set(choosing)
    biases = [
        None if row in skipped else stream.duration_bias() for row, stream in enumerate(streams)
    ]
    return _with_biases(duration_logits, biases, np.add)


def step_streams(
    network: LstmNetwork,
    streams: list[MelodyStream],
    state: np.ndarray,
    guidance: GenreGuidance | None = None,
) -> tuple[list[Note | None], np.ndarray]:
    """Advance every stream by one event in one batched network step.

    `state` is (layers, 2, len(streams), hidden) for these streams in this order; returns each
    stream's new note (None for a rest) and the new state. Each stream draws with its own RNG,
    so its notes do not depend on which other streams share the batch; a stream that
    `chooses_itself` (a primer, a style transfer) picks its own ids from its rows of logits.
    With `guidance` (following these streams, in this order), the logits are guided and it
    advances. A stream's pitch logits carry its bias (`pitch_bias`: its chords, its genre's
    intervals) and a freely drawn duration its genre's rhythm (`duration_bias`).
    """
    inputs = stream_inputs(streams)
    pitch_logits, state = network.step(inputs, state)
    return draw_notes(network, streams, inputs, pitch_logits, state, guidance), state


def stream_inputs(streams: list[MelodyStream]) -> np.ndarray:
    """(len(INPUT_NAMES), n) ids: what each stream's network step reads."""
    return np.array([stream.next_inputs() for stream in streams], dtype=np.int64).T


def draw_notes(
    network: LstmNetwork,
    streams: list[MelodyStream],
    inputs: np.ndarray,
    pitch_logits: np.ndarray,
    state: np.ndarray,
    guidance: GenreGuidance | None = None,
) -> list[Note | None]:
    """The second half of `step_streams`, after the network's step from `inputs` gave
    `pitch_logits` and `state`: each stream's pitch and duration drawn and accepted."""
    if guidance is not None:
        pitch_logits = guidance.pitch_logits(pitch_logits, inputs)
    pitch_logits = _toward_chords(streams, pitch_logits)
    choosing = [row for row, stream in enumerate(streams) if stream.chooses_itself]
    pitch_ids = _draw_free_rows(streams, pitch_logits, choosing)
    for row in choosing:
        pitch_ids[row] = streams[row].choose_pitch(pitch_logits[row])
    duration_logits = network.duration_logits(state, pitch_ids)
    if guidance is not None:
        duration_logits = guidance.duration_logits(duration_logits, pitch_ids)
        guidance.advance()
    fits = np.array([stream.fitting_durations() for stream in streams])  # (n, n_duration)
    duration_logits = _toward_rhythm(streams, duration_logits, choosing)
    duration_ids = _draw_free_rows(streams, duration_logits, choosing, fits)
    for row in choosing:
        duration_ids[row] = streams[row].choose_duration(duration_logits[row])
    return [
        stream.accept(int(pitch), int(duration))
        for stream, pitch, duration in zip(streams, pitch_ids, duration_ids, strict=True)
    ]


async def step_through_primers(
    network: LstmNetwork,
    streams: list[MelodyStream],
    state: np.ndarray,
    max_steps: int,
    network_step: NetworkStep | None = None,
) -> tuple[list[list[Note]], np.ndarray, int]:
    """Advance every stream by one event, then those still reading their primer on, in steps
    of just those, up to `max_steps` steps in all: a primer is read in one call, not one call
    per event. `state` as for `step_streams`; returns each stream's new notes, the new state
    and the steps taken. `network_step` takes the network's steps instead of `network.step`
    (in a process of its own: server/generation/network_process.py); it gives the same
    numbers."""
    written: list[list[Note]] = [[] for _ in streams]
    rows = list(range(len(streams)))
    steps = 0
    while rows and steps < max_steps:
        steps += 1
        batch = [streams[row] for row in rows]
        inputs = stream_inputs(batch)
        if network_step is None:
            logits, new_state = network.step(inputs, state[:, :, rows])
        else:
            logits, new_state = await network_step(inputs, state[:, :, rows])
        notes = draw_notes(network, batch, inputs, logits, new_state)
        state[:, :, rows] = new_state
        for row, note in zip(rows, notes, strict=True):
            if note is not None:
                written[row].append(note)
        rows = [row for row in rows if streams[row].in_primer and not streams[row].done]
    return written, state, steps


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
    vocabulary = network.require_vocabulary()
    streams = [MelodyStream(params, vocabulary) for params in params_list]
    run_to_end(network, streams)
    return [stream.melody() for stream in streams]
