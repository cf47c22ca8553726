"""Hostile load on one real server (Hypercorn, production password hashing and rate limits):
the serving worker's peak memory growth and `/healthz` latency while one account sends 6 photo
bombs at once, a legitimate login's time while one account floods 6 parallel 128-bar
conversions, and a legitimate upload's time while one account floods 200 parse requests.
Medians over rounds, each beside the same login or upload with nothing else running (the
machine is shared, so that is the reference). `python -m bench.hostile` prints the figures and
writes them to bench/results/ (hostile-latest.json and one file per run); docs/performance.md,
"Hostile load".
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import mido
import psutil
from PIL import Image
from yarl import URL

from bench.__main__ import write
from bench.machine import commit, conditions
from server.config import REPO_ROOT, sqlite_url
from server.migrate import apply_migrations
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.conftest import free_port, wait_until_healthy

PASSWORD = "hostile bench password"
BOMB_SIZE = (16383, 2441)  # pixels: under the old 40 MP cap, about 1.6 KB as a lossless WebP
PARALLEL_BOMBS = 6
PARALLEL_CONVERSIONS = 6
CONVERSION_BARS = 128
PARSE_FLOOD = 200
PARSE_FLOOD_SECONDS = 0.2  # the flood's requests are sent over this window
HEALTH_EVERY_SECONDS = 0.1
MEGABYTE = 1024 * 1024


@dataclass
class Server:
    url: str
    worker: psutil.Process  # the process Hypercorn serves from
    addresses: Iterator[str]  # a fresh client address per account (sign-ups are limited per one)


@contextmanager
def hostile_server() -> Iterator[Server]:
    """The studio as deployed (`hypercorn server.asgi:app`) over a fresh SQLite database."""
    with tempfile.TemporaryDirectory(prefix="cadenza-hostile-") as instance:
        database = sqlite_url(Path(instance) / "cadenza.sqlite3")
        asyncio.run(apply_migrations(database))
        port = free_port()
        env = os.environ | {"INSTANCE_PATH": instance, "DATABASE_URL": database}
        command = [sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}"]
        log = (Path(instance) / "server.log").open("wb")
        process = subprocess.Popen(
            [*command, "server.asgi:app"], cwd=REPO_ROOT, env=env, stdout=log, stderr=log
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process, timeout=90.0)
            parent = psutil.Process(process.pid)
            workers = [c for c in parent.children() if "spawn_main" in " ".join(c.cmdline())]
            addresses = iter(f"127.0.0.{host}" for host in range(2, 250))
            yield Server(url, (workers or [parent])[0], addresses)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


class Account:
    """One signed-up account with its own connection, cookies and CSRF token."""

    def __init__(self, server: Server, email: str) -> None:
        self.server, self.email = server, email
        connector = aiohttp.TCPConnector(local_addr=(next(server.addresses), 0), limit=0)
        self.http = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    async def __aenter__(self) -> Account:
        async with self.http.get(f"{self.server.url}/healthz") as response:
            response.raise_for_status()
        form = {"email": self.email, "password": PASSWORD, "display_name": "Bench"}
        status, body = await self.send("POST", "/api/auth/signup", data=form)
        if status != 201:
            raise RuntimeError(f"sign-up failed: {status} {body}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()

    async def send(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        token = self.http.cookie_jar.filter_cookies(URL(self.server.url)).get(CSRF_COOKIE)
        headers = {CSRF_HEADER: token.value} if token else {}
        url = f"{self.server.url}{path}"
        async with self.http.request(method, url, headers=headers, **kwargs) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else {}
            except ValueError:
                return response.status, {"text": text[:200]}


def webp_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", BOMB_SIZE, (20, 120, 200)).save(buffer, format="WEBP", lossless=True)
    return buffer.getvalue()


def melody_file(bars: int) -> bytes:
    """A 4/4 line of quarter notes, `bars` long, as a type 1 MIDI file."""
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000)])
    for beat in range(bars * 4):
        pitch = 60 + (beat * 5) % 12
        track.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        track.append(mido.Message("note_off", note=pitch, time=96))
    midi = mido.MidiFile(ticks_per_beat=96)
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def multipart(field: str, data: bytes, filename: str, content_type: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(field, data, filename=filename, content_type=content_type)
    return form


async def health_latencies(server: Server, until: asyncio.Event) -> list[float]:
    """`/healthz` answered from a client of its own, every HEALTH_EVERY_SECONDS, until `until`."""
    seconds = []
    async with aiohttp.ClientSession() as http:
        while not until.is_set():
            began = time.perf_counter()
            async with http.get(f"{server.url}/healthz") as response:
                await response.read()
            seconds.append(time.perf_counter() - began)
            await asyncio.sleep(HEALTH_EVERY_SECONDS)
    return seconds


def reset_peak(worker: psutil.Process) -> int:
    """Reset the worker's peak resident size (the kernel's high-water mark); its RSS now."""
    Path(f"/proc/{worker.pid}/clear_refs").write_text("5")
    return worker.memory_info().rss


def peak_rss(worker: psutil.Process) -> int:
    status = Path(f"/proc/{worker.pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if "VmHWM" in line) * 1024


async def photo_bombs(server: Server, number: int) -> dict:
    """One account sends PARALLEL_BOMBS photo bombs at once while `/healthz` is polled."""
    bomb = webp_bomb()
    async with Account(server, f"bomber{number}@bench.example") as bomber:
        before = reset_peak(server.worker)
        done = asyncio.Event()
        polling = asyncio.create_task(health_latencies(server, done))
        began = time.perf_counter()
        answers = await asyncio.gather(
            *(
                bomber.send(
                    "PUT", "/api/me/photo", data=multipart("photo", bomb, "b.webp", "image/webp")
                )
                for _ in range(PARALLEL_BOMBS)
            )
        )
        elapsed = time.perf_counter() - began
        done.set()
        health = await polling
    return {
        "bomb_bytes": len(bomb),
        "rss_growth_mb": round((peak_rss(server.worker) - before) / MEGABYTE, 1),
        "healthz_max_ms": round(max(health) * 1e3, 1),
        "healthz_median_ms": round(statistics.median(health) * 1e3, 1),
        "seconds": round(elapsed, 2),
        "statuses": sorted(status for status, _ in answers),
    }


async def login_during_conversions(server: Server, number: int) -> dict:
    """One account floods PARALLEL_CONVERSIONS 128-bar conversions; another logs in meanwhile."""
    async with (
        Account(server, f"converter{number}@bench.example") as flooder,
        Account(server, f"listener{number}@bench.example") as legit,
    ):
        data = multipart("midi", melody_file(CONVERSION_BARS), "long.mid", "audio/midi")
        status, source = await flooder.send("POST", "/api/uploads", data=data)
        if status != 201:
            raise RuntimeError(f"the conversion source was refused: {status} {source}")
        await legit.send("POST", "/api/auth/logout")
        quiet_seconds = await timed_login(legit)  # the same login with nothing else running
        await legit.send("POST", "/api/auth/logout")
        body = {"source": source["id"], "genre": "jazz"}
        flood = [
            asyncio.create_task(flooder.send("POST", "/api/songs/convert", json=body | {"seed": s}))
            for s in range(PARALLEL_CONVERSIONS)
        ]
        await asyncio.sleep(0.5)  # the flood is under way
        began = time.perf_counter()
        login_seconds = await timed_login(legit)
        answers = await asyncio.gather(*flood)
        flood_seconds = time.perf_counter() - began
    return {
        "login_seconds": round(login_seconds, 3),
        "quiet_login_seconds": round(quiet_seconds, 3),
        "flood_seconds": round(flood_seconds, 1),
        "statuses": sorted(status for status, _ in answers),
    }


async def timed_login(account: Account) -> float:
    began = time.perf_counter()
    body = {"email": account.email, "password": PASSWORD}
    status, answer = await account.send("POST", "/api/auth/login", json=body)
    if status != 200:
        raise RuntimeError(f"the legitimate login failed: {status} {answer}")
    return time.perf_counter() - began


async def timed_upload(account: Account, melody: bytes) -> float:
    began = time.perf_counter()
    data = multipart("midi", melody, "mine.mid", "audio/midi")
    status, answer = await account.send("POST", "/api/uploads", data=data)
    if status != 201:
        raise RuntimeError(f"the legitimate upload failed: {status} {answer}")
    return time.perf_counter() - began


async def upload_during_parse_flood(server: Server, number: int) -> dict:
    """One account sends PARSE_FLOOD uploads over PARSE_FLOOD_SECONDS; another then uploads."""
    melody = melody_file(8)
    async with (
        Account(server, f"parser{number}@bench.example") as flooder,
        Account(server, f"uploader{number}@bench.example") as legit,
    ):

        async def one(index: int) -> int:
            await asyncio.sleep(PARSE_FLOOD_SECONDS * index / PARSE_FLOOD)
            data = multipart("midi", melody, f"flood{index}.mid", "audio/midi")
            return (await flooder.send("POST", "/api/uploads", data=data))[0]

        quiet_seconds = await timed_upload(legit, melody)  # with nothing else running
        flood = asyncio.gather(*(one(index) for index in range(PARSE_FLOOD)))
        await asyncio.sleep(PARSE_FLOOD_SECONDS)
        began = time.perf_counter()
        upload_seconds = await timed_upload(legit, melody)
        statuses = await flood
        flood_seconds = time.perf_counter() - began
    return {
        "upload_seconds": round(upload_seconds, 3),
        "quiet_upload_seconds": round(quiet_seconds, 3),
        "flood_seconds": round(flood_seconds, 1),
        "flood_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


def medians(rounds: list[dict], *fields: str) -> dict:
    return {f"median_{field}": statistics.median(r[field] for r in rounds) for field in fields}


async def run_all(server: Server, rounds: int) -> dict:
    bombs = [await photo_bombs(server, n) for n in range(rounds)]
    logins = [await login_during_conversions(server, n) for n in range(rounds)]
    uploads = [await upload_during_parse_flood(server, n) for n in range(rounds)]
    return {
        "photo_bombs": medians(bombs, "rss_growth_mb", "healthz_max_ms") | {"rounds": bombs},
        "login_during_conversions": medians(logins, "login_seconds", "quiet_login_seconds")
        | {"rounds": logins},
        "upload_during_parse_flood": medians(uploads, "upload_seconds", "quiet_upload_seconds")
        | {"rounds": uploads},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each scenario")
    args = parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": commit()}
    results["conditions"] = conditions()
    with hostile_server() as server:
        results |= asyncio.run(run_all(server, args.rounds))
    results["conditions_after"] = conditions()
    write(results, "hostile")


if __name__ == "__main__":
    main()
