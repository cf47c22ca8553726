"""`python -m bench.first_note`: the first-note benchmark of `python -m bench` alone, melody
alone then with the genre's band on the same server, written to bench/results/ as
first_note-latest.json (docs/performance.md)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.__main__ import first_note, melody_network, write
from bench.live import bench_server
from bench.machine import commit, conditions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.first_note", description=__doc__)
    parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": commit()}
    results["conditions"] = conditions()
    with tempfile.TemporaryDirectory() as scratch:
        _, model_dir, results["checkpoint"] = melody_network(Path(scratch))
        with bench_server(model_dir) as server:
            results["first_note"] = first_note(server)
            results["first_note_band"] = first_note(server, band=True)
    results["conditions_after"] = conditions()
    write(results, "first_note")


if __name__ == "__main__":
    main()
