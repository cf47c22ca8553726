"""Training examples for the melody network: encoded pieces cut into fixed-length windows of
(inputs, targets, weights), random for training and consecutive for validation and test.
"""

from __future__ import annotations

import keras
import numpy as np

from server.generation.lstm import INPUT_NAMES
from server.generation.melody import Melody
from server.generation.vocabulary import EncodedMelody, Vocabulary

INPUT_KEYS = (*INPUT_NAMES, "pitch")
BALANCES = ("events", "sqrt", "equal")  # each genre's share of windows: by events, sqrt, equal
START_FRACTION = 0.25  # share of windows forced to start at a piece's first event (BOS inputs)


def encode_pieces(melodies: list[Melody], vocabulary: Vocabulary) -> list[EncodedMelody]:
    """Encoded pieces with at least two events (shorter ones teach nothing)."""
    encoded = [vocabulary.encode(melody) for melody in melodies]
    return [piece for piece in encoded if len(piece) >= 2]


def piece_rows(
    piece: EncodedMelody, vocabulary: Vocabulary, genre: int, chords: bool = True
) -> dict[str, np.ndarray]:
    """Per-step arrays (events,) of one piece: the inputs and the two targets; with `chords`
    False the piece is read with "no chord" everywhere (chord dropout)."""
    n = len(piece)
    none = np.zeros(n, dtype=np.int32)
    return {
        "prev_pitch": np.concatenate(([vocabulary.pitch_bos], piece.pitch[:-1])),
        "prev_duration": np.concatenate(([vocabulary.duration_bos], piece.duration[:-1])),
        "position": piece.position,
        "genre": np.full(n, genre),
        "mode": np.full(n, piece.mode),
        "chord": piece.chord if chords else none,
        "next_chord": piece.next_chord if chords else none,
        **piece.lookback,
        "pitch": piece.pitch,
        "duration": piece.duration,
    }


def window_weights(pieces: list[EncodedMelody], balance: str) -> np.ndarray:
    """The chance of drawing each piece: in proportion to its length within its genre, the
    genres' shares by `balance` (one of BALANCES) of their events."""
    sizes = np.array([len(piece) for piece in pieces], dtype=np.float64)
    genres = np.array([piece.genre for piece in pieces])
    weights = np.zeros(len(pieces))
    for genre in np.unique(genres):
        mine = genres == genre
        total = sizes[mine].sum()
        share = {"events": total, "sqrt": np.sqrt(total), "equal": 1.0}[balance]
        weights[mine] = sizes[mine] / total * share
    result: np.ndarray = weights / weights.sum()
    return result


def stack_windows(rows: list[tuple[dict[str, np.ndarray], int]], length: int) -> tuple:
    """(x, y, sample_weight) from (piece rows, start) pairs, each window right-padded to
    `length` steps with weight 0; every array is (windows, length) int32 or float32."""
    keys = (*INPUT_KEYS, "duration")
    arrays = {key: np.zeros((len(rows), length), dtype=np.int32) for key in keys}
    weight = np.zeros((len(rows), length), dtype=np.float32)
    for index, (row, start) in enumerate(rows):
        stop = min(start + length, len(row["pitch"]))
        for key in keys:
            arrays[key][index, : stop - start] = row[key][start:stop]
        weight[index, : stop - start] = 1.0
    x = {key: arrays[key] for key in INPUT_KEYS}
    y = {"pitch": arrays["pitch"], "duration": arrays["duration"]}
    return x, y, {"pitch": weight, "duration": weight}


def consecutive_windows(pieces: list[EncodedMelody], vocabulary: Vocabulary, length: int) -> tuple:
    """Every event of every piece exactly once, in windows of `length` (fixed validation set)."""
    rows = []
    for piece in pieces:
        row = piece_rows(piece, vocabulary, piece.genre)
        rows += [(row, start) for start in range(0, len(piece), length)]
    return stack_windows(rows, length)


class RandomWindows(keras.utils.PyDataset):
    """Random windows from the training pieces, drawn afresh (seeded) each epoch; a piece is
    picked in proportion to its length, and its genre is replaced by "any" with probability
    `any_genre` (label dropout, which trains the general model). Genres share the windows by
    `balance`; a window is read without its chords with probability `no_chords` (chord dropout,
    so that one network writes over chords and without them)."""

    def __init__(
        self,
        pieces: list[EncodedMelody],
        vocabulary: Vocabulary,
        *,
        length: int,
        batch: int,
        windows: int,
        any_genre: float,
        seed: int,
        epoch: int = 0,
        balance: str = "sqrt",
        no_chords: float = 0.25,
    ) -> None:
        super().__init__()
        self.pieces, self.vocabulary = pieces, vocabulary
        self.length, self.batch, self.windows = length, batch, windows
        self.any_genre, self.seed, self.epoch = any_genre, seed, epoch  # epoch > 0 on resume
        self.no_chords = no_chords
        self.weights = window_weights(pieces, balance)
        self._draw()

    def __len__(self) -> int:
        return self.windows // self.batch

    def __getitem__(self, index: int) -> tuple:
        return stack_windows(self.rows[index * self.batch : (index + 1) * self.batch], self.length)

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._draw()

    def _draw(self) -> None:
        rng = np.random.default_rng((self.seed, self.epoch))
        any_id = self.vocabulary.genre_id(None)
        self.rows = []
        for index in rng.choice(len(self.pieces), size=self.windows, p=self.weights):
            piece = self.pieces[index]
            latest = max(len(piece) - self.length, 0)
            start = 0 if rng.random() < START_FRACTION else int(rng.integers(0, latest + 1))
            genre = any_id if rng.random() < self.any_genre else piece.genre
            chords = rng.random() >= self.no_chords
            self.rows.append((piece_rows(piece, self.vocabulary, genre, chords), start))
