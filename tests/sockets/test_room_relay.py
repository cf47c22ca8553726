"""The room relay's rules, two workers' relays joined in one process (the Redis path itself is
tested with real workers in tests/scale/test_jam_across_workers.py): an operation runs where the
piece is written, its answer or error comes back to the asker, nobody answering is `not_live`,
and an unreachable channel never breaks the worker that tells."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.errors import AppError
from server.services import room_relay
from server.services.room_relay import RoomRelay


def joined(*workers: str) -> list[RoomRelay]:
    """Relays whose messages reach each other, as the manager's channel carries them."""
    relays: list[RoomRelay] = []

    async def publish(message: dict[str, Any]) -> None:
        for relay in relays:
            if relay.worker != message.get("from"):  # a worker never hears itself
                asyncio.get_running_loop().create_task(relay.received(message))

    relays.extend(RoomRelay(publish, worker) for worker in workers)
    return relays


def writing(rooms: set[str], log: list[tuple[str, dict]]):
    async def here(room_id: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if room_id not in rooms:
            return None
        if args.get("bad"):
            raise AppError("too_late", "The live piece ends before the next bar line.")
        log.append((room_id, args))
        return {"done": room_id}

    return here


async def test_an_operation_runs_on_the_worker_writing_the_piece_and_answers_the_asker():
    asker, writer = joined("a", "b")
    ran: list[tuple[str, dict]] = []
    asker.add("steer", writing(set(), ran))
    writer.add("steer", writing({"room-1"}, ran))
    assert await asker.ask("steer", "room-1", {"energy": "calm"}) == {"done": "room-1"}
    assert ran == [("room-1", {"energy": "calm"})]
    with pytest.raises(AppError) as refused:
        await asker.ask("steer", "room-1", {"bad": True})
    assert refused.value.code == "too_late"
    await asker.tell("steer", "room-1", {"note": 60})
    await asyncio.sleep(0.05)
    assert ran[-1] == ("room-1", {"note": 60})


async def test_nobody_writing_the_piece_is_not_live(monkeypatch):
    monkeypatch.setattr(room_relay, "ASK_SECONDS", 0.1)
    asker, other = joined("a", "b")
    for relay in (asker, other):
        relay.add("end", writing(set(), []))
    with pytest.raises(AppError) as refused:
        await asker.ask("end", "room-1", {})
    assert refused.value.code == "not_live"
    alone = RoomRelay(None, "a")  # one worker: nothing to ask
    alone.add("end", writing(set(), []))
    with pytest.raises(AppError):
        await alone.ask("end", "room-1", {})


async def test_an_unreachable_channel_refuses_an_ask_and_lets_a_tell_go_on():
    async def unreachable(message: dict[str, Any]) -> None:
        raise ConnectionError("Redis is down")

    relay = RoomRelay(unreachable, "a")
    relay.add("end", writing(set(), []))
    with pytest.raises(AppError) as refused:
        await relay.ask("end", "room-1", {})
    assert refused.value.code == "not_live"
    await relay.tell("end", "room-1", {})  # a room closing still closes
