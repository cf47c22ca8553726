"""Whether the melody network's steps could run on a thread beside a busy event loop: NumPy lets
go of the interpreter lock inside each product, but takes it back between operations. One
thread steps the shipped network (one BLAS thread, as the server runs it) while the main thread
runs pure Python (small dicts into JSON, the kind of work the loop does for each frame); each is
measured alone, then both together, in one run. `python -m bench.products_thread [--batch N]`
prints JSON and writes `bench/results/products-thread-latest.json`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bench.machine import commit, conditions
from server.config import REPO_ROOT
from server.generation.lstm import LstmNetwork

SECONDS = 3.0  # each measurement


def python_work(seconds: float) -> float:
    """Frames' worth of pure Python a second: a note as a dict, two of them as JSON."""
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        note = {"pitch": count % 128, "start": count * 0.5, "duration": 0.25}
        json.dumps([note, note])
        count += 1
    return count / seconds


def network_steps(network: LstmNetwork, batch: int, seconds: float) -> float:
    """Network steps a second at `batch` streams (random inputs, zero state)."""
    rng = np.random.default_rng(0)
    ids = np.stack([rng.integers(0, len(table), batch) for table in network.input_tables])
    state = network.initial_state(batch)
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        network.step(ids, state)
        count += 1
    return count / seconds


def measure(batch: int) -> dict:
    threadpool_limits(1, user_api="blas")
    network = LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")
    python_alone = python_work(SECONDS)
    steps_alone = network_steps(network, batch, SECONDS)
    together: dict[str, float] = {}
    thread = threading.Thread(
        target=lambda: together.setdefault("steps", network_steps(network, batch, SECONDS))
    )
    thread.start()
    python_beside = python_work(SECONDS)
    thread.join()
    steps_beside = together["steps"]
    return {
        "batch": batch,
        "python_per_s": {"alone": round(python_alone), "beside_steps": round(python_beside)},
        "steps_per_s": {
            "alone": round(steps_alone, 1),
            "beside_python": round(together["steps"], 1),
        },
        "python_ratio": round(python_beside / python_alone, 3),
        "steps_ratio": round(steps_beside / steps_alone, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.products_thread", description=__doc__)
    parser.add_argument("--batch", type=int, default=512, help="streams in a network step")
    args = parser.parse_args()
    results = {"commit": commit(), "conditions": conditions(), **measure(args.batch)}
    results["conditions_after"] = conditions()
    out = REPO_ROOT / "bench" / "results" / "products-thread-latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
