"""The studio streams that ended lately on this worker, so that a `generate:stop` crossing its
stream's end is answered as what it is. A stream is written ahead of its listener (six beats at
the start, `Pacing`), so it can end on its own while the listener still hears it: a Stop pressed
then names a stream the server no longer writes, and the song it became is already being saved.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from server.generation.live_stream import EndReason, LiveStream

# How long an ended stream is remembered: far longer than a stream is written ahead of its
# listener, and than its save takes.
MEMORY_SECONDS = 60.0
# At most this many at once, however many end in a minute (the oldest go first).
MEMORY_LIMIT = 10_000
ALREADY_ENDED = "That melody had already ended."


class Ended(NamedTuple):
    owner: Hashable
    reason: EndReason
    saving: bool  # its `generate:done` (or `generate:error`) follows, or came already
    at: float


class EndedStreams:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ended: OrderedDict[str, Ended] = OrderedDict()

    def add(self, stream: LiveStream, *, saving: bool) -> None:
        """Remember `stream`, which has just ended (its `end_reason` is set)."""
        now = self._clock()
        self._forget_before(now - MEMORY_SECONDS)
        reason = stream.end_reason or EndReason.COMPLETE
        self._ended[stream.id] = Ended(stream.owner, reason, saving, now)
        self._ended.move_to_end(stream.id)
        while len(self._ended) > MEMORY_LIMIT:
            self._ended.popitem(last=False)

    def stop_answer(self, user_id: int, stream_id: object) -> dict[str, Any] | None:
        """The `generate:stop` acknowledgement's fields for `user_id`'s stream `stream_id` if it
        ended lately; None for any other (someone else's is as unknown as none)."""
        self._forget_before(self._clock() - MEMORY_SECONDS)
        ended = self._ended.get(stream_id) if isinstance(stream_id, str) else None
        if ended is None or ended.owner != user_id:
            return None
        answer = {"stream_id": stream_id, "saving": ended.saving, "ended": ended.reason.value}
        return answer if ended.saving else answer | {"message": ALREADY_ENDED}

    def __len__(self) -> int:
        return len(self._ended)

    def _forget_before(self, moment: float) -> None:
        while self._ended:
            oldest = next(iter(self._ended.values()))
            if oldest.at >= moment:
                return
            self._ended.popitem(last=False)
