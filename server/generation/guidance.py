"""Guidance toward a genre: a second LSTM state, conditioned on "any genre" (the general model,
trained by label dropout), reads the same events beside the genre-conditioned one, and the
logits become any + scale * (genre - any). Scale 1 is the genre model itself; above 1 the
genre's traits are exaggerated, which makes a rewritten melody sound more like its genre.
"""

from __future__ import annotations

import numpy as np

from server.generation.lstm import INPUT_NAMES, LstmNetwork


class GenreGuidance:
    """Follows a batch of streams (often one); per event call `pitch_logits` (before the
    pitches are chosen), `duration_logits` (before the durations are) and `advance`."""

    def __init__(self, network: LstmNetwork, scale: float, state: np.ndarray | None = None) -> None:
        """`state` (layers, 2, batch, hidden) of the general model; a fresh one of batch 1
        when None."""
        self.network, self.scale = network, scale
        self.any_genre = network.require_vocabulary().genre_id(None)
        self.state = network.initial_state(1) if state is None else state
        self.next_state = self.state

    def pitch_logits(self, genre_logits: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Guided (batch, n_pitch) logits; `inputs` (ids, batch) are the streams' next_inputs()
        for this event, the genre's among them."""
        general_inputs = inputs.copy()
        general_inputs[INPUT_NAMES.index("genre")] = self.any_genre
        general, self.next_state = self.network.step(general_inputs, self.state)
        return self._mix(genre_logits, general)

    def duration_logits(self, genre_logits: np.ndarray, pitch_ids: np.ndarray) -> np.ndarray:
        """Guided (batch, n_duration) logits for the events whose (batch,) pitch ids were
        chosen."""
        general = self.network.duration_logits(self.next_state, pitch_ids)
        return self._mix(genre_logits, general)

    def advance(self) -> None:
        self.state = self.next_state

    def _mix(self, genre: np.ndarray, general: np.ndarray) -> np.ndarray:
        mixed: np.ndarray = general + self.scale * (genre.astype(np.float64) - general)
        return mixed
