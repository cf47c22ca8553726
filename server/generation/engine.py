"""The live generation engine: many melody streams advanced together (continuous batching).

Every live stream keeps its own LSTM state. One loop on the event loop collects the streams that
need notes, advances them by one event in a single batched step on a worker thread, and hands the
new notes to each stream's sink. A paced stream stays a few beats ahead of its own real-time
playhead and no further; an unpaced one (nobody listening) runs flat out. This module imports
neither Quart, Socket.IO nor the database: whoever starts a stream gives it a `StreamSink`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
import uuid
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from server.generation.band.piece_band import band_for
from server.generation.live_stream import (
    EndReason,
    LiveStream,
    Pacing,
    StreamSink,
)
from server.generation.lstm import LstmNetwork
from server.generation.melody_stream import MelodyStream
from server.generation.notes import Note
from server.generation.sampler import step_through_primers
from server.generation.sampling_params import SamplingParams

log = logging.getLogger(__name__)

MAX_BATCH = 1024  # streams per network step; more wait for the next step (bounds step latency)
# Seconds early a parked stream may be topped up, so streams due close together share steps
# (fewer, larger batches: the per-note cost falls with batch size).
SHARED_STEP_WINDOW = 0.25
LAG_WARNING_SECONDS = 0.5  # a quarter of the lead: log when a top-up starts this late
# Steps in a row that write only streams' openings (small batches, a millisecond or two each)
# before the streams already playing, each seconds ahead, get theirs: a new stream's opening
# takes about a dozen steps, and in whole batches of a thousand streams that was most of a second.
OPENING_STEPS_IN_A_ROW = 16
# Primer events one stream reads in one trip to the step thread (about 0.2 ms each alone): a
# played phrase is read at once, and a long primer still lets other streams' steps in between.
PRIMER_STEPS_PER_CALL = 64


class GenerationEngine:
    """Owns the network, the live streams and the loop that steps them; see the module doc."""

    def __init__(self, network: LstmNetwork, pacing: Pacing | None = None) -> None:
        self.network = network
        self.vocabulary = network.require_vocabulary()
        self.pacing = pacing or Pacing()
        self.streams: dict[str, LiveStream] = {}
        self._new: list[LiveStream] = []  # started since the last step: served first
        self._filling: list[LiveStream] = []  # need notes now, in round-robin order
        self._waiting: list[tuple[float, int, LiveStream]] = []  # heap of (due at, tiebreak, s)
        self._tiebreak = itertools.count()
        self._wake = asyncio.Event()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lstm-step")
        self._loop_task: asyncio.Task[None] | None = None
        self.steps = 0  # network steps taken, for monitoring
        self.opening_steps = 0  # of which steps that wrote only streams' openings
        self._openings_in_a_row = 0
        self.max_lag = 0.0  # seconds: the latest any top-up started after it was due

    def start_stream(
        self,
        params: SamplingParams,
        sink: StreamSink,
        *,
        owner: Hashable,
        paced: bool = True,
        melody: MelodyStream | None = None,
        stream_id: str | None = None,
        playhead_beats: float | None = None,
    ) -> LiveStream:
        """Register a stream; it gets its first notes on the loop's next step. `melody` is a
        ready-made stream (e.g. a style transfer) to run instead of sampling `params`;
        `stream_id` one reserved beforehand (e.g. counted against a limit), else a new one.
        `playhead_beats` says the listener is already at that beat of the stream (an answer
        to a phrase just heard, its primer): its own notes go out as they are written until
        they are the usual lead ahead of that playhead."""
        state = self.network.initial_state(1)[:, :, 0]
        melody = melody or MelodyStream(params, self.vocabulary)
        stream_id = stream_id or uuid.uuid4().hex
        band = band_for(melody.params)
        stream = LiveStream(stream_id, owner, melody, sink, paced, state, band)
        if playhead_beats is not None:
            stream.started_at = time.monotonic() - playhead_beats * 60.0 / melody.params.tempo
        self.streams[stream.id] = stream
        self._new.append(stream)
        self._wake.set()
        return stream

    def end_stream(self, stream_id: str, reason: EndReason) -> LiveStream | None:
        """Take a stream out at once (its sink is not called); None if it is not live."""
        stream = self.streams.pop(stream_id, None)
        if stream is not None:
            stream.end_reason = reason
        return stream

    def start(self) -> None:
        """Start the stepping loop on the running event loop."""
        # One BLAS thread: the step already has its own thread, and a multi-threaded BLAS on a
        # small machine waits for busy cores (measured: batch-1 step 0.16 ms alone, 12 ms with
        # two OpenBLAS threads while other processes load both cores).
        threadpool_limits(1, user_api="blas")
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def aclose(self) -> None:
        """Stop the loop and the worker thread; live streams are left as they are."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            try:
                await self._loop_task
            except asyncio.CancelledError:
                pass
            self._loop_task = None
        self._worker.shutdown(wait=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = self._take_due_streams(time.monotonic())
            if not batch:
                await self._sleep_until_due()
                continue
            try:
                notes, states = await loop.run_in_executor(self._worker, self._step, batch)
            except Exception:
                log.exception("network step failed for %d streams", len(batch))
                self._fail(batch)
                continue
            self._publish(batch, notes, states, time.monotonic())

    def _take_due_streams(self, now: float) -> list[LiveStream]:
        """The next batch: new streams first, then those whose lead ran low, MAX_BATCH at most.
        Paced streams still writing their opening go alone, up to OPENING_STEPS_IN_A_ROW steps
        in a row, so that a listener's first notes do not wait on whole batches. The rest wait
        in `_filling`; stepped streams rejoin it at the back (round robin)."""
        while self._waiting and self._waiting[0][0] <= now + SHARED_STEP_WINDOW:
            due_at, _, stream = heapq.heappop(self._waiting)
            if not stream.ended:
                stream.filling = True
                self._filling.append(stream)
                self._note_lag(now - due_at)
        due = [stream for stream in self._new + self._filling if not stream.ended]
        self._new = []
        opening = [stream for stream in due if _opening(stream)]
        if opening and len(opening) < len(due):
            if self._openings_in_a_row < OPENING_STEPS_IN_A_ROW:
                self._openings_in_a_row += 1
                self.opening_steps += 1
                self._filling = opening[MAX_BATCH:] + [s for s in due if not _opening(s)]
                return opening[:MAX_BATCH]
        self._openings_in_a_row = 0
        self._filling = due[MAX_BATCH:]
        return due[:MAX_BATCH]

    def _note_lag(self, lag: float) -> None:
        """Track how late (seconds) top-ups start; a lag near the lead means late notes."""
        if lag > self.max_lag:
            self.max_lag = lag
            if lag > LAG_WARNING_SECONDS:
                log.warning("a stream was topped up %.0f ms late (busy machine?)", lag * 1e3)

    async def _sleep_until_due(self) -> None:
        """Wait for a new stream, or until the earliest paced stream runs low."""
        self._wake.clear()
        timeout = None
        if self._waiting:
            timeout = max(self._waiting[0][0] - time.monotonic(), 0.0)
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass

    def _step(self, batch: list[LiveStream]) -> tuple[list[list[Note]], np.ndarray]:
        """Worker thread: one event for every stream in `batch`, and the primer events of those
        still reading one (up to PRIMER_STEPS_PER_CALL steps), so a phrase to answer costs one
        trip to this thread, not one per note. Returns each stream's new notes and state."""
        state = np.stack([stream.state for stream in batch], axis=2)  # (layers, 2, batch, H)
        melodies = [stream.melody for stream in batch]
        written, state, steps = step_through_primers(
            self.network, melodies, state, PRIMER_STEPS_PER_CALL
        )
        self.steps += steps
        return written, state

    def _publish(
        self, batch: list[LiveStream], notes: list[list[Note]], states: np.ndarray, now: float
    ) -> None:
        """Event loop: keep each stream's new state, hand new notes out, end finished streams."""
        for row, (stream, written) in enumerate(zip(batch, notes, strict=True)):
            if stream.ended:
                continue  # stopped or disconnected while the step ran
            stream.state = states[:, :, row].copy()
            stream.notes.extend(written)
            if stream.melody.done:
                self._hand_out(stream)
                self._finish(stream, EndReason.COMPLETE)
                continue
            if stream.paced:
                self._pace(stream, now)
            if not (stream.paced and stream.filling) or self._running_late(stream, now):
                self._hand_out(stream)
        self._filling += [stream for stream in batch if stream.filling and not stream.ended]

    def _pace(self, stream: LiveStream, now: float) -> None:
        """Start the playhead once the opening lead is written; park a stream that is far
        enough ahead until its lead runs low again. A paced stream's notes go out when it parks:
        the opening as one frame (playback can start at once, never waiting on a short first
        note's successor), then one frame per top-up."""
        tempo = stream.params.tempo
        high_water = self.pacing.high_water(tempo)
        if stream.started_at is None:
            if stream.written_beats < high_water:
                return
            stream.started_at = now
        if stream.beats_ahead(now) < high_water:
            return
        stream.filling = False
        due_beats = stream.written_beats - self.pacing.low_water(tempo)
        due_at = stream.started_at + due_beats * 60.0 / tempo
        heapq.heappush(self._waiting, (due_at, next(self._tiebreak), stream))

    def _running_late(self, stream: LiveStream, now: float) -> bool:
        """Less than half the lead is left: send each note as soon as it is written."""
        if stream.started_at is None:
            return False
        return stream.beats_ahead(now) < self.pacing.low_water(stream.params.tempo) / 2

    def _hand_out(self, stream: LiveStream) -> None:
        """Give the sink the notes it has not had yet, the band's bars due with them."""
        band = stream.band_due()
        if band:  # one frame in time order: the band's notes join the melody's unsent ones
            stream.notes[stream.sent :] = sorted(stream.notes[stream.sent :] + band, key=_onset)
        if stream.sent < len(stream.notes):
            first, fresh = stream.sent, stream.notes[stream.sent :]
            stream.sent, stream.sent_beats = len(stream.notes), stream.written_beats
            stream.sink.stream_notes(stream, fresh, first)

    def _finish(self, stream: LiveStream, reason: EndReason) -> None:
        if self.streams.pop(stream.id, None) is None:
            return
        stream.end_reason = reason
        stream.sink.stream_ended(stream)

    def _fail(self, batch: list[LiveStream]) -> None:
        for stream in batch:
            if not stream.ended:
                self._finish(stream, EndReason.FAILED)


def _onset(note: Note) -> int:
    return note.start


def _opening(stream: LiveStream) -> bool:
    """A paced stream whose listener waits for its first notes: its playhead has not started,
    or it has not yet written a note past its primer (an answer to a phrase)."""
    return stream.paced and (stream.started_at is None or stream.melody.before_own_notes)
