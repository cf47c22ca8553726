"""Live generation for signed-in users: the engine loaded once per server, each user's streams
kept within the limit (over every worker with Redis), and every ended stream that is worth
keeping saved as one song, whose id is the stream's so that it can never be saved twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from server.config import Config
from server.errors import AppError
from server.generation.engine import GenerationEngine
from server.generation.live_stream import EndReason, LiveStream, StreamSink
from server.generation.lstm import WEIGHTS_FILE, CheckpointError, LstmNetwork
from server.generation.progression_network import ProgressionNetwork
from server.generation.sampler import MelodyStream, SamplingParams
from server.generation.transfer import TransferStream
from server.models.song import Song, SourceKind
from server.models.user import User
from server.services.chord_batches import ChordBatches
from server.services.opening_pool import OpeningPool
from server.services.songs import save_song
from server.services.stream_slots import LocalSlots, SlotsUnavailableError, StreamSlots
from server.services.stream_songs import gently, params_to_json, song_title, status_to_keep

log = logging.getLogger(__name__)

MAX_STREAMS_PER_USER = 3  # live streams at once, counted across all of a user's connections
UNAVAILABLE = "Live generation is not available on this server now."


def unavailable() -> AppError:
    """No model on this server, or it is shutting down (503 over HTTP)."""
    return AppError("model_unavailable", UNAVAILABLE, status=503)


class GenerationService:
    """The studio's side of the engine: who may start and stop what, and what gets saved."""

    def __init__(
        self,
        engine: GenerationEngine,
        model_version: str,
        paced: bool = True,
        progressions: ProgressionNetwork | None = None,
    ) -> None:
        self.engine = engine
        self.progressions = progressions  # writes the chords a request leaves to the model
        self._chords = ChordBatches(progressions) if progressions is not None else None
        self.openings = OpeningPool(engine, self._seeded) if paced else None
        self.model_version = model_version
        self.paced = paced
        self.accepting = True  # False once the worker shuts down: no new streams
        self.slots: StreamSlots = LocalSlots()  # replaced by Redis's when workers share it
        self._reserved: dict[int, set[str]] = {}  # user id -> streams counted, not started yet
        # Streams started and not yet saved (or dropped): their leases are renewed, and a
        # shutdown waits for them.
        self.unsettled: dict[str, LiveStream] = {}
        self._all_settled = asyncio.Event()
        self._all_settled.set()
        # One thread renders MIDI: a render is ~8 ms of Python, and when many songs end at once
        # more threads would only take the interpreter from the loop that sends live notes.
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="song-render")

    async def aclose(self) -> None:
        """Stop the engine, the chords written ahead and the renderer (renders in flight finish
        first)."""
        await self.engine.aclose()
        if self.openings is not None:
            await self.openings.aclose()
        if self._chords is not None:
            await self._chords.aclose()
        self._renderer.shutdown(wait=True)

    async def reserve(self, user_id: int) -> str:
        """Count one more stream of `user_id` against their limit before any work is done for
        it (reading an upload): the id to `start` it with, or to `release`. Refused when the
        user already has the most allowed or the worker is shutting down."""
        if not self.accepting:
            raise unavailable()
        stream_id = uuid.uuid4().hex
        try:
            live = self.live_ids(user_id)
            taken = await self.slots.take(user_id, stream_id, live, MAX_STREAMS_PER_USER)
        except SlotsUnavailableError as error:
            log.warning("counting live streams failed: %s", error)
            raise unavailable() from error
        if not taken:
            raise AppError(
                "too_many_streams",
                f"You already have {MAX_STREAMS_PER_USER} melodies playing; stop one first.",
            )
        self._reserved.setdefault(user_id, set()).add(stream_id)
        return stream_id

    def release(self, user_id: int, stream_id: str) -> None:
        """The reserved stream started (the engine counts it now) or never will."""
        reserved = self._reserved.get(user_id, set())
        reserved.discard(stream_id)
        if not reserved:
            self._reserved.pop(user_id, None)
        self.slots.started(stream_id)

    async def start(
        self,
        user_id: int,
        params: SamplingParams,
        sink: StreamSink,
        melody: MelodyStream | None = None,
        stream_id: str | None = None,
        playhead_beats: float | None = None,
    ) -> LiveStream:
        """A new live stream of `user_id` (of `melody` when given, e.g. a conversion) with the
        `reserve`d `stream_id`, or reserved now. Chords left to the model are written here,
        from the stream's seed, before its first note (none without a progression network).
        `playhead_beats`: the listener is already there (`GenerationEngine.start_stream`)."""
        if not self.accepting:
            raise unavailable()
        stream_id = stream_id or await self.reserve(user_id)
        try:
            opening = None
            if melody is None:
                opening = self.openings.take(params) if self.openings is not None else None
                if opening is not None:
                    params = opening.melody.params
                else:
                    params = await self.written_chords(params)
                if not self.accepting:  # shut down meanwhile
                    raise unavailable()
            stream = self.engine.start_stream(
                params,
                sink,
                owner=user_id,
                paced=self.paced,
                melody=melody,
                stream_id=stream_id,
                playhead_beats=playhead_beats,
                opening=opening,
            )
        finally:
            self.release(user_id, stream_id)
        self.unsettled[stream.id] = stream
        self._all_settled.clear()
        return stream

    async def written_chords(self, params: SamplingParams) -> SamplingParams:
        """`params` with the chords it leaves to the model written (none without a progression
        network): written ahead when any seed will do, else in one batch with the streams
        starting beside it."""
        return params if self._chords is None else await self._chords.written(params)

    async def _seeded(self, params: SamplingParams) -> SamplingParams:
        """`params` as a start without a seed makes them: seeded, its chords written."""
        return (await self.written_chords(params)).with_seed()

    def live_ids(self, user_id: int) -> set[str]:
        """The user's streams this worker writes now, or has reserved."""
        writing = {sid for sid, stream in self.engine.streams.items() if stream.owner == user_id}
        return writing | self._reserved.get(user_id, set())

    async def end(self, user_id: int, stream_id: object, reason: EndReason) -> LiveStream:
        """End one of the user's live streams at once; anyone else's is as unknown as none.
        The stream stops counting against the limit on every worker before this returns."""
        stream = self.engine.streams.get(stream_id) if isinstance(stream_id, str) else None
        if stream is None or stream.owner != user_id:
            raise AppError("unknown_stream", "No such melody is playing.")
        self.engine.end_stream(stream.id, reason)
        try:
            await self.slots.renew({user_id: self.live_ids(user_id)})
        except SlotsUnavailableError as error:  # the worker's next renewal releases it
            log.warning("releasing a stream's count failed: %s", error)
        return stream

    def settled(self, stream: LiveStream) -> None:
        """The ended stream is saved, or will not be: nothing of it is left to keep."""
        self.unsettled.pop(stream.id, None)
        if not self.unsettled:
            self._all_settled.set()

    async def wait_settled(self, timeout: float) -> None:
        """Wait (at most `timeout` s) until every started stream is saved or dropped."""
        try:
            await asyncio.wait_for(self._all_settled.wait(), timeout)
        except TimeoutError:
            log.warning("%d streams were still being saved at shutdown", len(self.unsettled))

    async def save(
        self,
        stream: LiveStream,
        extra: dict[str, Any],
        source_kind: SourceKind = SourceKind.GENERATED,
    ) -> Song | None:
        """Save an ended stream as the song it became, exactly the notes streamed, with `extra`
        parameters (e.g. the instrument); None when nothing is worth keeping. A room's live
        generation is saved with `source_kind` "room". The song's id is the stream's: if another
        worker already saved it as a draft (its lease lapsed), that draft is the song."""
        status = status_to_keep(stream)
        owner = await User.get_or_none(id=stream.owner) if status is not None else None
        if owner is None:
            return None
        fields = self.song_fields(stream.melody, extra, source_kind) | {
            "status": status,
            "id": stream.id,
        }
        try:
            return await save_song(owner, stream.sent_notes, render=self._render, **fields)
        except IntegrityError:
            log.warning("stream %s was already saved as a draft by another worker", stream.id)
            return await Song.get_or_none(id=stream.id)

    async def _render(self, render_song: Callable[[], Song]) -> Song:
        """On the one render thread, `gently`."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._renderer, gently, render_song)

    def song_fields(
        self, melody: MelodyStream, extra: dict[str, Any], source_kind: SourceKind
    ) -> dict[str, Any]:
        """Everything a song of this stream (live or written at once) records besides its
        notes and status."""
        params = melody.params
        fields: dict[str, Any] = {"title": song_title(params), "source_kind": source_kind}
        if isinstance(melody, TransferStream):
            fields = melody.song_fields()  # a conversion: its title, kind and meter
        return fields | {
            "tempo": params.tempo,
            "tonic": params.tonic,
            "mode": params.mode,
            "genre": params.genre,
            "parameters": params_to_json(params, extra),
            "model_version": self.model_version,
        }


def model_version(checkpoint: Path) -> str:
    """A short content hash of the checkpoint's weights, e.g. "melody-3f2a9c0d1b7e"."""
    digest = hashlib.sha256((checkpoint / WEIGHTS_FILE).read_bytes()).hexdigest()
    return f"melody-{digest[:12]}"


def load_generation(config: Config) -> GenerationService | None:
    """The service over the configured checkpoint; None (generation off) when it is missing."""
    try:
        network = LstmNetwork.load(config.model_dir)
    except CheckpointError as error:
        log.warning("live generation is off: %s", error)
        return None
    try:
        progressions: ProgressionNetwork | None = ProgressionNetwork.load(config.progression_dir)
    except CheckpointError as error:
        log.warning("melodies get no chords of the model's own: %s", error)
        progressions = None
    engine = GenerationEngine(network, own_process=config.network_process)
    version = model_version(config.model_dir)
    return GenerationService(engine, version, config.stream_pacing, progressions)
