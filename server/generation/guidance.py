"""Guidance toward a genre for one stream: a second LSTM state, conditioned on "any genre"
(the general model, trained by label dropout), reads the same events beside the stream, and
the logits become any + scale * (genre - any). Scale 1 is the genre model itself; above 1 the
genre's traits are exaggerated, which makes a rewritten melody sound more like its genre.
"""

from __future__ import annotations

import numpy as np

from server.generation.lstm import LstmNetwork


class GenreGuidance:
    """Follows one stream; call `pitch_logits` once per event (before its pitch is chosen),
    `duration_logits` when a duration is sampled, and `advance` when the event is accepted."""

    def __init__(self, network: LstmNetwork, scale: float) -> None:
        if network.vocabulary is None:
            raise ValueError("the network was loaded without its vocabulary")
        self.network, self.scale = network, scale
        self.any_genre = network.vocabulary.genre_id(None)
        self.state = network.initial_state(1)  # (layers, 2, 1, hidden)
        self.next_state = self.state

    def pitch_logits(self, genre_logits: np.ndarray, inputs: tuple[int, ...]) -> np.ndarray:
        """Guided (n_pitch,) logits; `inputs` are the stream's next_inputs() for this event."""
        previous_pitch, previous_duration, position, _, mode = inputs
        ids = [np.array([value]) for value in (previous_pitch, previous_duration, position)]
        general, self.next_state = self.network.step(
            *ids, np.array([self.any_genre]), np.array([mode]), self.state
        )
        return self._mix(genre_logits, general[0])

    def duration_logits(self, genre_logits: np.ndarray, pitch_id: int) -> np.ndarray:
        """Guided (n_duration,) logits for the event whose pitch id was chosen."""
        general = self.network.duration_logits(self.next_state, np.array([pitch_id]))[0]
        return self._mix(genre_logits, general)

    def advance(self) -> None:
        self.state = self.next_state

    def _mix(self, genre: np.ndarray, general: np.ndarray) -> np.ndarray:
        return general + self.scale * (genre.astype(np.float64) - general)
