"""The room clock's pings against their rate limit: a browser sampling on `web/js/rooms/clock.js`'s
schedule is never refused, whatever its round trips, while a flood still is."""

from __future__ import annotations

import asyncio
import re

from server.config import REPO_ROOT

CLOCK_JS = REPO_ROOT / "web" / "js" / "rooms" / "clock.js"


def client_schedule() -> dict[str, float]:
    """The schedule the browser really follows, read from its source."""
    source = CLOCK_JS.read_text()
    names = ("BURST_GAP_MS", "BURST_MAX_PINGS", "REFRESH_MS")
    return {
        name: float(re.search(rf"const {name} = ([\d_]+);", source)[1].replace("_", ""))
        for name in names
    }


async def test_the_clients_slowest_sampling_is_never_refused(
    unpaced_server, unpaced_cookie, listen
):
    """The worst case: no round trip ever fast enough to end the start-up burst early, so it
    runs to its last ping, then goes on refreshing. Latency would only space pings further."""
    schedule = client_schedule()
    listener = await listen(unpaced_server, unpaced_cookie)
    answers = []
    for _ in range(int(schedule["BURST_MAX_PINGS"])):
        answers.append(await listener.sio.call("clock:ping", {}, timeout=10))
        await asyncio.sleep(schedule["BURST_GAP_MS"] / 1000)
    for _ in range(2):
        await asyncio.sleep(schedule["REFRESH_MS"] / 1000)
        answers.append(await listener.sio.call("clock:ping", {}, timeout=10))
    refused = [answer for answer in answers if not answer["ok"]]
    assert refused == []


async def test_a_flood_of_pings_is_refused(unpaced_server, unpaced_cookie, listen):
    listener = await listen(unpaced_server, unpaced_cookie)
    pings = [listener.sio.call("clock:ping", {}, timeout=10) for _ in range(200)]
    answers = await asyncio.gather(*pings)
    codes = {answer["error"]["code"] for answer in answers if not answer["ok"]}
    assert codes == {"rate_limited"}
