"""The live generation engine: many melody streams advanced together (continuous batching).

Every live stream keeps its own LSTM state. One loop on the event loop collects the streams that
need notes (in the order stream_queue.py gives them), advances them by one event in a single
batched step, and hands the new notes to each stream's sink. A paced stream stays a few beats
ahead of its own real-time playhead and no further; an unpaced one (nobody listening) runs flat
out. This module imports neither Quart, Socket.IO nor the database: whoever starts a stream
gives it a `StreamSink`.

The step runs on the event loop, in slices: one step of at most MAX_BATCH streams, then the
loop's other work before the next. On a worker thread it shared one interpreter lock with the
loop sending the notes, and each slowed the other down: a step of 64 streams took 40 ms in a
busy worker against 3 ms alone, and one worker held 300 to 500 real-time streams where it now
holds 750 (docs/performance.md, "Steps on the event loop"). The network's own products, about a
third of the loop's time at 1,000 streams, go to a process of their own when the engine is given
one (`own_process`, network_process.py): the loop sends each step's ids and states there and
goes on with its other work until the logits come back, and the rest of the step (inputs, draws,
the notes accepted) stays here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Hashable

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
from server.generation.network_process import NetworkProcess, NetworkProcessError
from server.generation.notes import Note
from server.generation.openings import Opening
from server.generation.sampler import step_through_primers
from server.generation.sampling_params import SamplingParams
from server.generation.stream_queue import MAX_BATCH, StreamQueue

log = logging.getLogger(__name__)

# Primer events one stream reads in one slice (about 0.2 ms each alone, so a slice holds the
# loop no longer than a full step): a played phrase is read at once, and a long primer still
# lets the loop and other streams' steps in between.
PRIMER_STEPS_PER_CALL = 64
# Seconds before a network process that failed, or could not start, is started again.
PROCESS_RESTART_SECONDS = 5.0


class GenerationEngine:
    """Owns the network, the live streams and the loop that steps them; see the module doc."""

    def __init__(
        self, network: LstmNetwork, pacing: Pacing | None = None, *, own_process: bool = False
    ) -> None:
        self.network = network
        # The network's steps in a process of their own (network_process.py), once it is ready
        # and while it lives; the engine steps in its own process otherwise.
        self.own_process = own_process
        self.process: NetworkProcess | None = None
        self._process_task: asyncio.Task[None] | None = None
        self.vocabulary = network.require_vocabulary()
        self.pacing = pacing or Pacing()
        self.streams: dict[str, LiveStream] = {}
        self.queue = StreamQueue()  # the streams waiting for a step, in the order they get one
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self.steps = 0  # network steps taken, for monitoring

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
        opening: Opening | None = None,
    ) -> LiveStream:
        """Register a stream; it gets its first notes on the loop's next step. `melody` is a
        ready-made stream (e.g. a style transfer) to run instead of sampling `params`;
        `stream_id` one reserved beforehand (e.g. counted against a limit), else a new one.
        `playhead_beats` says the listener is already at that beat of the stream (an answer
        to a phrase just heard, its primer): its own notes go out as they are written until
        they are the usual lead ahead of that playhead. `opening`, written ahead for `params`
        (openings.py), goes out on the loop's next turn as the stream's first frame, with no
        network step, and the engine writes on from where it left the melody."""
        state = self.network.initial_state(1)[:, :, 0]
        if opening is not None:
            melody, state = opening.melody, opening.state
        melody = melody or MelodyStream(params, self.vocabulary)
        stream_id = stream_id or uuid.uuid4().hex
        band = band_for(melody.params)
        stream = LiveStream(stream_id, owner, melody, sink, paced, state, band)
        if playhead_beats is not None:
            stream.started_at = time.monotonic() - playhead_beats * 60.0 / melody.params.tempo
        self.streams[stream.id] = stream
        if opening is not None:  # out on the loop's next turn, as a first step's notes would be
            asyncio.get_running_loop().call_soon(self._open, stream, opening.notes)
        else:
            self.queue.add(stream)
        self._wake.set()
        return stream

    def _open(self, stream: LiveStream, notes: list[Note]) -> None:
        """Hand out an opening written ahead: its stream plays from now on."""
        self._publish([stream], [notes], stream.state[:, :, None], time.monotonic())

    @property
    def idle(self) -> bool:
        """No stream needs a step now or soon: work done meanwhile delays nobody's notes."""
        return self.queue.idle(time.monotonic())

    def end_stream(self, stream_id: str, reason: EndReason) -> LiveStream | None:
        """Take a stream out at once (its sink is not called); None if it is not live."""
        stream = self.streams.pop(stream_id, None)
        if stream is not None:
            stream.end_reason = reason
        return stream

    def start(self) -> None:
        """Start the stepping loop on the running event loop."""
        # One BLAS thread: a multi-threaded BLAS on a small machine waits for busy cores
        # (measured: batch-1 step 0.16 ms alone, 12 ms with two OpenBLAS threads while other
        # processes load both cores).
        threadpool_limits(1, user_api="blas")
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())
        if self.own_process:
            self._start_process(0.0)

    async def aclose(self) -> None:
        """Stop the loop and the network's process; live streams are left as they are."""
        for task in (self._loop_task, self._process_task):
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._loop_task = self._process_task = None
        if self.process is not None:
            await self.process.aclose()
            self.process = None

    def _start_process(self, delay: float) -> None:
        """Start the network's process (after `delay` seconds), unless one is starting."""
        if self._process_task is None or self._process_task.done():
            loop = asyncio.get_running_loop()
            self._process_task = loop.create_task(self._started_process(delay))

    async def _started_process(self, delay: float) -> None:
        while True:
            await asyncio.sleep(delay)
            try:
                self.process = await NetworkProcess.started(self.network, MAX_BATCH)
            except Exception:  # whatever it was, the worker steps and tries again later
                log.exception("the network's process did not start; the worker steps meanwhile")
                delay = PROCESS_RESTART_SECONDS
            else:
                log.info("the network steps in process %s", self.process.pid)
                return

    async def _network_step(
        self, ids: np.ndarray, state: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One network step: in the network's process while it lives, else here (the same
        numbers). A process that is gone is replaced; a step it could not take is taken here,
        where it fails the same way and the engine fails its streams."""
        process = self.process
        if process is not None and process.alive:
            try:
                return await process.step(ids, state)
            except NetworkProcessError as error:
                if not process.alive:
                    await self._replace(process, str(error))
        elif process is not None:  # died between steps
            await self._replace(process, "it exited")
        return self.network.step(ids, state)

    async def _replace(self, process: NetworkProcess, why: str) -> None:
        log.warning("the network's process is gone (%s); stepping here until a new one", why)
        self.process = None
        self._start_process(PROCESS_RESTART_SECONDS)
        await process.aclose()

    async def _run(self) -> None:
        while True:
            batch = self.queue.take_due(time.monotonic())
            if not batch:
                await self._sleep_until_due()
                continue
            try:
                notes, states = await self._step(batch)
            except Exception:
                log.exception("network step failed for %d streams", len(batch))
                self._fail(batch)
            else:
                self._publish(batch, notes, states, time.monotonic())
            await asyncio.sleep(0)  # the loop's other work (frames, saves) before the next slice

    async def _sleep_until_due(self) -> None:
        """Wait for a new stream, or until the earliest paced stream runs low."""
        self._wake.clear()
        timeout = self.queue.seconds_to_due(time.monotonic())
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass

    async def _step(self, batch: list[LiveStream]) -> tuple[list[list[Note]], np.ndarray]:
        """One event for every stream in `batch`, and the primer events of those still reading
        one (up to PRIMER_STEPS_PER_CALL steps), so a phrase to answer is read in one slice, not
        one per note. Returns each stream's new notes and state."""
        state = np.stack([stream.state for stream in batch], axis=2)  # (layers, 2, batch, H)
        melodies = [stream.melody for stream in batch]
        network_step = self._network_step if self.own_process else None
        written, state, steps = await step_through_primers(
            self.network, melodies, state, PRIMER_STEPS_PER_CALL, network_step
        )
        self.steps += steps
        return written, state

    def _publish(
        self, batch: list[LiveStream], notes: list[list[Note]], states: np.ndarray, now: float
    ) -> None:
        """Event loop: keep each stream's new state, hand new notes out, end finished streams."""
        for row, (stream, written) in enumerate(zip(batch, notes, strict=True)):
            if stream.ended:
                continue  # stopped or disconnected: its notes go nowhere
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
        self.queue.requeue(batch)

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
        self.queue.park(stream, due_at)

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
