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


NOW = 10.0  # monotonic seconds when the tests take a batch


def stream(number: int, *, playing: bool, seconds_ahead: float = 2.0) -> LiveStream:
    """A paced stream at 120 bpm: a new listener's (nothing written yet), or one whose playhead
    runs, `seconds_ahead` of music written past it at NOW."""
    melody = MelodyStream(SamplingParams(seed=number, tempo=120), VOCABULARY)
    live = LiveStream(f"s{number}", "owner", melody, Silent(), True, np.zeros((2, 2, 8)))
    if playing:
        for _ in range(4):  # four quarter notes: two seconds of music
            melody.accept(VOCABULARY.pitch_id(60), VOCABULARY.duration_id(12))
        live.started_at = NOW - (2.0 - seconds_ahead)
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
        batch = queue.take_due(now=NOW)
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
    batch = queue.take_due(now=NOW)
    assert len(batch) == OPENING_BATCH + 3
    assert not any(member in batch for member in crowd)


def test_a_playing_stream_short_of_notes_goes_before_a_crowd_of_openings():
    queue = StreamQueue()
    short = stream(1, playing=True, seconds_ahead=0.5)
    comfortable = stream(2, playing=True, seconds_ahead=1.5)
    for member in (comfortable, short):
        queue.park(member, due_at=0.0)
    for n in range(OPENING_BATCH + 3):
        queue.add(stream(1000 + n, playing=False))
    batch = queue.take_due(now=NOW)
    assert short in batch and comfortable not in batch
    assert batch[0] is short
