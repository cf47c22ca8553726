"""Baselines the melody network is measured against, all over joint (pitch, duration) events:
a unigram, an interpolated Kneser-Ney n-gram, and the original app's architecture (a window of
100 events fed as one scalar each, three stacked LSTMs, a softmax over joint events).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from server.generation.vocabulary import EncodedMelody

ORIGINAL_WINDOW = 100  # events the original app looked back
ORIGINAL_STRIDE = 25  # scored positions per evaluation window; each keeps >= 75 events of context


def joint_tokens(piece: EncodedMelody, n_duration: int) -> np.ndarray:
    """(events,) ids of (pitch, duration) pairs: pitch_id * n_duration + duration_id."""
    return piece.pitch.astype(np.int64) * n_duration + piece.duration


class UnigramModel:
    """Event frequencies with add-`alpha` smoothing over every joint event."""

    def __init__(self, vocab_size: int, alpha: float = 0.5) -> None:
        self.vocab_size, self.alpha = vocab_size, alpha
        self.counts = np.zeros(vocab_size)

    def fit(self, sequences: list[np.ndarray]) -> UnigramModel:
        for tokens in sequences:
            np.add.at(self.counts, tokens, 1)
        return self

    def score(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bits per event, whether the most likely event was right), both (events,)."""
        probabilities = (self.counts + self.alpha) / (
            self.counts.sum() + self.alpha * self.vocab_size
        )
        return -np.log2(probabilities[tokens]), tokens == int(np.argmax(self.counts))


class KneserNeyModel:
    """Interpolated Kneser-Ney (Chen and Goodman 1998) of a given order, one discount per order,
    interpolated down to a uniform distribution so no event has probability zero."""

    def __init__(self, order: int, vocab_size: int) -> None:
        self.order, self.vocab_size = order, vocab_size
        self.bos = vocab_size  # padding id before a piece's first event
        # counts[k][context of k - 1 ids][next id]: raw counts at the top order, continuation
        # counts (distinct left extensions) below it.
        self.counts: list[dict[tuple[int, ...], Counter]] = []
        self.totals: list[dict[tuple[int, ...], int]] = []
        self.discounts: list[float] = []

    def fit(self, sequences: list[np.ndarray]) -> KneserNeyModel:
        top: dict[tuple[int, ...], Counter] = defaultdict(Counter)
        for tokens in sequences:
            padded = [self.bos] * (self.order - 1) + tokens.tolist()
            for i in range(self.order - 1, len(padded)):
                top[tuple(padded[i - self.order + 1 : i])][padded[i]] += 1
        levels = [top]
        for _ in range(self.order - 1):
            lower: dict[tuple[int, ...], Counter] = defaultdict(Counter)
            for context, nexts in levels[0].items():
                for token in nexts:
                    lower[context[1:]][token] += 1
            levels.insert(0, lower)
        self.counts = levels
        self.totals = [{ctx: sum(nexts.values()) for ctx, nexts in lv.items()} for lv in levels]
        self.discounts = [self._discount(level) for level in levels]
        return self

    @staticmethod
    def _discount(level: dict[tuple[int, ...], Counter]) -> float:
        singles = sum(1 for nexts in level.values() for c in nexts.values() if c == 1)
        doubles = sum(1 for nexts in level.values() for c in nexts.values() if c == 2)
        return singles / (singles + 2 * doubles) if singles and doubles else 0.75

    def probability(self, history: tuple[int, ...], token: int) -> float:
        """P(token | the last order - 1 ids of history)."""
        probability = 1.0 / self.vocab_size
        for k, (level, totals) in enumerate(zip(self.counts, self.totals, strict=True)):
            context = history[len(history) - k :] if k else ()
            nexts = level.get(context)
            if not nexts:
                continue  # unseen context: all weight on the lower order
            total, discount = totals[context], self.discounts[k]
            seen = max(nexts.get(token, 0) - discount, 0.0) / total
            probability = seen + discount * len(nexts) / total * probability
        return probability

    def histories(self, tokens: np.ndarray) -> list[tuple[int, ...]]:
        """The order - 1 ids before each event (BOS-padded)."""
        padded = [self.bos] * (self.order - 1) + tokens.tolist()
        return [tuple(padded[i : i + self.order - 1]) for i in range(len(tokens))]

    def bits(self, tokens: np.ndarray) -> np.ndarray:
        """(events,) -log2 P of each event given the ones before it."""
        pairs = zip(self.histories(tokens), tokens.tolist(), strict=True)
        return -np.log2([self.probability(history, token) for history, token in pairs])

    def score(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bits per event, whether the most likely event was right), both (events,)."""
        frequent = [token for token, _ in self.counts[0][()].most_common(8)]
        correct = np.empty(len(tokens), dtype=bool)
        histories = self.histories(tokens)
        for i, (history, token) in enumerate(zip(histories, tokens.tolist(), strict=True)):
            candidates = set(frequent)  # the best guess is seen after some suffix, or frequent
            for k in range(1, self.order):
                candidates.update(self.counts[k].get(history[len(history) - k :], ()))
            best = max(candidates, key=lambda c, h=history: self.probability(h, c))
            correct[i] = best == token
        return self.bits(tokens), correct


def build_original_network(vocab_size: int, hidden: int = 128):
    """The original app's layers at a modest width: token / vocab size as one scalar input per
    step, three stacked LSTMs, a dense layer, a softmax over joint events. Predicts at every step
    (return_sequences) so one window trains on all its prefixes."""
    import keras

    inputs = keras.Input((None, 1), name="scaled_token")
    hidden_states = inputs
    for k in range(3):
        hidden_states = keras.layers.LSTM(hidden, return_sequences=True, name=f"lstm_{k}")(
            hidden_states
        )
        hidden_states = keras.layers.Dropout(0.3)(hidden_states)
    hidden_states = keras.layers.Dense(hidden, activation="relu")(hidden_states)
    logits = keras.layers.Dense(vocab_size, name="event")(hidden_states)
    return keras.Model(inputs, logits, name="original_app_network")


def original_inputs(tokens: np.ndarray, vocab_size: int) -> np.ndarray:
    """(events, 1) float32 scaled inputs: the previous event / vocab size, 1.0 before the first."""
    previous = np.concatenate(([vocab_size], tokens[:-1]))
    return (previous / vocab_size).astype(np.float32)[:, None]


def train_original_network(
    sequences: list[np.ndarray], vocab_size: int, *, events: int, folder: Path, seed: int = 0
):
    """Train on random windows totalling about `events` scored events; weights cached in folder."""
    import keras

    network = build_original_network(vocab_size)
    weights = folder / "original.weights.h5"
    if weights.exists():
        network.load_weights(weights)
        return network
    rng = np.random.default_rng(seed)
    sizes = np.array([len(tokens) for tokens in sequences], dtype=np.float64)
    count = max(events // ORIGINAL_WINDOW, 1)
    x = np.zeros((count, ORIGINAL_WINDOW, 1), np.float32)
    y = np.zeros((count, ORIGINAL_WINDOW), np.int32)
    mask = np.zeros((count, ORIGINAL_WINDOW), np.float32)
    for row, index in enumerate(rng.choice(len(sequences), size=count, p=sizes / sizes.sum())):
        tokens = sequences[index]
        start = int(rng.integers(0, max(len(tokens) - ORIGINAL_WINDOW, 0) + 1))
        stop = min(start + ORIGINAL_WINDOW, len(tokens))
        x[row, : stop - start] = original_inputs(tokens, vocab_size)[start:stop]
        y[row, : stop - start], mask[row, : stop - start] = tokens[start:stop], 1.0
    keras.utils.set_random_seed(seed)
    network.compile(
        optimizer=keras.optimizers.Adam(2e-3, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    network.fit(x, y, sample_weight=mask, batch_size=64, epochs=3, verbose=2)
    folder.mkdir(parents=True, exist_ok=True)
    network.save_weights(weights)
    return network


def _original_windows(n: int) -> list[int]:
    """Window starts for a piece of n events: every 25 events, plus one that reaches the end."""
    starts = list(range(0, max(n - ORIGINAL_WINDOW, 0) + 1, ORIGINAL_STRIDE))
    if starts[-1] + ORIGINAL_WINDOW < n:
        starts.append(n - ORIGINAL_WINDOW)
    return starts


def score_original(
    network, sequences: list[np.ndarray], vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(bits, correct) for every event of every piece, concatenated; each event is predicted
    from a window of up to 100 previous events, as the original app did (a window scores the
    positions the previous one did not reach, so each keeps >= 75 events of context)."""
    chunks = [
        _score_original_chunk(network, sequences[first : first + 64], vocab_size)
        for first in range(0, len(sequences), 64)  # 64 pieces at a time bound the logits' memory
    ]
    return np.concatenate([b for b, _ in chunks]), np.concatenate([c for _, c in chunks])


def _score_original_chunk(
    network, sequences: list[np.ndarray], vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    windows, spans = [], []
    for tokens in sequences:
        scaled = original_inputs(tokens, vocab_size)
        for start in _original_windows(len(tokens)):
            window = np.zeros((ORIGINAL_WINDOW, 1), np.float32)
            piece_window = scaled[start : start + ORIGINAL_WINDOW]
            window[: len(piece_window)] = piece_window
            windows.append(window)
            spans.append((tokens, start))
    logits = network.predict(np.stack(windows), batch_size=256, verbose=0)
    bits, correct = [], []
    covered, previous = 0, None
    for (tokens, start), window_logits in zip(spans, logits, strict=True):
        if tokens is not previous:
            covered, previous = 0, tokens
        stop = min(start + ORIGINAL_WINDOW, len(tokens))
        step = window_logits[covered - start : stop - start].astype(np.float64)
        log_probabilities = step - np.logaddexp.reduce(step, axis=-1, keepdims=True)
        targets = tokens[covered:stop]
        bits.append(-log_probabilities[np.arange(len(targets)), targets] / np.log(2))
        correct.append(np.argmax(step, axis=-1) == targets)
        covered = stop
    return np.concatenate(bits), np.concatenate(correct)
