"""Train the chord recognizer's melody-alone network (`server.generation.chord_network`) in
Keras: a dense layer, bidirectional LSTM layers over the beats of a whole tune in its key's
frame, and a softmax over the chord vocabulary at each beat, fitted on the POP909 and RS200
training songs (stopped on the validation songs' loss) and exported to NumPy arrays.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.generation.chord_network import INPUT_SIZE, ChordNetwork, key_frame, network_inputs
from server.generation.chord_recognizer import beat_features
from server.generation.chords import VOCABULARY_SIZE, ChordError, parse_harte
from training.chord_corpora import AnnotatedSong

log = logging.getLogger(__name__)

SEED = 14
DENSE, HIDDEN, LAYERS, DROPOUT = 64, 64, 2, 0.3
WINDOW = 256  # beats per training sequence (a song is cut in windows at a random offset)
BATCH, MAX_EPOCHS, PATIENCE, LEARNING_RATE = 32, 30, 3, 3e-3


@dataclass
class NetworkSong:
    """One song as the network reads it: inputs (beats, INPUT_SIZE) and targets (beats,), the
    reference chord id in the key's frame, -1 where the label is unreadable."""

    inputs: np.ndarray
    targets: np.ndarray
    tonic: int


def network_song(song: AnnotatedSong) -> NetworkSong:
    """The melody of an annotated song as network inputs, with its reference in the key's
    frame (the key as the recognizer estimates it from the melody)."""
    count = len(song.labels)
    features, loudness = beat_features(
        song.melody, song.bar_ticks, song.pickup_ticks, beats=count, key=song.key
    )
    inputs = network_inputs(features, loudness, song.bar_ticks, song.pickup_ticks)
    tonic, _ = key_frame(features)
    targets = np.full(count, -1)
    for beat, label in enumerate(song.labels):
        try:
            targets[beat] = parse_harte(label).transposed(-tonic).id
        except ChordError:
            continue
    return NetworkSong(inputs, targets, tonic)


def windows(
    songs: Sequence[NetworkSong], rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Songs cut into WINDOW-beat sequences (from a random offset when `rng` is given), zero
    padded: inputs (n, WINDOW, INPUT_SIZE), targets (n, WINDOW) and weights (n, WINDOW)."""
    pieces: list[tuple[NetworkSong, int, int]] = []
    for song in songs:
        offset = int(rng.integers(WINDOW)) if rng is not None else 0
        starts = sorted({0, *range(offset, len(song.targets), WINDOW)})
        ends = [*starts[1:], len(song.targets)]
        pieces.extend((song, start, end) for start, end in zip(starts, ends, strict=True))
    inputs = np.zeros((len(pieces), WINDOW, INPUT_SIZE), np.float32)
    targets = np.zeros((len(pieces), WINDOW), np.int32)
    weights = np.zeros((len(pieces), WINDOW), np.float32)
    for row, (song, start, end) in enumerate(pieces):
        labels = song.targets[start:end]
        inputs[row, : end - start] = song.inputs[start:end]
        targets[row, : end - start] = np.maximum(labels, 0)
        weights[row, : end - start] = labels >= 0
    return inputs, targets, weights


def build_network() -> object:
    import keras

    inputs = keras.Input((None, INPUT_SIZE), name="beats")
    hidden = keras.layers.Masking(0.0)(inputs)
    hidden = keras.layers.Dense(DENSE, activation="relu", name="dense")(hidden)
    hidden = keras.layers.Dropout(DROPOUT)(hidden)
    for k in range(LAYERS):
        layer = keras.layers.LSTM(HIDDEN, return_sequences=True)
        hidden = keras.layers.Bidirectional(layer, name=f"bilstm_{k}")(hidden)
        hidden = keras.layers.Dropout(DROPOUT)(hidden)
    logits = keras.layers.Dense(VOCABULARY_SIZE, name="output")(hidden)
    return keras.Model(inputs, logits, name="melody_chords")


def fit_network(
    train: Sequence[NetworkSong], valid: Sequence[NetworkSong], best_file: Path | None = None
) -> ChordNetwork:
    """The network fitted on the training songs, the epoch of least validation loss kept (and
    written to `best_file` as it is found, when given)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    keras.utils.set_random_seed(SEED)
    model = build_network()
    model.compile(  # type: ignore[attr-defined]
        optimizer=keras.optimizers.Adam(LEARNING_RATE, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=["accuracy"],
    )
    rng = np.random.default_rng(SEED)
    valid_x, valid_y, valid_w = windows(valid, None)
    best, best_weights, waited = np.inf, None, 0
    for epoch in range(MAX_EPOCHS):
        x, y, w = windows(train, rng)
        model.fit(x, y, sample_weight=w, batch_size=BATCH, epochs=1, verbose=0)  # type: ignore[attr-defined]
        loss, accuracy = model.evaluate(  # type: ignore[attr-defined]
            valid_x, valid_y, sample_weight=valid_w, batch_size=64, verbose=0
        )
        log.info("epoch %d: validation loss %.4f, accuracy %.3f", epoch + 1, loss, accuracy)
        if loss < best:
            best, best_weights, waited = loss, model.get_weights(), 0  # type: ignore[attr-defined]
            if best_file is not None:
                export_network(model).save(best_file)
        elif (waited := waited + 1) >= PATIENCE:
            break
    model.set_weights(best_weights)  # type: ignore[attr-defined]
    return export_network(model)


def export_network(model: object) -> ChordNetwork:
    """The Keras model's weights as the NumPy network's arrays (change costs zero)."""
    arrays: dict[str, np.ndarray] = {}
    get = model.get_layer  # type: ignore[attr-defined]
    arrays["dense_kernel"], arrays["dense_bias"] = get("dense").get_weights()
    arrays["output_kernel"], arrays["output_bias"] = get("output").get_weights()
    for k in range(LAYERS):
        layer = get(f"bilstm_{k}")
        for side, direction in (
            ("forward", layer.forward_layer),
            ("backward", layer.backward_layer),
        ):
            kernel, recurrent, bias = direction.get_weights()
            arrays[f"{side}_{k}_kernel"] = kernel
            arrays[f"{side}_{k}_recurrent"] = recurrent
            arrays[f"{side}_{k}_bias"] = bias
    arrays["change_cost"] = np.zeros(3, np.float32)
    return ChordNetwork.from_arrays(arrays)
