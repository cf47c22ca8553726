"""What one note costs the model: the NumPy step alone and with sampling, one stream and batched
1..1024, against the original app's approach, a Keras `predict` over a 100-event window per note.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from threadpoolctl import threadpool_limits

from server.generation.lstm import INPUT_NAMES, LstmNetwork
from server.generation.melody_stream import MelodyStream
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords_for
from server.generation.sampler import step_streams
from server.generation.sampling_params import SamplingParams

BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
ORIGINAL_WINDOW = 100  # events the original app fed to predict for every note
ORIGINAL_LAYERS, ORIGINAL_HIDDEN = 3, 256


def median_seconds(run: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


class Batch:
    """`size` streams stepped together, each replaced by a fresh one when its piece ends; with
    `progressions`, jazz pieces over chords that network writes, as the studio's requests are
    (the chords written as the streams are made, not timed)."""

    def __init__(
        self, network: LstmNetwork, size: int, progressions: ProgressionNetwork | None = None
    ) -> None:
        self.network, self.size, self.progressions = network, size, progressions
        self.streams = self._new_streams(range(size))
        self.state = network.initial_state(size)
        self.seeds = size

    def _new_streams(self, seeds: range) -> list[MelodyStream]:
        asked = [SamplingParams(bars=128, seed=seed) for seed in seeds]
        if self.progressions is not None:  # written together, as the server writes a burst's
            over_chords = [replace(params, genre="jazz", write_chords=True) for params in asked]
            asked = with_written_chords_for(over_chords, self.progressions)
        return [MelodyStream(params, self.network.vocabulary) for params in asked]

    def step(self) -> None:
        _, self.state = step_streams(self.network, self.streams, self.state)
        for row, stream in enumerate(self.streams):
            if stream.done:
                self.streams[row] = self._new_streams(range(self.seeds, self.seeds + 1))[0]
                self.state[:, :, row] = 0.0
                self.seeds += 1

    def step_network_only(self) -> None:
        ids = np.zeros((len(INPUT_NAMES), self.size), dtype=np.int64)
        _, state = self.network.step(ids, self.state)
        self.network.duration_logits(state, ids[0])


def numpy_costs(network: LstmNetwork, batches: tuple[int, ...] = BATCHES) -> dict:
    """Per-note microseconds and notes per second at each batch size, one BLAS thread (as the
    server runs it): melodies alone, and (`over_chords_us_per_note`) jazz over the chords the
    progression network writes, as the studio's streams are."""
    rows = []
    progressions = ProgressionNetwork.load()  # the shipped one, as the server writes chords
    with threadpool_limits(1, user_api="blas"):
        for size in batches:
            batch = Batch(network, size)
            repeats = max(5, min(200, 4000 // size))
            with_sampling = median_seconds(batch.step, repeats)
            network_only = median_seconds(batch.step_network_only, repeats)
            row = {
                "batch": size,
                "step_ms": round(with_sampling * 1e3, 3),
                "us_per_note": round(with_sampling / size * 1e6, 2),
                "network_only_us_per_note": round(network_only / size * 1e6, 2),
                "notes_per_second": round(size / with_sampling),
            }
            over_chords = median_seconds(Batch(network, size, progressions).step, repeats)
            row["over_chords_us_per_note"] = round(over_chords / size * 1e6, 2)
            rows.append(row)
    return {"config": network.config.to_json(), "batches": rows}


def original_cost(repeats: int = 20) -> dict:
    """Milliseconds per note of `model.predict` on a (1, 100) window through three stacked
    256-unit LSTMs (random weights: this measures cost, not music)."""
    import keras  # only here: TensorFlow is never imported by the server

    network = keras.Sequential(
        [keras.Input((ORIGINAL_WINDOW, 1))]
        + [
            keras.layers.LSTM(ORIGINAL_HIDDEN, return_sequences=layer < ORIGINAL_LAYERS - 1)
            for layer in range(ORIGINAL_LAYERS)
        ]
        + [keras.layers.Dense(128, activation="softmax")]
    )
    window = np.random.default_rng(0).random((1, ORIGINAL_WINDOW, 1)).astype(np.float32)
    seconds = median_seconds(lambda: network.predict(window, verbose=0), repeats)
    return {
        "layers": ORIGINAL_LAYERS,
        "hidden": ORIGINAL_HIDDEN,
        "window": ORIGINAL_WINDOW,
        "ms_per_note": round(seconds * 1e3, 2),
    }
