"""Train the conditional melody network: `python -m training.train [--epochs N] [--resume] ...`.

Reads top to bottom inside main(); the run folder (default runs/melody) collects the config,
vocabulary, best and last weights, a resumable backup, history.csv and TensorBoard logs.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import keras

from server.generation.lstm import CheckpointError, LstmNetwork, NetworkConfig
from server.generation.melody import Melody
from server.generation.vocabulary import EncodedMelody, Vocabulary, default_vocabulary
from training.arrays import load_arrays
from training.network import (
    BEST_WEIGHTS_FILE,
    arrays_to_network,
    build_network,
    save_run_files,
)
from training.windows import BALANCES, RandomWindows, consecutive_windows

LAST_WEIGHTS_FILE = "last.weights.h5"
HISTORY_FILE = "history.csv"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("runs/melody"), help="run folder")
    parser.add_argument("--resume", action="store_true", help="continue from the last epoch")
    parser.add_argument(
        "--init",
        type=Path,
        help="start from a checkpoint folder's weights and sizes (checkpoints/melody)",
    )
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--limit-per-source", type=int, help="pieces per source (quick runs)")
    parser.add_argument("--cache-dir", type=Path, help="preprocessing cache folder")
    parser.add_argument("--arrays", type=Path, help="encoded pieces (.npz of training.encode)")
    parser.add_argument("--epochs", type=int, default=13, help="the shipped model ran 13")
    parser.add_argument("--epoch-events", type=int, default=500_000, help="events per epoch")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--sequence", type=int, default=128, help="window length, events")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--any-genre", type=float, default=0.15, help="label dropout rate")
    parser.add_argument("--no-chords", type=float, default=0.25, help="chord dropout rate")
    parser.add_argument("--balance", choices=BALANCES, default="sqrt", help="genre shares")
    parser.add_argument("--patience", type=int, default=4, help="epochs without improvement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, help="stop after the epoch that passes it")
    return parser.parse_args(argv)


def load_corpus(args: argparse.Namespace) -> dict[str, list[EncodedMelody]]:
    """The encoded pieces with their chords: from --arrays, else encoded once into the cache."""
    if args.arrays is not None:
        return load_arrays(args.arrays)
    from training.encode import encode_corpora  # the corpora readers are only needed here

    return load_arrays(
        encode_corpora(args.source, cache_dir=args.cache_dir, limit=args.limit_per_source)
    )


def encode_melodies(splits: dict[str, list[Melody]]) -> dict[str, list[EncodedMelody]]:
    from training.encode import encode_splits  # labels them with the chord recognizer

    return encode_splits(splits, default_vocabulary())


def earlier_losses(run: Path) -> list[float]:
    """val_loss of each epoch a resumed run already finished (history.csv rows)."""
    history = run / HISTORY_FILE
    if not history.exists():
        return []
    with history.open() as lines:
        return [float(row["val_loss"]) for row in csv.DictReader(lines)]


class TimeLimit(keras.callbacks.Callback):
    """Stops after the epoch during which `minutes` of training have passed."""

    def __init__(self, minutes: float | None) -> None:
        super().__init__()
        self.deadline = None if minutes is None else time.monotonic() + 60 * minutes

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            print(f"time limit reached after epoch {epoch + 1}")
            self.model.stop_training = True


def initial_network(
    folder: Path, vocabulary: Vocabulary, dropout: float
) -> tuple[keras.Model, NetworkConfig]:
    """The Keras network of a checkpoint folder (its own sizes, this run's dropout), after
    checking that it reads and writes this vocabulary."""
    try:
        shipped = LstmNetwork.load(folder)
    except CheckpointError as error:
        raise SystemExit(f"--init: {error}") from error
    if shipped.require_vocabulary().to_json() != vocabulary.to_json():
        raise SystemExit(f"{folder} was trained on another vocabulary than this run's")
    config = replace(shipped.config, dropout=dropout)
    return arrays_to_network(shipped.arrays, config), config


def main(argv: list[str] | None = None, *, splits: dict[str, list[Melody]] | None = None) -> Path:
    """Train and return the run folder; `splits` replaces the corpora (tests, notebooks)."""
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    run = args.out
    if not args.resume and run.exists():
        shutil.rmtree(run)  # a fresh run never mixes with an older one's backup or history

    done = earlier_losses(run)  # empty unless resuming

    # Data: key-normalized pieces with their chords, encoded once; random windows are redrawn
    # every epoch.
    vocabulary = default_vocabulary()
    encoded = encode_melodies(splits) if splits is not None else load_corpus(args)
    train_pieces, valid_pieces = encoded["train"], encoded["valid"]
    if not train_pieces or not valid_pieces:
        raise SystemExit("training needs at least one train and one validation piece")
    train_events = sum(len(piece) for piece in train_pieces)
    windows = max(args.epoch_events // args.sequence, args.batch)
    print(
        f"{len(train_pieces)} train pieces ({train_events} events), "
        f"{len(valid_pieces)} validation pieces; {windows} windows of {args.sequence} an epoch"
    )
    train_batches = RandomWindows(
        train_pieces,
        vocabulary,
        length=args.sequence,
        batch=args.batch,
        windows=windows,
        any_genre=args.any_genre,
        seed=args.seed,
        epoch=len(done),
        balance=args.balance,
        no_chords=args.no_chords,
    )
    valid_data = consecutive_windows(valid_pieces, vocabulary, args.sequence)

    # Network: the resolved config and vocabulary sit beside the weights from the start.
    if args.init is not None:
        network, config = initial_network(args.init, vocabulary, args.dropout)
    else:
        config = NetworkConfig.for_vocabulary(
            vocabulary, hidden=args.hidden, layers=args.layers, dropout=args.dropout
        )
        network = build_network(config)
    save_run_files(run, config, vocabulary)
    # Mean over real events only (padding has weight 0): the loss is nats per event.
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction="mean_with_sample_weight"
    )
    network.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
        loss={"pitch": cross_entropy, "duration": cross_entropy},
    )

    # Fit: best weights kept, every epoch saved, resumable, stops when validation stalls.
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run / "backup"), delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(
            str(run / BEST_WEIGHTS_FILE),
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=min(done, default=None),
        ),
        keras.callbacks.ModelCheckpoint(str(run / LAST_WEIGHTS_FILE), save_weights_only=True),
        keras.callbacks.EarlyStopping(patience=args.patience, restore_best_weights=True),
        keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=1e-4),
        keras.callbacks.CSVLogger(str(run / HISTORY_FILE), append=True),
        TimeLimit(args.max_minutes),
    ]
    # optional: logs for `tensorboard --logdir runs` (Keras writes them through TensorFlow)
    if importlib.util.find_spec("tensorboard") and keras.backend.backend() == "tensorflow":
        callbacks.append(keras.callbacks.TensorBoard(str(run / "logs"), write_graph=False))
    started = time.monotonic()
    network.fit(
        train_batches,
        validation_data=valid_data,
        epochs=args.epochs,
        callbacks=callbacks,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    print(f"trained in {(time.monotonic() - started) / 60:.1f} min; run folder {run}")
    return run


if __name__ == "__main__":
    main()
