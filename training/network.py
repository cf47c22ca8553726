"""The conditional melody network in Keras (the source of truth for training), its run folder
(config + vocabulary + weights together) and the conversion to the NumPy arrays the server runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np

from server.generation.lstm import (
    CONFIG_FILE,
    INPUT_NAMES,
    INPUTS,
    TABLE_NAMES,
    VOCABULARY_FILE,
    NetworkConfig,
)
from server.generation.vocabulary import Vocabulary

BEST_WEIGHTS_FILE = "best.weights.h5"


def build_network(config: NetworkConfig) -> keras.Model:
    """Inputs are (batch, time) int ids, one per name in INPUT_NAMES (the previous event, the
    bar position, the condition repeated on every step, the chords, the lookback) and pitch, the
    event's own pitch for the duration head (teacher forcing). Inputs that name one table share
    its embedding (the previous pitch and the pitches a bar and two bars back, say). Outputs are
    logits: pitch (batch, time, n_pitch) and duration."""
    inputs = {
        name: keras.Input((None,), dtype="int32", name=name) for name in (*INPUT_NAMES, "pitch")
    }
    embeddings = {
        table: keras.layers.Embedding(*config.table_shape(table), name=f"{table}_embedding")
        for table in TABLE_NAMES
    }
    hidden = keras.layers.Concatenate()([embeddings[table](inputs[name]) for name, table in INPUTS])
    for k in range(config.layers):
        hidden = keras.layers.LSTM(config.hidden, return_sequences=True, name=f"lstm_{k}")(hidden)
        hidden = keras.layers.Dropout(config.dropout)(hidden)
    pitch_logits = keras.layers.Dense(config.n_pitch, name="pitch_head")(hidden)
    joined = keras.layers.Concatenate()([hidden, embeddings["pitch"](inputs["pitch"])])
    duration_hidden = keras.layers.Dense(
        config.duration_hidden, activation="relu", name="duration_hidden"
    )(joined)
    duration_logits = keras.layers.Dense(config.n_duration, name="duration_head")(duration_hidden)
    return keras.Model(
        inputs, {"pitch": pitch_logits, "duration": duration_logits}, name="melody_network"
    )


def _gates_ifog(matrix: np.ndarray, hidden: int) -> np.ndarray:
    """Reorder the last axis from Keras's [i, f, c, o] to the runtime's [i, f, o, c]; the same
    swap of the last two gates takes the runtime's order back to Keras's."""
    i, f, c, o = (matrix[..., k * hidden : (k + 1) * hidden] for k in range(4))
    return np.concatenate((i, f, o, c), axis=-1)


def network_to_arrays(network: keras.Model, config: NetworkConfig) -> dict[str, np.ndarray]:
    """The arrays `server.generation.lstm.LstmNetwork` runs (layout in its docstring)."""
    hidden = config.hidden
    weights = {layer.name: [w.numpy() for w in layer.weights] for layer in network.layers}
    kernel, recurrent, bias = (_gates_ifog(w, hidden) for w in weights["lstm_0"])
    arrays: dict[str, np.ndarray] = {"lstm_0_recurrent": recurrent, "lstm_0_bias": bias}
    for table in TABLE_NAMES:
        arrays[f"embedding_{table}"] = weights[f"{table}_embedding"][0]
    row = 0
    for name, table in INPUTS:
        width = config.table_shape(table)[1]
        arrays[f"kernel_{name}"] = kernel[row : row + width]
        row += width
    for k in range(1, config.layers):
        kernel, recurrent, bias = (_gates_ifog(w, hidden) for w in weights[f"lstm_{k}"])
        arrays[f"lstm_{k}_kernel"] = np.concatenate((kernel, recurrent), axis=0)
        arrays[f"lstm_{k}_bias"] = bias
    arrays["pitch_kernel"], arrays["pitch_bias"] = weights["pitch_head"]
    joined_kernel, joined_bias = weights["duration_hidden"]
    pitch_table = weights["pitch_embedding"][0][: config.n_pitch]
    arrays["duration_state"] = joined_kernel[:hidden]
    arrays["duration_pitch"] = pitch_table @ joined_kernel[hidden:] + joined_bias
    arrays["duration_kernel"], arrays["duration_bias"] = weights["duration_head"]
    return {name: array.astype(np.float32) for name, array in arrays.items()}


def arrays_to_network(arrays: dict[str, np.ndarray], config: NetworkConfig) -> keras.Model:
    """A Keras network that computes what the exported `arrays` compute, to train on from a
    shipped checkpoint (`python -m training.train --init checkpoints/melody`). The export folds
    the pitch embedding into the duration layer's bias table; the layer's pitch kernel and bias
    are recovered as the least-norm exact solution of that product."""
    hidden = config.hidden
    network = build_network(config)
    layers = {layer.name: layer for layer in network.layers}
    for table in TABLE_NAMES:
        layers[f"{table}_embedding"].set_weights([arrays[f"embedding_{table}"]])
    kernel = np.concatenate([arrays[f"kernel_{name}"] for name, _ in INPUTS], axis=0)
    first = (kernel, arrays["lstm_0_recurrent"], arrays["lstm_0_bias"])
    layers["lstm_0"].set_weights([_gates_ifog(w, hidden) for w in first])
    for k in range(1, config.layers):
        joined = arrays[f"lstm_{k}_kernel"]
        layers[f"lstm_{k}"].set_weights(
            [
                _gates_ifog(w, hidden)
                for w in (joined[:hidden], joined[hidden:], arrays[f"lstm_{k}_bias"])
            ]
        )
    layers["pitch_head"].set_weights([arrays["pitch_kernel"], arrays["pitch_bias"]])
    pitch_table = arrays["embedding_pitch"][: config.n_pitch].astype(np.float64)
    with_bias = np.concatenate((pitch_table, np.ones((len(pitch_table), 1))), axis=1)
    products = arrays["duration_pitch"].astype(np.float64)
    solution = np.linalg.lstsq(with_bias, products, rcond=None)[0]
    layers["duration_hidden"].set_weights(
        [np.concatenate((arrays["duration_state"], solution[:-1]), axis=0), solution[-1]]
    )
    layers["duration_head"].set_weights([arrays["duration_kernel"], arrays["duration_bias"]])
    return network


def save_run_files(folder: Path, config: NetworkConfig, vocabulary: Vocabulary) -> None:
    """Write the config and vocabulary beside the weights so the folder rebuilds the network."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_FILE).write_text(json.dumps(config.to_json(), indent=2) + "\n")
    (folder / VOCABULARY_FILE).write_text(json.dumps(vocabulary.to_json(), indent=2) + "\n")


def load_run(folder: Path, weights_file: str = BEST_WEIGHTS_FILE) -> tuple:
    """(network with weights, config, vocabulary) from a training run folder."""
    config = NetworkConfig.from_json(json.loads((folder / CONFIG_FILE).read_text()))
    vocabulary = Vocabulary.from_json(json.loads((folder / VOCABULARY_FILE).read_text()))
    network = build_network(config)
    network.load_weights(folder / weights_file)
    return network, config, vocabulary
