"""Which live streams the engine steps next: new streams first, a listener's opening before the
crowd for a while (with the longest-waiting of the crowd filling its step), the rest round
robin, and paced streams parked until their lead runs low."""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable

from server.generation.live_stream import LiveStream

log = logging.getLogger(__name__)

# Streams per network step; more wait for the next step. A step runs on the event loop: this
# bounds how long it holds the loop (about 25 ms here, sampling included; 256 to 1,024 streams
# cost about the same a note).
MAX_BATCH = 512
# Seconds early a parked stream may be topped up, so streams due close together share steps
# (fewer, larger batches: the per-note cost falls with batch size).
SHARED_STEP_WINDOW = 0.25
LAG_WARNING_SECONDS = 0.5  # a quarter of the lead: log when a top-up starts this late
# Steps in a row that write only streams' openings (small batches, a millisecond or two each)
# before the streams already playing, each seconds ahead, get theirs: a new stream's opening
# takes about a dozen steps, and in whole batches of a thousand streams that was most of a second.
OPENING_STEPS_IN_A_ROW = 16
# Streams in a step that writes openings: the openings, then the longest-waiting of the streams
# being topped up. A step of a few streams costs nearly what one of dozens does (reading the
# weights dominates), so at a burst of starts the openings' steps carry the crowd's top-ups too;
# alone, a hundred starts a second took nearly every step and left streams already playing
# seconds without notes. Small enough that an opening's dozen steps stay a few ms each.
OPENING_BATCH = 64
# Seconds of music a playing stream has left ahead of its playhead below which its top-up goes
# in the next step whatever else waits (openings too): at a burst of starts, with more openings
# waiting than OPENING_BATCH, playing streams otherwise got a step only every
# OPENING_STEPS_IN_A_ROW steps and some notes arrived late. Half the lead (`Pacing`).
SHORT_OF_NOTES_SECONDS = 1.0


class StreamQueue:
    """The streams waiting for a network step, in the order they get one; see the module doc."""

    def __init__(self) -> None:
        self._new: list[LiveStream] = []  # started since the last step: served first
        self._filling: list[LiveStream] = []  # need notes now, in round-robin order
        self._waiting: list[tuple[float, int, LiveStream]] = []  # heap of (due at, tiebreak, s)
        self._tiebreak = itertools.count()
        self.opening_steps = 0  # steps that wrote openings (OPENING_BATCH), for monitoring
        self._openings_in_a_row = 0
        self.max_lag = 0.0  # seconds: the latest any top-up started after it was due

    def add(self, stream: LiveStream) -> None:
        """A new stream: it is in the next batch."""
        self._new.append(stream)

    def park(self, stream: LiveStream, due_at: float) -> None:
        """A paced stream far enough ahead: it rejoins the batches at `due_at` (monotonic s)."""
        heapq.heappush(self._waiting, (due_at, next(self._tiebreak), stream))

    def idle(self, now: float) -> bool:
        """No stream needs a step now, nor will within SHARED_STEP_WINDOW."""
        if self._new or self._filling:
            return False
        return not self._waiting or self._waiting[0][0] > now + SHARED_STEP_WINDOW

    def requeue(self, batch: list[LiveStream]) -> None:
        """The stepped streams that still need notes now go to the back of the line."""
        self._filling += [stream for stream in batch if stream.filling and not stream.ended]

    def seconds_to_due(self, now: float) -> float | None:
        """Until the earliest parked stream runs low; None when none is parked."""
        if not self._waiting:
            return None
        return max(self._waiting[0][0] - now, 0.0)

    def take_due(self, now: float) -> list[LiveStream]:
        """The next batch: new streams first, then those whose lead ran low, MAX_BATCH at most.
        Paced streams still writing their opening go first in small steps (OPENING_BATCH
        streams, the rest from the front of the line), up to OPENING_STEPS_IN_A_ROW steps in a
        row, so that a listener's first notes do not wait on whole batches; playing streams
        short of notes go before them. The rest wait in `_filling`; stepped streams rejoin it
        at the back (round robin)."""
        while self._waiting and self._waiting[0][0] <= now + SHARED_STEP_WINDOW:
            due_at, _, stream = heapq.heappop(self._waiting)
            if not stream.ended:
                stream.filling = True
                self._filling.append(stream)
                self._note_lag(now - due_at)
        due = [stream for stream in self._new + self._filling if not stream.ended]
        self._new = []
        opening, playing = _split(due, _opening)
        if opening and playing:
            if self._openings_in_a_row < OPENING_STEPS_IN_A_ROW:
                self._openings_in_a_row += 1
                self.opening_steps += 1
                short, crowd = _split(playing, lambda stream: _short_of_notes(stream, now))
                first = short + opening
                along = max(OPENING_BATCH - len(first), 0)
                self._filling = first[MAX_BATCH:] + crowd[along:]
                return first[:MAX_BATCH] + crowd[:along]
        self._openings_in_a_row = 0
        self._filling = due[MAX_BATCH:]
        return due[:MAX_BATCH]

    def _note_lag(self, lag: float) -> None:
        """Track how late (seconds) top-ups start; a lag near the lead means late notes."""
        if lag > self.max_lag:
            self.max_lag = lag
            if lag > LAG_WARNING_SECONDS:
                log.warning("a stream was topped up %.0f ms late (busy machine?)", lag * 1e3)


def _split(
    streams: list[LiveStream], test: Callable[[LiveStream], bool]
) -> tuple[list[LiveStream], list[LiveStream]]:
    """(the streams that pass `test`, those that do not), each in its order: one look at each
    stream (a step's queue can hold every live stream)."""
    passed: list[LiveStream] = []
    failed: list[LiveStream] = []
    for stream in streams:
        (passed if test(stream) else failed).append(stream)
    return passed, failed


def _opening(stream: LiveStream) -> bool:
    """A paced stream whose listener waits for its first notes: its playhead has not started,
    or it has not yet written a note past its primer (an answer to a phrase)."""
    return stream.paced and (stream.started_at is None or stream.melody.before_own_notes)


def _short_of_notes(stream: LiveStream, now: float) -> bool:
    """A playing paced stream with less than SHORT_OF_NOTES_SECONDS of music left to play."""
    if not stream.paced or stream.started_at is None:
        return False
    return stream.beats_ahead(now) * 60.0 / stream.params.tempo < SHORT_OF_NOTES_SECONDS
