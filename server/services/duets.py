"""Call and response in the studio: a person plays a phrase, the model answers it in the duet's
key, genre and chords (an `AnswerStream` on the shared engine, its notes sent as `generate:notes`
frames), then listens again, turn by turn until stopped; the whole duet is then saved as one song,
the played phrases as part "played" and the answers as the melody."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from server.errors import AppError
from server.generation.answer import AnswerPlan, AnswerStream
from server.generation.live_stream import EndReason, LiveStream
from server.generation.notes import TICKS_PER_BEAT, Note, storage_rows, ticks_to_beats, wire_notes
from server.models.song import Song, SongStatus
from server.models.user import User
from server.services.duet_params import (
    DuetRequest,
    duet_from_payload,
    duet_full,
    phrase_end,
    phrase_from_payload,
)
from server.services.live_listener import ERROR, FAILED, NoteSender
from server.services.registry import Services
from server.services.songs import save_song
from server.services.stream_songs import params_to_json
from server.services.token_bucket import TokenBucket

log = logging.getLogger(__name__)

ANSWERED = "duet:answered"
# The answer starts on the first beat at least this long after the phrase is over (seconds): the
# time its first notes take to reach the player (p99 250 ms at 100 duets, docs/performance.md).
ANSWER_LEAD_SECONDS = 0.3
PHRASE_BURST, PHRASE_RATE = 3, 1.0  # phrases at once, then per second: a phrase lasts beats


@dataclass(eq=False)
class Duet:
    """One connection's duet: what it asked for, what was played and answered so far."""

    id: str
    sid: str
    user_id: int
    request: DuetRequest
    played: list[Note] = field(default_factory=list)
    answers: list[Note] = field(default_factory=list)
    turn: int = 0
    answering: LiveStream | None = None
    heard_until: int = 0  # ticks: where the last answer ends; the next phrase starts after it
    bucket: TokenBucket = field(default_factory=lambda: TokenBucket(PHRASE_BURST, PHRASE_RATE))


class AnswerSink:
    """One answer's notes to the duet's client, on the duet's timeline; its end reported, with
    how long its first note took from the phrase's arrival (`arrived`, monotonic seconds)."""

    def __init__(
        self, duets: StudioDuets, duet: Duet, melody: AnswerStream, arrived: float
    ) -> None:
        self.duets, self.duet, self.melody = duets, duet, melody
        self.arrived = arrived
        self.first_note_ms: float | None = None  # phrase arrival to the first note sent

    def stream_notes(self, stream: LiveStream, notes: Sequence[Note], first_index: int) -> None:
        own = self.melody.own_notes(notes, first_index)
        if own and self.first_note_ms is None:
            self.first_note_ms = round((time.monotonic() - self.arrived) * 1e3, 2)
        if own:
            self.duet.answers.extend(own)
            first = max(first_index - self.melody.phrase_notes, 0)
            self.duets.notes.add(self.duet.sid, stream.id, wire_notes(own, first))

    def stream_ended(self, stream: LiveStream) -> None:
        self.duets.answer_ended(self.duet, stream)


class StudioDuets:
    """One per worker: each connection's duet (one at a time), its turns and its saving."""

    def __init__(self, notes: NoteSender, held: Services) -> None:
        self.notes, self.held = notes, held
        self._duets: dict[str, Duet] = {}  # sid -> its duet
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, sid: str, user_id: int, data: Any) -> dict[str, Any]:
        """A new duet for the client `sid`: the `duet:start` acknowledgement's fields."""
        if sid in self._duets:
            raise AppError("duet_running", "A duet is already going: stop it first.")
        service = self.held.live_generation()
        request = duet_from_payload(data)
        # chords left to the model: written once, here
        params = await service.written_chords(request.params)
        request = dataclasses.replace(request, params=params)
        duet = Duet(uuid.uuid4().hex, sid, user_id, request)
        self._duets[sid] = duet
        chords = request.params.chords
        return {"duet_id": duet.id} | ({} if chords is None else {"chords": chords.to_wire()})

    async def phrase(self, sid: str, data: Any) -> dict[str, Any]:
        """Answer a played phrase: the `duet:phrase` acknowledgement's fields."""
        arrived = time.monotonic()
        duet = self._duet(sid, data)
        if not duet.bucket.take():
            raise AppError("rate_limited", "Phrases are coming too fast; play, then listen.")
        if duet.answering is not None:
            raise AppError("not_your_turn", "The model is still answering; play after its answer.")
        phrase = phrase_from_payload(data, duet.heard_until)
        request = duet.request
        tempo = request.params.tempo
        end = phrase_end(phrase, request.wait)
        lead = round(ANSWER_LEAD_SECONDS * tempo / 60 * TICKS_PER_BEAT)
        plan = AnswerPlan.after(phrase, end, lead, request.answer_bars)
        refusal = duet_full(plan.end)
        if refusal is not None:
            raise refusal
        service = self.held.live_generation()
        params = plan.stream_params(request.params, phrase)
        seed = (request.params.seed or 0) + duet.turn + 1  # every turn its own, made again alike
        melody = AnswerStream(
            dataclasses.replace(params, seed=seed), service.engine.vocabulary, plan
        )
        playhead = ticks_to_beats(end - plan.origin)  # the player is where the phrase ended
        sink = AnswerSink(self, duet, melody, arrived)
        stream = await service.start(duet.user_id, params, sink, melody, playhead_beats=playhead)
        duet.played.extend(phrase)
        duet.turn += 1
        duet.answering = stream
        duet.heard_until = plan.end
        return {
            "duet_id": duet.id,
            "turn": duet.turn,
            "stream_id": stream.id,
            "answer_start": ticks_to_beats(plan.start),
            "answer_end": ticks_to_beats(plan.end),
        }

    def answer_ended(self, duet: Duet, stream: LiveStream) -> None:
        """The engine finished (or failed) an answer: tell the client after its last notes.
        An answer ended by a shutdown is only settled: the duet is saved when its client goes."""
        if self.held.generation is not None:
            self.held.generation.settled(stream)
        if duet.answering is stream:
            duet.answering = None
        if stream.end_reason is EndReason.DISCONNECTED:
            return
        first_note_ms = cast(AnswerSink, stream.sink).first_note_ms
        event, payload = ANSWERED, {"duet_id": duet.id, "turn": duet.turn, "stream_id": stream.id}
        payload["first_note_ms"] = first_note_ms
        if stream.end_reason is EndReason.FAILED:
            event, payload = ERROR, {"stream_id": stream.id, "error": FAILED}
        self._spawn(self.notes.send_after_notes(duet.sid, stream.id, event, payload))

    async def stop(self, sid: str, data: Any) -> dict[str, Any]:
        """End the duet, saved as one song unless `discard`: `duet:stop`'s acknowledgement."""
        duet = self._duet(sid, data)
        discard = isinstance(data, dict) and data.get("discard") is True
        self._end(duet, EndReason.DISCARDED if discard else EndReason.STOPPED)
        if discard or not duet.played:
            return {"duet_id": duet.id, "saved": False}
        song = await self._save(duet, SongStatus.COMPLETE)
        return {"duet_id": duet.id, "saved": True, "song_id": song.id}

    async def disconnected(self, sid: str) -> None:
        """The client left: its duet ends, and what was played is kept as a draft."""
        duet = self._duets.get(sid)
        if duet is None:
            return
        self._end(duet, EndReason.DISCONNECTED)
        if duet.played:
            try:
                await self._save(duet, SongStatus.DRAFT)
            except Exception:
                log.exception("saving the duet of a client that left failed")

    def _duet(self, sid: str, data: Any) -> Duet:
        duet = self._duets.get(sid)
        duet_id = data.get("duet_id") if isinstance(data, dict) else None
        if duet is None or duet.id != duet_id:
            raise AppError("unknown_duet", "No such duet is going; start one first.")
        return duet

    def _end(self, duet: Duet, reason: EndReason) -> None:
        """The duet ends here: its answer, if one is being written, stops where it is."""
        self._duets.pop(duet.sid, None)
        stream, duet.answering = duet.answering, None
        service = self.held.generation
        if stream is not None and service is not None:
            if service.engine.end_stream(stream.id, reason) is not None:
                service.settled(stream)
        if stream is not None:
            self.notes.forget(duet.sid, stream.id)

    async def _save(self, duet: Duet, status: SongStatus) -> Song:
        owner = await User.get(id=duet.user_id)
        service = self.held.generation
        params = duet.request.params
        parameters = params_to_json(params, duet.request.extra)
        parameters |= {
            "answer_bars": duet.request.answer_bars,
            "wait": duet.request.wait,
            "turns": duet.turn,
            "played": storage_rows(duet.played),  # which notes the person played
        }
        return await save_song(
            owner,
            sorted(duet.played + duet.answers, key=lambda note: note.start),
            title=f"Duet in {params.key} {params.mode}",
            tempo=params.tempo,
            tonic=params.tonic,
            mode=params.mode,
            genre=params.genre,
            status=status,
            parameters=parameters,
            model_version=None if service is None else service.model_version,
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
