"""The band over real Hypercorn and real Socket.IO clients: asked for with `band`, its notes
(each with its part) travel in the melody's `generate:notes` frames, every bar of it no later
than the melody's notes of that bar, numbered with the melody's in one stream; the saved song's
MIDI holds those same notes, a track per part; a room's members all get them, the piece keeps
them and a saved band song plays in a room with every part; a conversion gets the target
genre's band over the chords it keeps. Without `band`, nothing changes."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest

from server.generation.band.instruments import PART_TRACKS
from server.generation.band.styles import style_for
from server.generation.chord_track import CHORD_TRACK_NAME
from server.generation.notes import CHORDS, MELODY
from tests.api.test_convert_chords import SONG_FILE
from tests.sockets.streaming import FAST, LONG, get_bytes, midi_notes
from tests.sockets.test_convert_stream import upload
from tests.sockets.test_rooms import Member, open_room

POP = FAST | {"genre": "pop", "key": "D", "mode": "major", "bars": 6, "seed": 5}
BAND = POP | {"band": True}
BAND_PARTS = set(style_for("pop"))  # the parts pop's band plays
TRACK_OF = {CHORDS: CHORD_TRACK_NAME} | {part: name for part, (name, _) in PART_TRACKS.items()}
BEATS_PER_BAR = 4


def band_comes_first(frames: list[dict]) -> bool:
    """Whether, frame by frame, every bar a melody note sounds in had each of the band's parts
    by then (in the note's frame or an earlier one)."""
    heard: dict[str, set[int]] = defaultdict(set)
    for frame in frames:
        for note in frame["notes"]:
            heard[note.get("part", MELODY)].add(int(note["start"] // BEATS_PER_BAR))
        for note in frame["notes"]:
            bar = int(note["start"] // BEATS_PER_BAR)
            if "part" not in note and any(bar not in heard[part] for part in BAND_PARTS):
                return False
    return True


def by_part(notes: list[dict]) -> dict[str, list[tuple[int, float, float]]]:
    parts: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for note in notes:
        parts[note.get("part", MELODY)].append((note["pitch"], note["start"], note["duration"]))
    return {part: sorted(notes, key=lambda n: (n[1], n[0])) for part, notes in parts.items()}


async def saved_parts(server, cookie: str, song_id: str) -> dict[str, list]:
    midi = await get_bytes(server, cookie, f"/api/songs/{song_id}/midi")
    saved = {part: midi_notes(midi, track) for part, track in TRACK_OF.items()}
    return {MELODY: midi_notes(midi)} | {part: notes for part, notes in saved.items() if notes}


async def test_the_band_streams_ahead_of_the_melody_and_is_saved_a_track_per_part(
    paced_server, listen
):
    cookie = await paced_server.session_cookie()
    listener = await listen(paced_server, cookie)
    ack = await listener.start(**BAND | {"tempo": 240})
    assert ack["ok"], ack
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    frames, notes = listener.frames[ack["stream_id"]], listener.notes[ack["stream_id"]]
    assert len(frames) > 2 and band_comes_first(frames)
    assert {note.get("part") for note in frames[0]["notes"]} >= BAND_PARTS  # with the first notes
    assert [note["index"] for note in notes] == list(range(len(notes)))  # one stream, in order
    bars = {int(note["start"] // BEATS_PER_BAR) for note in notes if note.get("part") == CHORDS}
    assert bars == set(range(POP["bars"]))
    assert await saved_parts(paced_server, cookie, done["song_id"]) == by_part(notes)


async def test_without_a_band_the_stream_and_its_song_are_as_before(
    unpaced_server, unpaced_cookie, listen
):
    listener = await listen(unpaced_server, unpaced_cookie)
    plain, banded = await listener.stream(**POP), await listener.stream(**BAND)
    streams = list(listener.notes)
    assert all("part" not in note for note in listener.notes[streams[0]])
    melody = [note for note in listener.notes[streams[1]] if "part" not in note]
    assert plain[1] == [(n["pitch"], n["start"], n["duration"]) for n in melody]  # same melody
    saved = await saved_parts(unpaced_server, unpaced_cookie, plain[0])
    assert set(saved) == {MELODY, CHORDS} and saved[MELODY] == plain[1]  # the block chords
    midi = await get_bytes(unpaced_server, unpaced_cookie, f"/api/songs/{plain[0]}/midi")
    assert all(name.encode() not in midi for name, _ in PART_TRACKS.values())
    song = await get_bytes(unpaced_server, unpaced_cookie, f"/api/songs/{banded[0]}")
    assert b'"note_count": %d' % len(melody) in song.replace(b'":', b'": ')


@pytest.mark.parametrize(
    "asked, message",
    [
        ({"chords": "none", "band": True}, "a band plays chords"),
        ({"band": "yes"}, "true or false"),
        ({"band": 1}, "true or false"),
    ],
    ids=repr,
)
async def test_a_band_without_chords_or_not_a_boolean_is_refused_naming_it(
    unpaced_server, unpaced_cookie, listen, asked, message
):
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(**POP | asked)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_params", ack
    assert ack["error"]["field"] == "band" and message in ack["error"]["message"], ack


async def test_stopping_a_band_saves_exactly_what_was_streamed(paced_server, listen):
    cookie = await paced_server.session_cookie()
    listener = await listen(paced_server, cookie)
    stream_id = (await listener.start(**LONG | {"genre": "rock", "band": True}))["stream_id"]
    await listener.wait_for_notes(stream_id)
    stopped = await listener.sio.call("generate:stop", {"stream_id": stream_id})
    assert stopped["ok"] and stopped["saving"], stopped
    done = await asyncio.wait_for(listener.done[stream_id], 10)
    notes = listener.notes[stream_id]
    assert {note.get("part") for note in notes} >= BAND_PARTS
    assert await saved_parts(paced_server, cookie, done["song_id"]) == by_part(notes)


async def test_every_member_of_a_room_gets_the_band_and_the_piece_keeps_it(unpaced_server):
    cookies = [await unpaced_server.session_cookie(source="127.0.0.9") for _ in range(3)]
    host, member, late = [await Member(unpaced_server, cookie).connect() for cookie in cookies]
    try:
        room = await open_room(host)
        await member.join(room)
        ack = await host.call("room:generate", BAND)
        assert ack["ok"], ack
        stream = ack["stream_id"]
        await member.wait_for("generate:done", lambda d: d["stream_id"] == stream)
        frames = {
            person: [f for f in person.events["generate:notes"] if f["stream_id"] == stream]
            for person in (host, member)
        }
        assert frames[host] == frames[member] and band_comes_first(frames[member])
        streamed = [note for frame in frames[member] for note in frame["notes"]]
        piece = (await late.join(room))["piece"]  # a member joining once the piece is written
        # The chord symbols come with the piece's chords, not with each stored note.
        unnamed = [{key: value for key, value in n.items() if key != "chord"} for n in streamed]
        assert piece["complete"] and piece["notes"] == unnamed
    finally:
        for person in (host, member, late):
            await person.sio.disconnect()


async def test_a_saved_song_with_a_band_plays_in_a_room_with_every_part(unpaced_server):
    cookie = await unpaced_server.session_cookie(source="127.0.0.10")
    host = await Member(unpaced_server, cookie).connect()
    try:
        ack = await host.call("generate:start", BAND)
        assert ack["ok"], ack
        done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"])
        streamed = [
            note
            for frame in host.events["generate:notes"]
            if frame["stream_id"] == ack["stream_id"]
            for note in frame["notes"]
        ]
        await open_room(host)
        played = await host.call("room:play", {"song_id": done["song_id"]})
        assert played["ok"], played
        piece = await host.wait_for("room:piece", lambda p: p["song_id"] == done["song_id"])
        assert sorted(map(placed, piece["notes"])) == sorted(map(placed, streamed))
    finally:
        await host.sio.disconnect()


def placed(note: dict) -> tuple[str, float, int, float]:
    """Where a note sounds and in which part (a file keeps no chord symbol per note)."""
    return (note.get("part", MELODY), note["start"], note["pitch"], note["duration"])


async def test_a_conversion_streams_the_target_genres_band_over_the_kept_chords(
    unpaced_server, unpaced_cookie, listen
):
    source = await upload(unpaced_server, unpaced_cookie, SONG_FILE)
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(source=source, genre="rock", band=True, seed=2)
    assert ack["ok"] and ack["chords"], ack
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    frames, notes = listener.frames[ack["stream_id"]], listener.notes[ack["stream_id"]]
    assert band_comes_first(frames)
    bass = [note for note in notes if note.get("part") == "bass"]
    assert bass[0]["start"] == 0 and bass[0]["pitch"] % 12 == 7  # the pickup bar's G
    saved = await saved_parts(unpaced_server, unpaced_cookie, done["song_id"])
    assert saved == by_part(notes)
