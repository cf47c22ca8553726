"""The outbox coalesces a stream's notes into one frame per window, but a stream's first notes
leave on the loop's next turn: a listener waiting for a piece to begin does not wait out the
window as well."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
import socketio

from server.sockets import outbox as outbox_module
from server.sockets.outbox import NOTES_EVENT, Outbox


@dataclass
class Watched:
    outbox: Outbox
    sent: list[tuple[str, str, list[int]]]  # what it emitted: (client, stream, note indexes)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> Watched:
    """An outbox on a Socket.IO server whose emits are recorded; no window ends in the test."""
    monkeypatch.setattr(outbox_module, "FRAME_INTERVAL", 10.0)
    sio = socketio.AsyncServer(async_mode="asgi")
    watched = Watched(Outbox(sio), [])

    async def emit(event: str, data: dict[str, Any], to: str, **_: Any) -> None:
        assert event == NOTES_EVENT
        watched.sent.append((to, data["stream_id"], [note["index"] for note in data["notes"]]))

    monkeypatch.setattr(sio, "emit", emit)
    return watched


async def turns(count: int = 3) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_a_streams_first_notes_leave_at_once_and_later_notes_wait_for_the_window(
    watched: Watched,
):
    outbox, sent = watched.outbox, watched.sent
    outbox.add("a", "playing", [{"index": 0}])
    await turns()
    assert sent == [("a", "playing", [0])]
    outbox.add("a", "playing", [{"index": 1}])  # a window has started: this one waits
    outbox.add("b", "new", [{"index": 0}])
    outbox.add("b", "new", [{"index": 1}])  # written before the loop turns: in the same frame
    await turns()
    assert sent == [("a", "playing", [0]), ("b", "new", [0, 1])]
    outbox.add("b", "new", [{"index": 2}])
    await turns()
    assert len(sent) == 2  # both streams' later notes wait for the window


async def test_a_first_frame_for_a_client_that_is_behind_waits_like_any_other(
    watched: Watched, monkeypatch: pytest.MonkeyPatch
):
    outbox, sent = watched.outbox, watched.sent
    outbox.add("a", "playing", [{"index": 0}])
    await turns()
    monkeypatch.setattr(outbox, "backlog", lambda sid: outbox_module.HOLD_BACKLOG + 1)
    outbox.add("a", "new", [{"index": 0}])
    await turns()
    assert sent == [("a", "playing", [0])]  # held for the next flush to decide
