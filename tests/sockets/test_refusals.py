"""Refusals are new exceptions each time: a module-level exception raised again and again keeps
every traceback it was raised through (a hostile client's thousand refused joins held 2,000
frames), so the room services keep none."""

from __future__ import annotations

import traceback
from types import ModuleType

import pytest

from server.errors import AppError
from server.services import room_broker, room_clock, room_playback, rooms


@pytest.mark.parametrize(
    "module", [rooms, room_broker, room_clock, room_playback], ids=lambda m: m.__name__
)
def test_the_room_services_hold_no_exception_instances(module: ModuleType):
    held = [name for name, value in vars(module).items() if isinstance(value, BaseException)]
    assert held == []


async def test_repeated_refusals_keep_no_growing_traceback():
    refusals = []
    for _ in range(100):
        with pytest.raises(AppError) as caught:
            await rooms.room_for_token("not a token")
        refusals.append(caught.value)
    assert refusals[0] is not refusals[-1]
    first, last = (len(traceback.extract_tb(error.__traceback__)) for error in refusals[::99])
    assert last == first
