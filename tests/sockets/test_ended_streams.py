"""What the studio remembers of the streams that ended, to answer a stop that crosses its
stream's end: the owner's stop only, for a minute, and never more than its limit at once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from server.generation.live_stream import EndReason, LiveStream
from server.services.ended_streams import MEMORY_LIMIT, MEMORY_SECONDS, EndedStreams


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ended(stream_id: str, owner: int = 1, reason: EndReason = EndReason.COMPLETE) -> LiveStream:
    return cast(LiveStream, SimpleNamespace(id=stream_id, owner=owner, end_reason=reason))


def test_only_the_owner_is_told_the_stream_ended_and_how() -> None:
    streams = EndedStreams()
    streams.add(ended("a"), saving=True)
    streams.add(ended("b", reason=EndReason.DISCARDED), saving=False)
    assert streams.stop_answer(1, "a") == {"stream_id": "a", "saving": True, "ended": "complete"}
    assert streams.stop_answer(1, "b") == {
        "stream_id": "b",
        "saving": False,
        "ended": "discarded",
        "message": "That melody had already ended.",
    }
    assert streams.stop_answer(2, "a") is None  # someone else's is as unknown as none
    assert streams.stop_answer(1, "c") is None
    assert streams.stop_answer(1, ["a"]) is None


def test_an_ended_stream_is_forgotten_after_a_minute() -> None:
    clock = Clock()
    streams = EndedStreams(clock)
    streams.add(ended("a"), saving=True)
    clock.now += MEMORY_SECONDS - 1
    streams.add(ended("b"), saving=True)
    assert streams.stop_answer(1, "a") is not None
    clock.now += 2
    assert streams.stop_answer(1, "a") is None and streams.stop_answer(1, "b") is not None
    assert len(streams) == 1


def test_no_more_than_the_limit_are_kept_however_many_end_at_once() -> None:
    streams = EndedStreams(Clock())
    for number in range(MEMORY_LIMIT + 5):
        streams.add(ended(f"s{number}"), saving=True)
    assert len(streams) == MEMORY_LIMIT
    assert streams.stop_answer(1, "s4") is None  # the oldest went first
    assert streams.stop_answer(1, f"s{MEMORY_LIMIT + 4}") is not None
