"""What writing the chords costs a stream at its start: the milliseconds the progression network
takes to write a piece's chords (`with_written_chords`) for 8 to 128 bars, beside the time the
shipped melody network takes to write a stream's opening bar (about what its first frame holds),
timed in turn in one run, one BLAS thread as the server runs them; the cost a piece of 16-bar
progressions written together in batches of 1 to 256 (`with_written_chords_for`, as the server
writes those of the streams starting together); and the time to first note at
the client (100 real socket clients, as `python -m bench` measures it) with the model's chords
and with `chords: "none"`, on one bench server in one run.
`python -m bench.progression_cost [--skip-live]` prints them as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from threadpoolctl import threadpool_limits

from bench.__main__ import REALTIME
from bench.live import bench_server, run_level
from server.config import REPO_ROOT
from server.generation.lstm import LstmNetwork
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords, with_written_chords_for
from server.generation.sampler import SamplingParams, generate

BARS = (8, 16, 64, 128)
BATCHES = (1, 8, 64, 256)
RUNS = 30  # the median is reported


def median_ms(work: Callable[[int], object], runs: int = RUNS) -> float:
    """Median wall milliseconds of `work(seed)` over `runs` seeds, after one warm-up call."""
    work(runs)
    times = []
    for seed in range(runs):
        began = time.perf_counter()
        work(seed)
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 3)


def first_note_with_and_without_chords() -> dict[str, dict[str, float | None]]:
    """First-note p50/p99 (ms) of 100 two-bar streams, the model writing their chords, then the
    same asking for none."""
    variants = {"model_chords": {}, "no_chords": {"chords": "none"}}
    found: dict[str, dict[str, float | None]] = {}
    with bench_server(REPO_ROOT / "checkpoints" / "melody") as server:
        for name, extra in variants.items():
            level = run_level(server, 100, REALTIME | {"bars": 2} | extra, spread=10.0)
            found[name] = level["first_note_ms"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.progression_cost", description=__doc__)
    parser.add_argument("--skip-live", action="store_true", help="no socket clients")
    args = parser.parse_args()
    progressions = ProgressionNetwork.load()
    melody = LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")
    report: dict[str, Any] = {}
    with threadpool_limits(1):
        opening = SamplingParams(genre="pop", bars=1)
        report["melody_opening_bar_ms"] = median_ms(
            lambda seed: generate(melody, [replace(opening, seed=seed)])
        )
        for bars in BARS:
            asked = SamplingParams(genre="pop", bars=bars, write_chords=True)
            report[f"write_chords_{bars}_bars_ms"] = median_ms(
                lambda seed, asked=asked: with_written_chords(
                    replace(asked, seed=seed), progressions
                )
            )
        asked = SamplingParams(genre="pop", bars=16, write_chords=True)
        for batch in BATCHES:
            per_batch = median_ms(
                lambda seed, batch=batch: with_written_chords_for(
                    [replace(asked, seed=seed * batch + i) for i in range(batch)], progressions
                ),
                runs=max(RUNS // batch, 5),
            )
            report[f"write_chords_16_bars_batch_{batch}_ms_per_piece"] = round(per_batch / batch, 3)
    report["ratio_16_bars_to_opening_bar"] = round(
        report["write_chords_16_bars_ms"] / report["melody_opening_bar_ms"], 3
    )
    live = {} if args.skip_live else {"first_note_ms": first_note_with_and_without_chords()}
    print(json.dumps(report | live, indent=2))


if __name__ == "__main__":
    main()
