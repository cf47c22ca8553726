"""Chords the model writes when a request gives none, over a real Hypercorn and real Socket.IO
clients: they arrive in the `generate:notes` frames, each bar's chord no later than the first
note it governs, end on a cadence to the tonic, repeat with the seed, are saved with the song, and
reach every member of a room the same way."""

from __future__ import annotations

import asyncio

from tests.sockets.streaming import FAST, chords_arrive_before_their_notes, get_json
from tests.sockets.test_rooms import Member, open_room

POP = FAST | {"genre": "pop", "key": "D", "mode": "major", "bars": 8, "seed": 5}
TONICS_OF_D_MAJOR = {"D", "Dmaj7", "D6"}


async def test_left_out_the_chords_are_the_models_and_come_before_their_notes(
    unpaced_server, unpaced_cookie, listen
):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**POP)
    assert ack["ok"], ack
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    frames, chords = listener.frames[ack["stream_id"]], listener.chords(ack["stream_id"])
    assert chords and chords_arrive_before_their_notes(frames)
    assert "chords" in frames[0]  # the opening bars' chords come with the first notes
    ends = [chord["start"] + chord["duration"] for chord in chords]
    assert [chord["start"] for chord in chords] == [0, *ends[:-1]] and ends[-1] == 32
    assert chords[-1]["symbol"] in TONICS_OF_D_MAJOR and chords[-1]["start"] <= 28
    assert all(chord["pitches"] for chord in chords)  # no "no chord" in a written progression
    song = await get_json(unpaced_server, unpaced_cookie, f"/api/songs/{done['song_id']}")
    assert song["chords"] == chords
    assert song["parameters"]["write_chords"] is True and song["parameters"]["form"]


async def test_the_same_seed_writes_the_same_chords_and_melody(
    unpaced_server, unpaced_cookie, listen
):
    listener = await listen(unpaced_server, unpaced_cookie)
    acks = [await listener.start(**POP) for _ in range(2)] + [
        await listener.start(**POP | {"seed": 6})
    ]
    for ack in acks:
        await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    first, second, other = (ack["stream_id"] for ack in acks)
    assert listener.chords(first) == listener.chords(second) == acks[0]["chords"]
    assert listener.triples(first) == listener.triples(second)
    assert listener.chords(other) != listener.chords(first)


async def test_a_room_piece_gets_the_models_chords_in_its_frames(unpaced_server):
    cookies = [await unpaced_server.session_cookie(source="127.0.0.8") for _ in range(2)]
    host, member = [await Member(unpaced_server, cookie).connect() for cookie in cookies]
    try:
        room = await open_room(host)
        await member.join(room)
        ack = await host.call("room:generate", POP)
        assert ack["ok"], ack
        stream = ack["stream_id"]
        done = await member.wait_for("generate:done", lambda d: d["stream_id"] == stream)
        frames = [f for f in member.events["generate:notes"] if f["stream_id"] == stream]
        streamed = [chord for frame in frames for chord in frame.get("chords", [])]
        assert streamed == ack["chords"] and chords_arrive_before_their_notes(frames)
        piece = await member.wait_for("room:piece", lambda p: p["stream_id"] == stream)
        assert piece["chords"] == streamed  # what a member joining later is given
        status, song = await host.http("GET", f"/api/songs/{done['song_id']}")
        assert status == 200 and song["chords"] == streamed
    finally:
        for person in (host, member):
            await person.sio.disconnect()


async def test_a_paced_stream_sends_each_chord_no_later_than_the_first_note_it_governs(
    paced_server, listen
):
    listener = await listen(paced_server, await paced_server.session_cookie())
    ack = await listener.start(**POP | {"tempo": 240, "bars": 6})
    assert ack["ok"], ack
    await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    frames = listener.frames[ack["stream_id"]]
    assert len(frames) > 2 and chords_arrive_before_their_notes(frames)
    sent_by = [max(c["start"] for c in f["chords"]) for f in frames if f.get("chords")]
    assert len(sent_by) > 1  # chords went out bar by bar with the top-ups, not all at once
