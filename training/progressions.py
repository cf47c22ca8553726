"""The progression network: fit on every genre's chords (training/progression_corpora.py), score
it against a Kneser-Ney chord n-gram on held-out songs, export it for the server:
`python -m training.progressions [--fit] [--evaluate] [--json] [--data DIR]`.

Bits per chord are over half-bar slots (a chord that goes on sounding is a slot too); top-1 is
how often the likeliest chord is the real one; the cadence share counts endings whose last two
slots move from V or IV (in either mode) to the tonic, in real songs and in unconstrained
samples of the network.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.chords import VOCABULARY_SIZE, Chord
from server.generation.melody import GENRES
from server.generation.nucleus import nucleus_draw
from server.generation.progression_network import (
    CHECKPOINT_DIR,
    CHORD_BOS,
    PHRASE_SLOTS,
    ProgressionConfig,
    ProgressionNetwork,
)
from server.generation.progression_writer import ending_chords
from training.baselines import KneserNeyModel
from training.corpora import shared_data_dir
from training.progression_corpora import ChordSong, load_progressions

log = logging.getLogger(__name__)

WINDOW = 64  # slots (32 bars) per training sequence
EPOCHS = 30
BATCH = 64
NGRAM_ORDERS = (1, 2, 3, 4, 5)
MODES = ("major", "minor")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.progressions", description=__doc__)
    parser.add_argument("--fit", action="store_true", help="fit and export the network")
    parser.add_argument("--evaluate", action="store_true", help="score on held-out songs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--data", type=Path, default=None, help="folder holding pop909/, rs200/")
    parser.add_argument("--out", type=Path, default=CHECKPOINT_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    songs = load_progressions(args.data or shared_data_dir())
    by_split = {
        split: [s for s in songs if s.split == split] for split in ("train", "valid", "test")
    }
    log.info("songs: %s", {split: len(items) for split, items in by_split.items()})
    if args.fit:
        started = time.monotonic()
        network = fit(by_split["train"], by_split["valid"], ProgressionConfig())
        network.save(args.out)
        log.info("fitted and exported to %s in %.0f s", args.out, time.monotonic() - started)
    if args.evaluate or not args.fit:
        report = evaluate(ProgressionNetwork.load(args.out), by_split)
        (args.out / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps(report, indent=2) if args.json else format_report(report))


def step_inputs(song: ChordSong) -> dict[str, np.ndarray]:
    """(slots,) ids per input: the chord before each slot (BOS first), the slot's place in its
    four-bar phrase, the genre and the mode."""
    chords = song.chords
    slots = len(chords)
    return {
        "chord": np.concatenate([[CHORD_BOS], chords[:-1]]).astype(np.int32),
        "position": (np.arange(slots) % PHRASE_SLOTS).astype(np.int32),
        "genre": np.full(slots, GENRES.index(song.genre), dtype=np.int32),
        "mode": np.full(slots, MODES.index(song.mode), dtype=np.int32),
    }


def windows(songs: list[ChordSong]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Every song cut into WINDOW-slot pieces (the state starts afresh in each): inputs, targets
    and weights (batch, WINDOW); padding weighs 0. Genres weigh alike: each song's slots are
    weighted by the inverse of its genre's share."""
    totals = {genre: sum(len(s.chords) for s in songs if s.genre == genre) for genre in GENRES}
    rows: list[tuple[dict[str, np.ndarray], np.ndarray, float]] = []
    for song in songs:
        inputs = step_inputs(song)
        weight = sum(totals.values()) / (len(GENRES) * totals[song.genre])
        for start in range(0, len(song.chords), WINDOW):
            piece = {name: ids[start : start + WINDOW] for name, ids in inputs.items()}
            rows.append((piece, song.chords[start : start + WINDOW], weight))
    batch = {name: np.zeros((len(rows), WINDOW), dtype=np.int32) for name in rows[0][0]}
    targets = np.zeros((len(rows), WINDOW), dtype=np.int32)
    weights = np.zeros((len(rows), WINDOW), dtype=np.float32)
    for i, (piece, chords, weight) in enumerate(rows):
        length = len(chords)
        for name, ids in piece.items():
            batch[name][i, :length] = ids
        targets[i, :length] = chords
        weights[i, :length] = weight
    return batch, targets, weights


def build_keras(config: ProgressionConfig) -> Any:
    import keras

    inputs = {name: keras.Input((None,), dtype="int32", name=name) for name in config.input_rows()}
    sizes = {
        "chord": config.chord_embedding,
        "position": config.position_embedding,
        "genre": config.genre_embedding,
        "mode": config.mode_embedding,
    }
    embedded = [
        keras.layers.Embedding(rows, sizes[name], name=f"{name}_embedding")(inputs[name])
        for name, rows in config.input_rows().items()
    ]
    hidden = keras.layers.LSTM(config.hidden, return_sequences=True, name="lstm")(
        keras.layers.Concatenate()(embedded)
    )
    hidden = keras.layers.Dropout(config.dropout)(hidden)
    logits = keras.layers.Dense(VOCABULARY_SIZE, name="chord_head")(hidden)
    return keras.Model(inputs, logits, name="progression_network")


def fit(
    train: list[ChordSong], valid: list[ChordSong], config: ProgressionConfig
) -> ProgressionNetwork:
    import keras

    keras.utils.set_random_seed(0)
    network = build_keras(config)
    network.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[],
    )
    x, y, w = windows(train)
    vx, vy, vw = windows(valid)
    stop = keras.callbacks.EarlyStopping(patience=4, restore_best_weights=True)
    network.fit(
        x,
        y,
        sample_weight=w,
        validation_data=(vx, vy, vw),
        epochs=EPOCHS,
        batch_size=BATCH,
        callbacks=[stop],
        verbose=2,
    )
    return ProgressionNetwork(config, keras_to_arrays(network, config))


def keras_to_arrays(network: Any, config: ProgressionConfig) -> dict[str, np.ndarray]:
    """The arrays `ProgressionNetwork` runs (layout in `ProgressionConfig.array_shapes`)."""
    from training.network import _gates_ifog

    weights = {layer.name: [w.numpy() for w in layer.weights] for layer in network.layers}
    kernel, recurrent, bias = (_gates_ifog(w, config.hidden) for w in weights["lstm"])
    arrays = {"recurrent": recurrent}
    row = 0
    for name in config.input_rows():
        table = weights[f"{name}_embedding"][0]
        arrays[f"input_{name}"] = table @ kernel[row : row + table.shape[1]]
        row += table.shape[1]
    arrays["input_chord"] += bias
    arrays["out_kernel"], arrays["out_bias"] = weights["chord_head"]
    return {name: array.astype(np.float32) for name, array in arrays.items()}


# --- evaluation ----------------------------------------------------------------------------


def network_scores(network: ProgressionNetwork, song: ChordSong) -> tuple[np.ndarray, np.ndarray]:
    """(bits, top-1 right) per slot of a whole song, the state carried through it."""
    inputs = step_inputs(song)
    state = network.initial_state()
    bits, right = [], []
    for i, target in enumerate(song.chords.tolist()):
        logits, state = network.step(*(int(inputs[n][i]) for n in inputs), state)
        row = logits[0].astype(np.float64)
        log_probabilities = row - row.max() - np.log(np.exp(row - row.max()).sum())
        bits.append(-log_probabilities[target] / np.log(2))
        right.append(int(np.argmax(row)) == target)
    return np.array(bits), np.array(right)


def is_cadence(chords: np.ndarray, mode: str) -> bool:
    """Whether the last two slots move from a V or IV chord to the tonic (normalized key)."""
    if len(chords) < 2:
        return False
    before, last = (Chord.from_id(int(chord_id)) for chord_id in chords[-2:])
    approaches, tonics = ending_chords(mode)
    return before in approaches and last in tonics


def free_sample(
    network: ProgressionNetwork, genre: str, mode: str, slots: int, seed: int
) -> np.ndarray:
    """An unconstrained sample of `slots` chords (no chord never drawn), for the cadence share."""
    rng = np.random.default_rng(seed)
    state, chord, out = network.initial_state(), CHORD_BOS, []
    allowed = np.ones((1, VOCABULARY_SIZE), dtype=bool)
    allowed[0, 0] = False
    for slot in range(slots):
        logits, state = network.step(
            chord, slot % PHRASE_SLOTS, GENRES.index(genre), MODES.index(mode), state
        )
        chord = int(nucleus_draw(logits, [rng], np.ones(1), np.full(1, 0.95), allowed)[0])
        out.append(chord)
    return np.array(out)


def evaluate(network: ProgressionNetwork, by_split: dict[str, list[ChordSong]]) -> dict[str, Any]:
    report: dict[str, Any] = {"genres": {}}
    for genre in GENRES:
        train, valid, test = (
            [s.chords for s in by_split[split] if s.genre == genre]
            for split in ("train", "valid", "test")
        )
        orders = {
            order: float(
                np.mean(
                    np.concatenate(
                        [KneserNeyModel(order, VOCABULARY_SIZE).fit(train).bits(s) for s in valid]
                    )
                )
            )
            for order in NGRAM_ORDERS
        }
        order = min(orders, key=orders.__getitem__)
        ngram = KneserNeyModel(order, VOCABULARY_SIZE).fit(train)
        ngram_bits, ngram_right = zip(*(ngram.score(s) for s in test), strict=True)
        test_songs = [s for s in by_split["test"] if s.genre == genre]
        net_bits, net_right = zip(*(network_scores(network, s) for s in test_songs), strict=True)
        samples = [
            free_sample(network, genre, s.mode, len(s.chords), i) for i, s in enumerate(test_songs)
        ]
        report["genres"][genre] = {
            "songs": {
                split: len([s for s in by_split[split] if s.genre == genre]) for split in by_split
            },
            "test_slots": int(sum(map(len, test))),
            "network_bits": _rounded(np.concatenate(net_bits).mean()),
            "ngram_bits": _rounded(np.concatenate(ngram_bits).mean()),
            "ngram_order": order,
            "ngram_valid_bits_by_order": {str(k): _rounded(v) for k, v in orders.items()},
            "network_top1": _rounded(np.concatenate(net_right).mean()),
            "ngram_top1": _rounded(np.concatenate(ngram_right).mean()),
            "cadence_share_real": _rounded(
                np.mean([is_cadence(s.chords, s.mode) for s in test_songs])
            ),
            "cadence_share_free_samples": _rounded(
                np.mean([is_cadence(c, s.mode) for c, s in zip(samples, test_songs, strict=True)])
            ),
        }
    return report


def _rounded(value: float) -> float:
    return round(float(value), 3)


def format_report(report: dict[str, Any]) -> str:
    lines = [
        "genre      songs tr/va/te  test slots  bits net  bits n-gram (order)  top-1 net  "
        "top-1 n-gram  cadence real  cadence free"
    ]
    for genre, row in report["genres"].items():
        songs = "/".join(str(n) for n in row["songs"].values())
        lines.append(
            f"{genre:<10} {songs:>15} {row['test_slots']:>11} {row['network_bits']:>9.3f} "
            f"{row['ngram_bits']:>12.3f} ({row['ngram_order']}) {row['network_top1']:>14.3f} "
            f"{row['ngram_top1']:>13.3f} {row['cadence_share_real']:>13.3f} "
            f"{row['cadence_share_free_samples']:>13.3f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
