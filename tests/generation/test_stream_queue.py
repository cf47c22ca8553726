"""Which streams the engine steps next: a burst of new listeners gets its openings written first,
without leaving the streams already playing (and due for a top-up) without steps."""

from __future__ import annotations

import numpy as np

from server.generation.live_stream import LiveStream
from server.generation.melody_stream import MelodyStream
from server.generation.sampling_params import SamplingParams
from server.generation.stream_queue import OPENING_BATCH, StreamQueue
from server.generation.vocabulary import default_vocabulary

VOCABULARY = default_vocabulary()


class Silent:
    def stream_notes(self, stream: LiveStream, notes: list, first_index: int) -> None:
        pass

    def stream_ended(self, stream: LiveStream) -> None:
        pass


def stream(number: int, *, playing: bool) -> LiveStream:
    """A paced stream: a new listener's (nothing written yet), or one whose playhead runs."""
    melody = MelodyStream(SamplingParams(seed=number), VOCABULARY)
    live = LiveStream(f"s{number}", "owner", melody, Silent(), True, np.zeros((2, 2, 8)))
    if playing:
        melody.accept(VOCABULARY.pitch_id(60), VOCABULARY.duration_id(12))
        live.started_at = 0.0
    return live


def test_streams_due_for_a_top_up_are_stepped_while_new_listeners_keep_arriving():
    queue = StreamQueue()
    crowd = [stream(number, playing=True) for number in range(100)]
    for member in crowd:
        queue.park(member, due_at=0.0)  # each one's lead ran low: all due now
    stepped: set[str] = set()
    for burst in range(2):  # new listeners before each step, as at a burst of starts
        newcomers = [stream(1000 + 10 * burst + n, playing=False) for n in range(5)]
        for newcomer in newcomers:
            queue.add(newcomer)
        batch = queue.take_due(now=1.0)
        assert all(newcomer in batch for newcomer in newcomers)  # openings never wait
        assert len(batch) <= OPENING_BATCH  # and their steps stay small
        stepped |= {member.id for member in batch}
        queue.requeue(batch)
    assert stepped >= {member.id for member in crowd}


def test_openings_beyond_a_small_step_go_without_the_crowd():
    queue = StreamQueue()
    crowd = [stream(number, playing=True) for number in range(10)]
    for member in crowd:
        queue.park(member, due_at=0.0)
    for n in range(OPENING_BATCH + 3):
        queue.add(stream(1000 + n, playing=False))
    batch = queue.take_due(now=1.0)
    assert len(batch) == OPENING_BATCH + 3
    assert not any(member in batch for member in crowd)
