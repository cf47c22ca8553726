"""A full band played in Chromium (`python -m bench.browser_band`): per genre, the studio
generates a piece of about two minutes with the band on, heard live while it streams, then
played to its end. The page counts the notes that started late (their scheduling callback came
after the note's moment, so the note stumbles: an audible dropout), and Chrome's own counters
give the page's main-thread CPU. Needs Debian's Chromium at /usr/bin/chromium and built assets
(`make assets`); the server is `bench.server` on this machine, as for the other benchmarks."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from bench.__main__ import melody_network, write
from bench.live import BenchServer, bench_server, listener_cookies
from bench.machine import commit, conditions

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
GENRES = ("pop", "rock", "jazz", "classical", "folk")
TEMPO = 120

SOUNDED = """() => Object.fromEntries([...document.querySelectorAll('[data-mixer-part]')]
    .map((strip) => [strip.dataset.mixerPart, Number(strip.dataset.sounded)]))"""


def main_thread_seconds(session) -> float:
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    return float(metrics["TaskDuration"])


def play_genre(page: Page, session, genre: str, seconds: float) -> dict:
    bars = max(1, round(seconds * TEMPO / 240))
    page.goto("/studio")
    expect(page.locator("[data-connection]")).to_have_attribute("data-status", "connected")
    page.get_by_label("Genre").select_option(genre)
    page.get_by_label("Length in bars").fill(str(bars))
    page.get_by_label("Tempo").fill(str(TEMPO))
    band = page.get_by_role("switch", name="Band")
    if not band.is_checked():
        band.check()
    cpu_before, started = main_thread_seconds(session), time.monotonic()
    page.get_by_role("button", name="Generate").click()
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "playing", timeout=30_000)
    # Streamed, then played to its end: the player stops after the last note.
    expect(page.get_by_role("link", name="Open dashboard")).to_be_visible(
        timeout=(seconds + 60) * 1000
    )
    expect(player).not_to_have_attribute("data-state", "playing", timeout=(seconds + 60) * 1000)
    wall = time.monotonic() - started
    cpu = main_thread_seconds(session) - cpu_before
    sounded = page.evaluate(SOUNDED)
    return {
        "genre": genre,
        "bars": bars,
        "tempo": TEMPO,
        "wall_seconds": round(wall, 1),
        "notes_sounded": sounded,
        "late_notes": int(player.get_attribute("data-late-notes") or 0),
        "page_main_thread_percent": round(100 * cpu / wall, 1),
    }


def run(server: BenchServer, genres: tuple[str, ...], seconds: float) -> list[dict]:
    pairs = [pair.split("=", 1) for pair in listener_cookies(server, 1)[0].split("; ")]
    cookies = [{"name": name, "value": value, "url": server.url} for name, value in pairs]
    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for genre in genres:
            context = browser.new_context(base_url=server.url)
            context.add_cookies(cookies)
            page = context.new_page()
            session = context.new_cdp_session(page)
            session.send("Performance.enable")
            runs.append(play_genre(page, session, genre, seconds))
            print(runs[-1], flush=True)
            context.close()
        browser.close()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.browser_band", description=__doc__)
    parser.add_argument("--genres", default=",".join(GENRES))
    parser.add_argument("--seconds", type=float, default=120.0, help="length of each piece")
    args = parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": commit()}
    results["conditions"] = conditions()
    with tempfile.TemporaryDirectory() as scratch:
        _, model_dir, results["checkpoint"] = melody_network(Path(scratch))
        with bench_server(model_dir) as server:
            results["runs"] = run(server, tuple(args.genres.split(",")), args.seconds)
    results["conditions_after"] = conditions()
    write(results, "browser_band")


if __name__ == "__main__":
    main()
