"""Style search for conversions: every bar is written several times from the same point, each
candidate drawn exactly as a transfer stream draws (the guided genre model times the source
affinity), and the bar kept is the one whose melody so far the genre classifier finds most like
the target genre while it keeps the source:

    score = log p(target genre | melody so far) + CONTENT_WEIGHT * content similarity to the source

A bar is chosen before its first note is sent, so a listener hears only kept bars; the
candidates of one bar are stepped together in one batch.
"""

from __future__ import annotations

import numpy as np

from server.generation.classifier import GenreClassifier, melody_features
from server.generation.guidance import GenreGuidance
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.sampler import step_streams
from server.generation.similarity import content_similarity
from server.generation.transfer import TransferStream

CANDIDATES = 8  # bars written per bar kept
CONTENT_WEIGHT = 4.0  # log-probability of the target genre worth one unit of content similarity


class StyleSearch:
    """Chooses each bar of a TransferStream among CANDIDATES written from the same state."""

    def __init__(
        self,
        network: LstmNetwork,
        classifier: GenreClassifier,
        candidates: int = CANDIDATES,
        content_weight: float = CONTENT_WEIGHT,
    ) -> None:
        self.network, self.classifier = network, classifier
        self.candidates, self.content_weight = candidates, content_weight

    def plan_bar(self, stream: TransferStream) -> list[tuple[int, int]]:
        """(pitch id, duration id) of each event of the bar kept, from the stream's tick to the
        next bar line (or past it, when the last note is tied over); the stream adopts the
        network states that bar leaves."""
        horizon = stream.plan.next_bar_line(stream.tick)
        candidates = [stream.candidate(index) for index in range(self.candidates)]
        state = np.repeat(stream.network_state, self.candidates, axis=2)
        guided = stream.guidance
        general = None if guided is None else np.repeat(guided.state, self.candidates, axis=2)
        while active := [i for i, c in enumerate(candidates) if c.tick < horizon and not c.done]:
            rows = np.array(active)
            guidance = None
            if guided is not None and general is not None:
                guidance = GenreGuidance(self.network, guided.scale, general[:, :, rows])
            _, state[:, :, rows] = step_streams(
                self.network, [candidates[i] for i in active], state[:, :, rows], guidance
            )
            if guidance is not None and general is not None:
                general[:, :, rows] = guidance.state
        best = int(np.argmax(self.scores(stream, candidates)))
        kept = slice(best, best + 1)
        stream.adopt(state[:, :, kept], None if general is None else general[:, :, kept])
        return candidates[best].written

    def scores(self, stream: TransferStream, candidates: list[TransferStream]) -> np.ndarray:
        """(candidates,) how well each candidate bar serves the genre and the source."""
        source = stream.plan.melody()
        melodies = [stream.plan.on_grid(candidate.events) for candidate in candidates]
        features = np.stack([melody_features(melody) for melody in melodies])
        target = self.classifier.config.genres.index(stream.transfer.genre)
        style = np.log(self.classifier.probabilities(features)[:, target] + 1e-12)
        content = np.array([_content(source, melody) for melody in melodies])
        return style + self.content_weight * content


def _content(source: Melody, output: Melody) -> float:
    return content_similarity(source, output)["content"]
