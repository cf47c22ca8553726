"""The nucleus (top-p) draw: one id per row of logits, each row with its own RNG, temperature
and top-p, so a stream's draws do not depend on which other streams share its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def nucleus_draw(
    logits: np.ndarray,
    rngs: Sequence[np.random.Generator],
    temperatures: np.ndarray,
    top_ps: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """One id per row of (rows, classes) logits: softmax at temperatures[i], kept to the
    smallest set of most likely ids whose probability reaches top_ps[i] (0 = always the most
    likely), optionally only among the bool mask allowed[i]. One uniform draw from rngs[i] per
    row, in float64 throughout."""
    scaled = logits.astype(np.float64) / temperatures[:, None]
    if allowed is not None:
        scaled = np.where(allowed, scaled, -np.inf)
    probabilities = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    order = np.argsort(-probabilities, axis=1, kind="stable")
    cumulative = np.cumsum(np.take_along_axis(probabilities, order, axis=1), axis=1)
    classes = cumulative.shape[1]
    # The nucleus ends at the first id whose cumulative probability reaches top-p.
    kept = (cumulative < (top_ps * cumulative[:, -1])[:, None]).sum(axis=1) + 1
    kept = np.minimum(kept, classes)
    rows = np.arange(len(cumulative))
    draws = np.array([rng.random() for rng in rngs]) * cumulative[rows, kept - 1]
    within = np.arange(classes)[None, :] < kept[:, None]
    chosen = ((cumulative <= draws[:, None]) & within).sum(axis=1)
    ids: np.ndarray = order[rows, np.minimum(chosen, kept - 1)]
    return ids
