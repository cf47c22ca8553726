"""One process without Redis, killed while it writes: started again on the same instance, it
saves the studio stream its last run was writing as the user's draft and tells the user's
client when it reconnects."""

from __future__ import annotations

import asyncio

from tests.conftest import serving
from tests.generation.random_checkpoint import write_lively_checkpoint
from tests.scale.test_faults import STORED_SECONDS, kill_with_workers
from tests.sockets.streaming import LONG, Listener, drafts_of


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
