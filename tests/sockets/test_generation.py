"""Live generation over Socket.IO, through a real Hypercorn and real python-socketio clients:
streams arrive in order and are saved note for note, the same seed repeats, limits and bad
parameters are refused with the documented codes, a client that leaves keeps drafts, and typed
chords are acknowledged, followed and saved with the song and its MIDI."""

from __future__ import annotations

import asyncio
import io

import mido
import pytest

from tests.sockets.streaming import (
    FAST,
    LONG,
    Listener,
    chords_arrive_before_their_notes,
    drafts_of,
    eventually,
    get_bytes,
    get_json,
    midi_notes,
    start_server,
)
from tests.sockets.test_rooms import Member, open_room

__all__ = ["Listener", "start_server"]  # also used by the conversion tests


async def test_a_stream_arrives_in_order_and_its_song_holds_the_same_notes(unpaced_server, listen):
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    ack = await listener.start(**FAST, temperature=0.9, top_p=0.9, instrument="pad")
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    received = listener.notes[ack["stream_id"]]
    assert [note["index"] for note in received] == list(range(len(received)))
    starts = [note["start"] for note in received]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(note["start"] + note["duration"] <= 8 for note in received)
    midi = await get_bytes(unpaced_server, cookie, f"/api/songs/{done['song_id']}/midi")
    assert midi_notes(midi) == listener.triples(ack["stream_id"])
    song = (await get_json(unpaced_server, cookie, "/api/songs"))["songs"][0]
    assert song["id"] == done["song_id"] and song["status"] == "complete"
    assert song["parameters"] | FAST == song["parameters"]
    assert song["parameters"]["instrument"] == "pad" and song["model_version"].startswith("melody-")


async def test_the_same_seed_twice_gives_the_same_notes(unpaced_server, listen):
    listener = await listen(unpaced_server, await unpaced_server.session_cookie())
    (_, first), (_, second) = await asyncio.gather(listener.stream(**FAST), listener.stream(**FAST))
    assert first == second and first
    _, other = await listener.stream(**FAST | {"seed": 12})
    assert other != first


async def test_a_primer_opens_the_stream_and_is_saved_as_the_songs_first_notes(
    unpaced_server, listen
):
    """Continue my melody: the primer (a phrase played, or bars of a saved song) is streamed
    back first, the model continues after it, and the song holds both."""
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    primer = [
        {"pitch": 62, "start": 0, "duration": 1.5},
        {"pitch": 65, "start": 1.5, "duration": 0.5},
        {"pitch": 69, "start": 2, "duration": 2},
    ]
    song_id, notes = await listener.stream(**FAST | {"bars": 3}, primer=primer)
    assert notes[:3] == [(n["pitch"], n["start"], n["duration"]) for n in primer]
    assert len(notes) > 3 and notes[3][1] >= 4  # continued after the primer's last note
    song = await get_json(unpaced_server, cookie, f"/api/songs/{song_id}")
    assert song["parameters"]["primer"] == [[62, 0, 1.5], [65, 1.5, 0.5], [69, 2, 2]]
    midi = await get_bytes(unpaced_server, cookie, f"/api/songs/{song_id}/midi")
    assert midi_notes(midi)[:3] == notes[:3]


async def test_two_streams_at_once_do_not_mix(unpaced_server, listen):
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    g_major = FAST | {"key": "G", "mode": "major", "seed": 3, "bars": 3}
    (_, together), (_, beside) = await asyncio.gather(
        listener.stream(**g_major), listener.stream(**FAST)
    )
    _, alone = await listener.stream(**g_major)
    assert together == alone
    assert beside == (await listener.stream(**FAST))[1]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"tempo": 241}, "tempo"),
        ({"tempo": 39}, "tempo"),
        ({"bars": 0}, "bars"),
        ({"bars": 129}, "bars"),
        ({"temperature": 0.05}, "temperature"),
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"genre": "polka"}, "genre"),
        ({"key": "H"}, "key"),
        ({"mode": "dorian"}, "mode"),
        ({"seed": -1}, "seed"),
        ({"instrument": "kazoo"}, "instrument"),
        ({"primer": [{"pitch": 200, "start": 0, "duration": 1}]}, "primer"),
        ({"volume": 11}, "volume"),
        ("loud", "payload"),
    ],
)
async def test_bad_parameters_are_refused_naming_the_field(
    unpaced_server, unpaced_cookie, listen, payload, field
):
    listener = await listen(unpaced_server, unpaced_cookie)
    body = FAST | payload if isinstance(payload, dict) else payload
    ack = await listener.sio.call("generate:start", body, timeout=10)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid_params" and ack["error"]["field"] == field
    assert ack["error"]["message"]


async def test_a_message_larger_than_the_protocol_needs_closes_the_connection(
    unpaced_server, unpaced_cookie, listen
):
    listener = await listen(unpaced_server, unpaced_cookie)
    dropped = asyncio.Event()
    listener.sio.on("disconnect", lambda reason=None: dropped.set())
    await listener.sio.emit("generate:start", FAST | {"padding": "x" * 100_000})
    await asyncio.wait_for(dropped.wait(), 10)


async def test_a_fourth_stream_is_refused_across_connections_until_one_stops(paced_server, listen):
    cookie = await paced_server.session_cookie()
    first, second = await listen(paced_server, cookie), await listen(paced_server, cookie)
    acks = [await first.start(**LONG), await first.start(**LONG), await second.start(**LONG)]
    assert all(ack["ok"] for ack in acks)
    refused = await second.start(**LONG)
    assert refused == {
        "ok": False,
        "error": {"code": "too_many_streams", "message": refused["error"]["message"]},
    }
    stopped = await first.sio.call(
        "generate:stop", {"stream_id": acks[0]["stream_id"], "discard": True}
    )
    assert stopped["ok"] and stopped["saving"] is False and stopped["reason"] == "discarded"
    assert (await second.start(**LONG))["ok"]


async def test_stopping_saves_exactly_what_was_streamed(paced_server, listen):
    cookie = await paced_server.session_cookie()
    listener = await listen(paced_server, cookie)
    stream_id = (await listener.start(**LONG))["stream_id"]
    await listener.wait_for_notes(stream_id)
    stopped = await listener.sio.call("generate:stop", {"stream_id": stream_id})
    assert stopped == {"ok": True, "stream_id": stream_id, "saving": True}
    done = await asyncio.wait_for(listener.done[stream_id], 10)
    midi = await get_bytes(paced_server, cookie, f"/api/songs/{done['song_id']}/midi")
    assert midi_notes(midi) == listener.triples(stream_id)
    again = await listener.sio.call("generate:stop", {"stream_id": stream_id})
    assert again == {"ok": True, "stream_id": stream_id, "saving": True, "ended": "stopped"}


async def test_a_stop_that_crosses_its_streams_end_leaves_the_song_as_it_ended(
    unpaced_server, listen
):
    """The notes are written ahead of the listener, so the stream can end on its own while
    its listener still hears it: a Stop pressed then is told the melody had ended, and the
    song it became is still saved and reported; the stream stays unknown to anyone else."""
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    stream_id = (await listener.start(**FAST))["stream_id"]
    done = await asyncio.wait_for(listener.done[stream_id], 30)
    stopped = await listener.sio.call("generate:stop", {"stream_id": stream_id})
    assert stopped == {"ok": True, "stream_id": stream_id, "saving": True, "ended": "complete"}
    discarded = await listener.sio.call("generate:stop", {"stream_id": stream_id, "discard": True})
    assert discarded == stopped
    song = await get_json(unpaced_server, cookie, f"/api/songs/{done['song_id']}")
    assert song["status"] == "complete"
    stranger = await listen(unpaced_server, await unpaced_server.session_cookie())
    refused = await stranger.sio.call("generate:stop", {"stream_id": stream_id})
    assert refused["error"]["code"] == "unknown_stream"


async def test_disconnecting_mid_stream_frees_the_slots_and_leaves_drafts(paced_server, listen):
    cookie = await paced_server.session_cookie()
    leaving = await listen(paced_server, cookie)
    stream_ids = [(await leaving.start(**LONG, seed=seed))["stream_id"] for seed in range(3)]
    for stream_id in stream_ids:
        await leaving.wait_for_notes(stream_id)
    await leaving.sio.disconnect()
    staying = await listen(paced_server, cookie)
    acks = [await staying.start(**LONG) for _ in range(3)]
    assert all(ack["ok"] for ack in acks), acks
    drafts = await eventually(
        lambda: drafts_of(paced_server, cookie), lambda found: len(found) == 3
    )
    for draft in drafts:
        heard = leaving.triples(stream_ids[draft["parameters"]["seed"]])
        saved = midi_notes(await get_bytes(paced_server, cookie, draft["midi_url"]))
        assert saved[: len(heard)] == heard  # it may hold notes written but not yet sent


def melody_and_chords(data: bytes) -> tuple[list[str], list[str]]:
    """The MIDI file's track names and its chord markers."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    markers = [message.text for message in midi.tracks[0] if message.type == "marker"]
    return [track.name for track in midi.tracks], markers


@pytest.mark.parametrize("chords", ["Dm7 | G7", [["Dm7"], ["G7"]], "i7 IV7"], ids=repr)
async def test_a_stream_over_typed_chords_acknowledges_and_saves_them(
    unpaced_server, listen, chords
):
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    ack = await listener.start(**FAST | {"bars": 4}, chords=chords)
    assert ack["ok"], ack
    assert [(c["symbol"], c["start"], c["duration"]) for c in ack["chords"]] == [
        ("Dm7", 0, 4),
        ("G7", 4, 4),
        ("Dm7", 8, 4),
        ("G7", 12, 4),
    ]  # two bars looped over four; "i7 IV7" is read in the request's D minor
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    assert listener.chords(ack["stream_id"]) == ack["chords"]  # the frames carry them too
    assert chords_arrive_before_their_notes(listener.frames[ack["stream_id"]])
    song = await get_json(unpaced_server, cookie, f"/api/songs/{done['song_id']}")
    assert song["parameters"]["chords"] == [
        ["D:min7", 0, 48],
        ["G:7", 48, 48],
        ["D:min7", 96, 48],
        ["G:7", 144, 48],
    ]
    midi = await get_bytes(unpaced_server, cookie, f"/api/songs/{done['song_id']}/midi")
    names, markers = melody_and_chords(midi)
    assert "Chords" in names and markers == ["Dm7", "G7", "Dm7", "G7"]
    melody = mido.MidiFile(file=io.BytesIO(midi))
    melody.tracks = melody.tracks[:2]  # the conductor and the melody, without the chords
    buffer = io.BytesIO()
    melody.save(file=buffer)
    assert midi_notes(buffer.getvalue()) == listener.triples(ack["stream_id"])


async def test_a_stream_asked_for_no_chords_has_none(unpaced_server, unpaced_cookie, listen):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**FAST, chords="none")
    assert ack["ok"] and "chords" not in ack, ack
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    assert listener.notes[ack["stream_id"]] and not listener.chords(ack["stream_id"])
    song = await get_json(unpaced_server, unpaced_cookie, f"/api/songs/{done['song_id']}")
    assert song["chords"] is None and "chords" not in song["parameters"]


async def test_an_unknown_chord_is_refused_naming_it_and_nothing_starts(
    unpaced_server, unpaced_cookie, listen
):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**FAST, chords="Dm7 H7")
    assert ack["ok"] is False, ack
    error = ack["error"]
    assert (error["code"], error["field"]) == ("invalid_params", "chords")
    assert error["message"].startswith('The chord "H7" (chord 2, column 5) is not one we know')
    await asyncio.sleep(0.3)
    assert not listener.notes and not listener.done
    streams = [await listener.start(**FAST | {"seed": seed}) for seed in range(3)]
    assert all(started["ok"] for started in streams), streams  # no slot was kept
    for started in streams:
        await asyncio.wait_for(listener.done[started["stream_id"]], 30)


async def test_a_room_piece_written_over_chords_carries_them(unpaced_server):
    cookies = [await unpaced_server.session_cookie(source="127.0.0.7") for _ in range(2)]
    host, member = [await Member(unpaced_server, cookie).connect() for cookie in cookies]
    try:
        room = await open_room(host)
        await member.join(room)
        ack = await host.call("room:generate", FAST | {"bars": 4, "chords": "C | Am"})
        assert ack["ok"], ack
        symbols = [chord["symbol"] for chord in ack["chords"]]
        assert symbols == ["C", "Am", "C", "Am"]
        piece = await member.wait_for("room:piece", lambda p: p["stream_id"] == ack["stream_id"])
        assert piece["chords"] == ack["chords"]
        done = await member.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"])
        status, song = await host.http("GET", f"/api/songs/{done['song_id']}")
        assert status == 200 and len(song["parameters"]["chords"]) == 4
    finally:
        for person in (host, member):
            await person.sio.disconnect()
