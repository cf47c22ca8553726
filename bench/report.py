"""`python -m bench.report [results.json ...]`: the tables of docs/performance.md, in Markdown,
from a run's JSON: `make bench` (bench/results/latest.json by default), `bench.soak`, or one or
more runs of `bench.scale` (medians over all of them)."""

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
    band_first = results.get("first_note_band", {}).get("first_note_ms")
    rows = [
        ["first note at the client, p50 / p99", "p50 <= 50 ms", first_note],
        [
            "per-note cost, one stream (3x256)",
            ">= 100x cheaper",
            f"{one_stream['us_per_note']} us vs {original} ms: {model.get('speedup_one_stream')}x",
        ],
        [
            "real-time streams at 120 bpm, no late note",
            ">= 500 (goal 1000)",
            results["max_realtime_streams"],
        ],
        [
            "first note with the band, p50 / p99",
            "p50 <= 50 ms",
            f"{band_first['p50']} / {band_first['p99']} ms" if band_first else "not run",
        ],
        [
            "real-time full-band streams at 120 bpm, no late note",
            ">= 500",
            results.get("max_realtime_band_streams", "not run"),
        ],
        ["server ready after launch", "<= 3 s", f"{results['server_ready_seconds']} s"],
        ["server memory at that load", "<= 400 MB", f"{rss} MB"],
    ]
    return table(["what", "target", "measured"], rows)


def batches(results: dict) -> str:
    rows = [
        [
            b["batch"],
            b["step_ms"],
            b["us_per_note"],
            b["network_only_us_per_note"],
            b.get("over_chords_us_per_note", "not run"),
            b["notes_per_second"],
        ]
        for b in results["model_cost"]["melody"]["batches"]
    ]
    header = ["batch", "step (ms)", "us per note", "network only (us per note)"]
    header += ["over chords (us per note)", "notes per s"]
    return table(header, rows)


def ramp(results: dict, key: str = "ramp") -> str:
    rows = [
        [
            level["streams"],
            level.get("attempt", 1),
            level["completed"],
            level["late_notes"],
            f"{level['first_note_ms']['p50']} / {level['first_note_ms']['p99']}",
            f"{level['least_slack_ms']['median']} / {level['least_slack_ms']['min']}",
            level["server_cpu_percent"],
            level.get("server_core_per_stream", "n/a"),
            level["server_rss_mb"],
        ]
        for level in results.get(key, [])
    ]
    header = [
        "streams",
        "attempt",
        "completed",
        "late notes",
        "first note p50 / p99 (ms)",
        "least slack median / min (ms)",
        "server CPU (% of one core)",
        "core per stream",
        "server RSS (MB)",
    ]
    return table(header, rows)


def scale_summary(results: dict) -> str:
    rows = []
    for key, what in (
        ("max_streams", "real-time streams, no late note"),
        ("max_members", "room members, none behind"),
    ):
        figure = results["summary"].get(key)
        if figure:
            medians, runs = figure["median"], figure["runs"]
            cells = [
                f"{medians.get(w, 'n/a')} ({', '.join(map(str, runs.get(w, [])))})"
                for w in ("1", "2")
            ]
            rows.append([what, *cells, figure.get("ratio_2_to_1", "n/a")])
    header = ["largest step held (median; each ramp)", "1 worker", "2 workers", "2 / 1"]
    return table(header, rows)


def per_worker(level: dict, key: str) -> str:
    return ", ".join(str(worker.get(key, "n/a")) for worker in level["per_worker"])


def load(level: dict) -> str:
    return " / ".join(map(str, level["load_average"]))


def scale_streams(results: dict) -> str:
    rows = [
        [
            run["workers"],
            level["streams"],
            level["attempt"],
            level["completed"],
            level["late_notes"],
            level["least_slack_min_ms"],
            f"{level.get('first_note_p50_ms', 'n/a')} / {level['first_note_p99_ms']}",
            per_worker(level, "cpu_percent"),
            per_worker(level, "core_per_stream"),
            per_worker(level, "cpu_ms_per_stream"),
            per_worker(level, "rss_mb"),
            load(level),
        ]
        for run in results["runs"]
        for level in run.get("streams", [])
    ]
    header = [
        "workers",
        "streams",
        "attempt",
        "completed",
        "late notes",
        "least slack (ms)",
        "first note p50 / p99 (ms)",
        "CPU per worker (% of a core)",
        "core per stream",
        "CPU ms per stream",
        "RSS per worker (MB)",
        "load average before / after",
    ]
    return table(header, rows)


def scale_rooms(results: dict) -> str:
    rows = [
        [
            run["workers"],
            level["members"],
            level["attempt"],
            level["joined"],
            " / ".join(str(level["delivery_delay_ms"][p]) for p in ("p50", "p99", "max")),
            level["late_notes"],
            level["members_behind"],
            level["least_slack_ms"],
            per_worker(level, "cpu_percent"),
            load(level),
        ]
        for run in results["runs"]
        for level in run.get("rooms", [])
    ]
    header = [
        "workers",
        "members",
        "attempt",
        "joined",
        "delivery p50 / p99 / max (ms)",
        "late notes",
        "behind",
        "least slack (ms)",
        "CPU per worker (% of a core)",
        "load average before / after",
    ]
    return table(header, rows)


def soak(results: dict) -> str:
    memory = results["memory"]
    rows = [
        [
            f"worker {n + 1}",
            w["after_warm_up_mb"],
            w["end_mb"],
            w["min_mb"],
            w["max_mb"],
            w["max_over_min"],
        ]
        for n, w in enumerate(memory["workers"])
    ]
    header = [
        "",
        f"RSS after warm-up ({memory['warm_up_seconds']:.0f} s, MB)",
        "RSS at the end",
        "min",
        "max",
        "max / min",
    ]
    loads = [s["load_average"] for s in results["samples"]]
    counts = (
        f"{results['errors']} errors {json.dumps(results['errors_by_kind'])}, "
        f"{results['events_processed']} events, {results['notes_received']} notes "
        f"received; server log errors {results['server_log_errors']}; load average "
        f"{min(loads)} to {max(loads)}"
    )
    return f"{table(header, rows)}\n\n{counts}"


SECTIONS = {
    "bench": (
        ("Summary", summary),
        ("Batched model cost", batches),
        ("Ramp", ramp),
        ("Ramp with the band", lambda results: ramp(results, "ramp_band")),
    ),
    "scale": (
        ("Two workers against one", scale_summary),
        ("Streams", scale_streams),
        ("Room members", scale_rooms),
    ),
    "soak": (("Soak", soak),),
}


def kind(results: dict) -> str:
    return "scale" if "runs" in results else "soak" if "samples" in results else "bench"


def load_results(paths: list[Path]) -> dict:
    """One run's results; several `bench.scale` runs become one, with medians over them all."""
    runs = [json.loads(path.read_text()) for path in paths]
    results = runs[0]
    if len(runs) > 1:
        from bench.scale import summarize  # only here: it pulls in the server's dependencies

        results["runs"] = [run for each in runs for run in each["runs"]]
        results["summary"] = summarize(results["runs"])
        results["started"] = ", ".join(each["started"] for each in runs)
    return results


def main() -> None:
    paths = [Path(arg) for arg in sys.argv[1:]] or [REPO_ROOT / "bench/results/latest.json"]
    results = load_results(paths)
    print(
        f"Run of {results['started']}, commit {results.get('commit', 'not recorded')}, "
        f"checkpoint: {results.get('checkpoint', 'checkpoints/melody')}, conditions: "
        f"{json.dumps(results['conditions'])}\n"
    )
    for title, render in SECTIONS[kind(results)]:
        print(f"### {title}\n\n{render(results)}\n")


if __name__ == "__main__":
    main()
