"""One process without Redis, killed while it writes: started again on the same instance, it
saves the studio stream its last run was writing as the user's draft and tells the user's
client when it reconnects; what was written over chords keeps them."""

from __future__ import annotations

import asyncio
import io

import mido

from tests.conftest import serving
from tests.generation.random_checkpoint import write_lively_checkpoint
from tests.scale.test_faults import STORED_SECONDS, kill_with_workers
from tests.sockets.streaming import LONG, Listener, drafts_of, eventually, get_bytes
from tests.sockets.test_rooms import Member, open_room


async def test_a_restarted_server_saves_what_its_last_run_was_writing(tmp_path, database_url):
    instance = tmp_path / "instance"
    instance.mkdir()
    model = str(write_lively_checkpoint(tmp_path / "melody"))
    env = {"DATABASE_URL": database_url, "CADENZA_MODEL_DIR": model, "RATE_LIMITS": "off"}
    env["REDIS_URL"] = ""  # one process, on its own
    with serving(instance, **env) as server:
        cookie = await server.session_cookie()
        listener = await Listener().connect(server, cookie)
        stream_id = (await listener.start(**LONG))["stream_id"]
        await listener.wait_for_notes(stream_id, 4)
        await asyncio.sleep(STORED_SECONDS)
        kill_with_workers(server.pid)
    with serving(instance, **env) as server:
        back = await Listener().connect(server, cookie)
        lost = await asyncio.wait_for(back.done[stream_id], 10)
        assert lost["error"]["code"] == "worker_lost"
        drafts = await drafts_of(server, cookie)
        assert [draft["id"] for draft in drafts] == [lost["song_id"]]
        assert 0 < drafts[0]["note_count"] <= len(listener.notes[stream_id])
        await back.sio.disconnect()


async def test_a_restarted_server_keeps_the_chords_of_what_it_was_writing(tmp_path, database_url):
    """The studio stream and the room's piece, both written over chords, become drafts that
    keep them (parameters and chord track), and the room still shows them with its piece."""
    instance = tmp_path / "instance"
    instance.mkdir()
    model = str(write_lively_checkpoint(tmp_path / "melody"))
    env = {"DATABASE_URL": database_url, "CADENZA_MODEL_DIR": model, "RATE_LIMITS": "off"}
    env["REDIS_URL"] = ""  # one process, on its own
    over_chords = LONG | {"chords": "Dm7 G7 | Cmaj7"}
    with serving(instance, **env) as server:
        cookie = await server.session_cookie()
        listener = await Listener().connect(server, cookie)
        studio = await listener.start(**over_chords)
        host = await Member(server, cookie).connect()
        room = await open_room(host)
        live = await host.call("room:generate", over_chords)
        assert studio["ok"] and live["ok"], (studio, live)
        await listener.wait_for_notes(studio["stream_id"], 4)
        await host.wait_for("generate:notes", lambda frame: frame["stream_id"] == live["stream_id"])
        await asyncio.sleep(STORED_SECONDS)
        kill_with_workers(server.pid)
    with serving(instance, **env) as server:
        back = await Member(server, cookie).connect()
        drafts = await eventually(lambda: drafts_of(server, cookie), lambda d: len(d) == 2)
        assert {draft["id"] for draft in drafts} == {studio["stream_id"], live["stream_id"]}
        for draft in drafts:
            assert len(draft["parameters"]["chords"]) >= 3, draft
            midi = await get_bytes(server, cookie, f"/api/songs/{draft['id']}/midi")
            assert marker_texts(midi)[:3] == ["Dm7", "G7", "Cmaj7"]
        piece = (await back.join(room))["piece"]
        assert piece["song_id"] == live["stream_id"] and piece["chords"] == live["chords"]
        await back.sio.disconnect()


def marker_texts(midi: bytes) -> list[str]:
    """The chord symbols a DAW shows as markers in a MIDI file, in order."""
    tracks = mido.MidiFile(file=io.BytesIO(midi)).tracks
    return [message.text for track in tracks for message in track if message.type == "marker"]
