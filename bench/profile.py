"""Where one worker's time goes at a load level: `python -m bench.profile --streams 1000`.

Deploys one worker as `bench.scale` does (PostgreSQL and Redis), runs one level of real-time
streams against it while py-spy samples the worker process, and writes a flame graph (SVG) and
a table of the functions that hold the most samples, by their own time and with what they call
(`bench/results/profile-<time>.*`; `--out` names another stem, e.g. under docs/images/).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.live import listener_cookies, melody_checkpoint
from bench.machine import commit, conditions
from bench.scale import deployment, split_level
from server.config import REPO_ROOT

SAMPLES_PER_SECOND = 100
TOP = 25


def py_spy() -> str:
    """py-spy beside this interpreter (`pip install py-spy`), else on the PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else "py-spy"


def profile_level(streams: int, bars: int, stem: Path) -> dict:
    """One level against a fresh one-worker deployment, sampled from its first stream start to
    its last stream's end; the level's figures and the top functions."""
    raw, svg = stem.with_suffix(".txt"), stem.with_suffix(".svg")
    with tempfile.TemporaryDirectory() as scratch:
        _, model_dir = melody_checkpoint(Path(scratch))
        with deployment(1, model_dir) as servers:
            listener_cookies(servers[0], streams)  # accounts made before sampling starts
            split_level(servers, min(streams, 100), bars)  # the code warmed, the chords pooled
            seconds = 5 + bars * 2 + 20  # spread, the stream at 120 bpm, saves and slack
            record = [py_spy(), "record", "--pid", str(servers[0].process.pid), "--nonblocking"]
            record += ["--rate", str(SAMPLES_PER_SECOND), "--duration", str(seconds)]
            samplers = [  # the same samples twice: folded stacks to count, an SVG to look at
                subprocess.Popen([*record, "--format", kind, "--output", str(path)])
                for kind, path in (("raw", raw), ("flamegraph", svg))
            ]
            level = split_level(servers, streams, bars)
            for sampler in samplers:
                sampler.wait(timeout=seconds + 60)
    return {"level": {k: v for k, v in level.items() if k != "parts"}} | top_functions(raw)


def top_functions(raw: Path) -> dict:
    """Share of all samples each function holds itself, and with its callees (folded stacks:
    `frame;frame;... count` per line; py-spy names a frame `function (file:line)`)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [frame_name(frame) for frame in stack.split(";")]
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            total[name] += count
    share = 100.0 / max(samples, 1)
    return {
        "samples": samples,
        "parts": parts(raw),
        "own": [(name, round(n * share, 1)) for name, n in own.most_common(TOP)],
        "total": [(name, round(n * share, 1)) for name, n in total.most_common(TOP)],
    }


# Parts of a worker's time, each named by frames (substrings) any of which puts a sample in it;
# a sample may fall in several (a database query made by a login check).
PARTS = {
    "model steps (melody)": ("step_streams", "step_through_primers"),
    "draws and notes accepted (melody)": ("draw_notes",),
    "chords written for new streams": ("ChordBatches._write_waiting",),
    "chords written ahead (the pool)": ("ChordBatches._refill",),
    "WebSocket frames out": ("WSStream.app_send",),
    "socket reads": ("_read_ready",),
    "Redis publish and listen": ("redis",),
    "database (all)": ("tortoise", "asyncpg"),
    "login checks": ("load_session",),
    "stream progress stored": ("StudioProgress._store", "progress_writes"),
    "songs saved (render + insert)": ("save_song",),
    "MIDI rendering": ("melody_to_midi",),
    "outbox (frames built and queued)": ("Outbox.",),
}


def parts(raw: Path) -> dict[str, float]:
    """Share of all samples (%) in each of PARTS."""
    counts = dict.fromkeys(PARTS, 0)
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        samples += int(count_text)
        for part, markers in PARTS.items():
            if any(marker in stack for marker in markers):
                counts[part] += int(count_text)
    return {part: round(100.0 * n / max(samples, 1), 1) for part, n in counts.items()}


def frame_name(frame: str) -> str:
    """`function (path/to/file.py:12)` as `function (file.py)`: lines would split a function."""
    function, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    return f"{function} ({'/'.join(path.split('/')[-2:])})" if where else function


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--bars", type=int, default=8, help="bars per stream at 120 bpm")
    parser.add_argument("--out", type=Path, help="path stem for the .svg, .txt and .json")
    parser.add_argument("--parts", type=Path, nargs="+", help="only print PARTS of these .txt")
    args = parser.parse_args()
    if args.parts:
        for raw in args.parts:
            print(raw, json.dumps(parts(raw), indent=2))
        return
    started = time.strftime("%Y-%m-%dT%H%M%S")
    stem = args.out or REPO_ROOT / "bench" / "results" / f"profile-{started}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    result = {"started": started, "commit": commit(), "conditions": conditions()}
    result |= profile_level(args.streams, args.bars, stem)
    result["conditions_after"] = conditions()
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
