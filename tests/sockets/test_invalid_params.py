"""Bad generation parameters are refused before anything happens, naming the field: numbers
must be finite and in range (a boolean is not a number), chords must be readable and fit the
piece, and a refused `room:generate` leaves the room's live piece playing."""

from __future__ import annotations

import math

import pytest

from tests.sockets.streaming import FAST, LONG
from tests.sockets.test_rooms import Member, open_room

NOTE = {"pitch": 60, "start": 0, "duration": 1}
BAD_PRIMERS = [
    [NOTE | {"start": math.nan}],
    [NOTE | {"duration": math.nan}],
    [NOTE | {"duration": math.inf}],
    [NOTE | {"start": -math.inf}],
    [NOTE | {"pitch": math.nan}],
    [NOTE | {"pitch": True}],
    [NOTE | {"duration": True}],
    [NOTE | {"pitch": "60"}],
    [NOTE | {"pitch": 60.5}],
    [NOTE | {"pitch": 128}],
    [NOTE | {"start": "0"}],
    [NOTE | {"duration": 0}],
    [{"pitch": 60, "start": 0}],
]


@pytest.mark.parametrize("primer", BAD_PRIMERS, ids=repr)
async def test_a_bad_primer_note_is_refused_naming_the_primer(
    unpaced_server, unpaced_cookie, listen, primer
):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**FAST, primer=primer)
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "invalid_params" and ack["error"]["field"] == "primer", ack


BAD_CHORDS = [
    ("C Am H7 G", 'The chord "H7" (chord 3, column 6)'),
    ("", "The progression is empty"),
    ([], "The progression is empty"),
    ([["C"], ["G", "H"]], 'The chord "H" (bar 2)'),
    ("C F G", "chords: the chords last 3 bars, longer than the 2 bars asked for"),
    ("|: C :| x99 " * 3, "longer than 256 bars"),
    ("C G A F D | C", "would fall on beat 5"),
    (42, "Chords are a text such as"),
    ({"bars": ["C"]}, "Chords are a text such as"),
]


@pytest.mark.parametrize("chords, message", BAD_CHORDS, ids=repr)
async def test_bad_chords_are_refused_naming_the_chords(
    unpaced_server, unpaced_cookie, listen, chords, message
):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**FAST, chords=chords)
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "invalid_params" and ack["error"]["field"] == "chords", ack
    assert message in ack["error"]["message"], ack


async def test_chords_are_not_taken_with_a_conversion(unpaced_server, unpaced_cookie, listen):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(source="0" * 32, genre="jazz", chords="C G")
    assert ack["ok"] is False and ack["error"]["field"] == "chords", ack
    assert "A conversion follows its upload, not typed chords" in ack["error"]["message"]


@pytest.mark.parametrize("field", ["seed", "bars", "tempo", "temperature", "top_p"])
async def test_a_boolean_is_not_a_number(unpaced_server, unpaced_cookie, listen, field):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**FAST | {field: True})
    assert ack["ok"] is False and ack["error"]["field"] == field, ack


async def test_a_refused_room_generation_leaves_the_live_piece_playing(paced_server):
    host = await Member(
        paced_server, await paced_server.session_cookie(source="127.0.0.9")
    ).connect()
    try:
        await open_room(host)
        live = await host.call("room:generate", LONG)
        assert live["ok"], live
        refused = await host.call("room:generate", LONG | {"primer": [NOTE | {"start": math.nan}]})
        assert refused["ok"] is False and refused["error"]["field"] == "primer", refused
        stopped = await host.call("room:stop", {"discard": True})
        assert stopped["ok"] and stopped["stream_id"] == live["stream_id"], stopped
    finally:
        await host.sio.disconnect()
