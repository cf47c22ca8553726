"""Openings written ahead: a stream's first notes, up to the lead its listener's playback starts
with, written before anyone asks for them.

A listener's first frame holds the stream's whole opening lead (`Pacing.high_water`: 6 beats at
120 bpm, about a dozen network steps), and at a burst of starts those steps queue behind one
another and behind the streams already playing. Most requests give no seed, so any seed will
do: an opening written ahead under its own fresh seed, with the melody and network state it
leaves, is exactly what that seed writes live (each stream draws with its own generator, and a
row's numbers do not depend on its batch: `row_kernels.py`), and the engine hands it out at
once and writes the rest of the piece as usual (`GenerationEngine.start_stream`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

from server.generation.lstm import LstmNetwork
from server.generation.melody import TICKS_PER_QUARTER
from server.generation.melody_stream import MelodyStream
from server.generation.notes import Note
from server.generation.sampler import step_streams
from server.generation.sampling_params import SamplingParams


@dataclass
class Opening:
    """A stream's first notes, written: its melody as they leave it, the network state after
    them (layers, 2, hidden) and the notes in the order they were written."""

    melody: MelodyStream
    state: np.ndarray
    notes: list[Note]


async def write_openings(
    network: LstmNetwork,
    requests: Sequence[SamplingParams],
    lead_beats: Callable[[SamplingParams], float],
    before_step: Callable[[], Awaitable[None]],
) -> list[Opening]:
    """The opening of each request (seeded), written together until each has `lead_beats` of
    music or is done; `before_step` is awaited before each network step (to step only when the
    engine has nothing due)."""
    vocabulary = network.require_vocabulary()
    melodies = [MelodyStream(params, vocabulary) for params in requests]
    state = network.initial_state(len(melodies))
    notes: list[list[Note]] = [[] for _ in melodies]
    leads = [lead_beats(params) * TICKS_PER_QUARTER for params in requests]
    rows = [row for row, melody in enumerate(melodies) if not melody.done]
    while rows:
        await before_step()
        batch = np.array(rows)
        written, state[:, :, batch] = step_streams(
            network, [melodies[row] for row in rows], state[:, :, batch]
        )
        for row, note in zip(rows, written, strict=True):
            if note is not None:
                notes[row].append(note)
        rows = [row for row in rows if not melodies[row].done and melodies[row].tick < leads[row]]
        await asyncio.sleep(0)
    return [
        Opening(melody, state[:, :, row].copy(), written)
        for row, (melody, written) in enumerate(zip(melodies, notes, strict=True))
    ]
