"""`python -m bench.report [results.json]`: the tables of docs/performance.md, in Markdown, from
a run's JSON (bench/results/latest.json by default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from server.config import REPO_ROOT


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def summary(results: dict) -> str:
    model = results["model_cost"]
    first = results["first_note"]["first_note_ms"]
    one_stream = model["numpy_3x256"]["batches"][0]
    original = model.get("original", {}).get("ms_per_note", "not run")
    best = results["max_realtime_streams"]
    top = [level for level in results["ramp"] if level["streams"] == best]
    rss = top[-1]["server_rss_mb"] if top else "n/a"
    first_note = f"{first['p50']} / {first['p99']} ms"
    rows = [
        ["first note at the client, p50 / p99", "p50 <= 50 ms", first_note],
        ["per-note cost, one stream (3x256)", ">= 100x cheaper",
         f"{one_stream['us_per_note']} us vs {original} ms: {model.get('speedup_one_stream')}x"],
        ["real-time streams at 120 bpm, no late note", ">= 500 (goal 1000)",
         results["max_realtime_streams"]],
        ["server ready after launch", "<= 3 s", f"{results['server_ready_seconds']} s"],
        ["server memory at that load", "<= 400 MB", f"{rss} MB"],
    ]  # fmt: skip
    return table(["what", "target", "measured"], rows)


def batches(results: dict) -> str:
    rows = [
        [b["batch"], b["step_ms"], b["us_per_note"], b["network_only_us_per_note"],
         b["notes_per_second"]]
        for b in results["model_cost"]["melody"]["batches"]
    ]  # fmt: skip
    header = ["batch", "step (ms)", "us per note", "network only (us per note)", "notes per s"]
    return table(header, rows)


def ramp(results: dict) -> str:
    rows = [
        [level["streams"], level.get("attempt", 1), level["completed"], level["late_notes"],
         f"{level['first_note_ms']['p50']} / {level['first_note_ms']['p99']}",
         f"{level['least_slack_ms']['median']} / {level['least_slack_ms']['min']}",
         level["server_cpu_percent"], level["server_rss_mb"]]
        for level in results["ramp"]
    ]  # fmt: skip
    header = ["streams", "attempt", "completed", "late notes", "first note p50 / p99 (ms)",
              "least slack median / min (ms)", "server CPU (% of one core)",
              "server RSS (MB)"]  # fmt: skip
    return table(header, rows)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "bench/results/latest.json"
    results = json.loads(path.read_text())
    print(f"Run of {results['started']}, checkpoint: {results['checkpoint']}, conditions: "
          f"{json.dumps(results['conditions'])}\n")  # fmt: skip
    for title, render in (("Summary", summary), ("Batched model cost", batches), ("Ramp", ramp)):
        print(f"### {title}\n\n{render(results)}\n")


if __name__ == "__main__":
    main()
