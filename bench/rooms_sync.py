"""Room sync (`python -m bench.rooms_sync`): the host and two members, each in their own headless
Chromium context, in one room; the host plays a saved song through, with a seek and a tempo
change in the middle. Every page reports the moment it schedules each note to be heard; the
figure is how far apart the members and the host hear the same note, on the machine's clock
(target: at most 20 ms). Needs the built pages (`npm run build`) and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from playwright.sync_api import BrowserContext, Page, sync_playwright
from tortoise import Tortoise

from bench.live import BenchServer, listener_cookies, percentile
from bench.rooms_fanout import open_room, run_alone
from server.config import DATABASE_FILE, sqlite_url
from server.generation.notes import Note
from server.models import tortoise_config
from server.models.user import User
from server.services.generation import MAX_STREAMS_PER_USER
from server.services.songs import save_song

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
TEMPO, FASTER = 120.0, 150.0  # quarter notes per minute, before and after the change
SONG_BEATS = 56
SEEK = (6.0, 24.0)  # seconds after the start, the beat the host jumps to
TEMPO_CHANGE_AT = 12.0  # seconds after the start
CLOCK_PRECISION_MS = 5.0  # wait (a while) until every page knows the server's clock this well
SKEW_TO_SYSTEM_CLOCK = """() => { let sum = 0, count = 0; const end = performance.now() + 50;
  while (performance.now() < end) {
    sum += Date.now() - (performance.timeOrigin + performance.now()); count += 1; }
  return sum / count + 0.5; }"""  # Date.now() counts whole ms: the mean of many is exact
COLLECT_SOUNDS = """page => { window.heard = [];
  page.addEventListener('sound', (event) => window.heard.push(event.detail)); }"""


def song_notes() -> list[Note]:
    """Eighth notes up and down a C major scale for SONG_BEATS beats."""
    scale = (60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62)
    return [
        Note.from_beats(scale[step % len(scale)], step / 2, 0.45) for step in range(SONG_BEATS * 2)
    ]


def insert_song(server: BenchServer, email: str) -> str:
    async def insert() -> str:
        database = server.log.parent / DATABASE_FILE  # the bench server's instance folder
        await Tortoise.init(config=tortoise_config(sqlite_url(database)))
        try:
            owner = await User.get(email=email)
            song = await save_song(owner, song_notes(), title="Sync scale", tempo=TEMPO)
            return song.id
        finally:
            await Tortoise.close_connections()

    return asyncio.run(insert())


def member_page(context: BrowserContext, cookie: str, url: str, invite: str) -> Page:
    pairs = (part.split("=", 1) for part in cookie.split("; "))
    context.add_cookies([{"name": name, "value": value, "url": url} for name, value in pairs])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}{invite}")
    page.wait_for_selector("[data-room-page][data-status=joined]")
    page.locator("[data-room-page]").evaluate(COLLECT_SOUNDS)
    return page


def wait_for_clock(page: Page) -> float:
    """The page's clock precision (ms) once good enough, or after 30 s, whichever is first."""
    try:
        page.wait_for_function(
            "limit => Number(document.querySelector('[data-room-page]').dataset.clockPrecision)"
            " <= limit",
            arg=CLOCK_PRECISION_MS,
            timeout=30_000,
        )
    except Exception:
        pass  # a busy machine: measure anyway, the precision is reported
    return float(page.locator("[data-room-page]").get_attribute("data-clock-precision") or "nan")


def host_controls(host: Page) -> None:
    """Play, seek forward, change tempo, then wait for the song's end."""
    host.get_by_label("One of your songs").select_option(label="Sync scale")
    host.get_by_role("button", name="Play for everyone").click()
    started = time.monotonic()
    time.sleep(SEEK[0])
    host.locator("[data-player-progress]").evaluate(
        "(range, beats) => { range.max = '1000'; range.value = String(beats);"
        " range.dispatchEvent(new Event('change')); }",
        SEEK[1],
    )
    time.sleep(TEMPO_CHANGE_AT - (time.monotonic() - started))
    host.locator("[data-tempo]").evaluate(
        "(range, tempo) => { range.value = String(tempo);"
        " range.dispatchEvent(new Event('change')); }",
        FASTER,
    )
    beats_left = SONG_BEATS - (SEEK[1] + (TEMPO_CHANGE_AT - SEEK[0]) * TEMPO / 60)
    time.sleep(beats_left * 60 / FASTER + 2.0)


def heard_at(page: Page) -> dict[float, float]:
    """Beat -> system-clock ms at which the page schedules that note to be heard (first time)."""
    skew = page.evaluate(SKEW_TO_SYSTEM_CLOCK)
    heard: dict[float, float] = {}
    for sound in page.evaluate("window.heard"):
        heard.setdefault(sound["start"], sound["heardAtMs"] + skew)
    return heard


def run(server: BenchServer, members: int = 2) -> dict:
    """The sync benchmark against a running bench server (its pages built)."""
    cookies = listener_cookies(server, (members + 1) * MAX_STREAMS_PER_USER)[: members + 1]
    email = "listener0@bench.example"  # bench.live signs up listener{n} in order
    insert_song(server, email)
    invite = asyncio.run(open_room(server, cookies[0]))["invite_path"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = [browser.new_context() for _ in cookies]
        pages = [
            member_page(c, k, server.url, invite) for c, k in zip(contexts, cookies, strict=True)
        ]
        precision = [wait_for_clock(page) for page in pages]
        host_controls(pages[0])
        heard = [heard_at(page) for page in pages]
        browser.close()
    return summarize(heard, precision)


def summarize(heard: list[dict[float, float]], precision: list[float]) -> dict:
    host, others = heard[0], heard[1:]
    gaps = [abs(other[beat] - host[beat]) for other in others for beat in other if beat in host]
    return {
        "members": len(others),
        "notes_compared": len(gaps),
        "notes_per_page": [len(page) for page in heard],
        "gap_ms": {
            "p50": percentile(gaps, 0.5),
            "p99": percentile(gaps, 0.99),
            "max": percentile(gaps, 1.0),
            "mean": round(statistics.fmean(gaps), 2) if gaps else None,
        },
        "clock_precision_ms": precision,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rooms_sync", description=__doc__)
    parser.add_argument("--members", type=int, default=2, help="members besides the host")
    args = parser.parse_args()
    run_alone(run, args.members)


if __name__ == "__main__":
    main()
