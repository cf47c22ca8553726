"""What the band costs on the live path: the milliseconds `Band.rest()` takes to write 16 bars
of bass, chords and drums in each genre's style (the band built anew for each seed, a 16-bar
progression of one and two chords a bar), the notes it writes, and beside them the time the
shipped melody network takes to write the same 16 bars of melody, timed in turn in one run, one
BLAS thread as the server runs it.
`python -m bench.band_cost` prints them as JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from threadpoolctl import threadpool_limits

from server.config import REPO_ROOT
from server.generation.band.arrangement import Band
from server.generation.band.styles import style_for
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES
from server.generation.progression_text import parse_progression
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams

BARS = 16
RUNS = 50  # seeds; the median and the 90th percentile are reported
PROGRESSION = "C Am | F G7 | Em7 A7 | Dm7 G7 | C/E F | Dm G | Am7 D7 | G7 C"


def summary(work: Any, runs: int = RUNS) -> dict[str, float]:
    """Milliseconds of `work(seed)` over `runs` seeds, after one warm-up call: the median and
    90th percentile of wall time, and the median of the thread's CPU time (which a machine
    shared with other work inflates less)."""
    work(runs)
    wall, cpu = [], []
    for seed in range(runs):
        began, began_cpu = time.perf_counter(), time.thread_time()
        work(seed)
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.thread_time() - began_cpu) * 1000)
    wall.sort()
    return {
        "median_ms": round(statistics.median(wall), 3),
        "p90_ms": round(wall[int(0.9 * len(wall))], 3),
        "cpu_median_ms": round(statistics.median(cpu), 3),
    }


def band_costs() -> dict[str, dict[str, float]]:
    """Per genre: the cost of writing 16 bars of its band, and the notes written."""
    chords = parse_progression(PROGRESSION).looped_to(BARS)
    report = {}
    for genre in GENRES:
        counts: list[int] = []

        def write(seed: int, genre: str = genre, counts: list[int] = counts) -> None:
            band = Band(
                style_for(genre), chords, bars=BARS, seed=seed, tempo=110, tonic=0, mode="major"
            )
            counts.append(len(band.rest()))

        found = summary(write)
        report[genre] = found | {"notes": round(statistics.mean(counts))}
    return report


def melody_cost() -> dict[str, float]:
    """The shipped melody network writing the same 16 bars, one stream alone."""
    network = LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")
    with threadpool_limits(1):
        return summary(
            lambda seed: generate(network, [SamplingParams(genre="pop", bars=BARS, seed=seed)]),
            runs=10,
        )


def main() -> None:
    report: dict[str, Any] = {"bars": BARS, "band": band_costs(), "melody": melody_cost()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
