"""Workers stopping under live streams: SIGTERM saves the running streams as drafts before the
worker exits, where another worker of the deployment lists them."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer
from tests.scale.workers import workers
from tests.sockets.streaming import Listener, drafts_of, eventually


@pytest.fixture
def paced_pair(tmp_path, postgres_url, redis_url, channel) -> Iterator[list[LiveServer]]:
    with workers(tmp_path, postgres_url, redis_url, channel, CADENZA_STREAM_PACING="on") as pair:
        yield pair


async def test_sigterm_saves_the_running_stream_as_a_draft(paced_pair):
    first, second = paced_pair
    cookie = await first.session_cookie()
    listener = await Listener().connect(first, cookie)
    ack = await listener.start(tempo=120, bars=64)
    await listener.wait_for_notes(ack["stream_id"], 4)
    os.kill(first.pid, signal.SIGTERM)
    drafts = await eventually(lambda: drafts_of(second, cookie), bool, timeout=15)
    assert len(drafts) == 1 and drafts[0]["note_count"] >= 4
