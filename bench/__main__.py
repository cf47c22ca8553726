"""`python -m bench`: run every benchmark, print the results and write them as JSON to
bench/results/ (latest.json and one file per run). docs/performance.md explains the figures;
the hostile-load figures are a run of their own: `python -m bench.hostile`."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench import accompany, duet, jam, rooms_fanout, rooms_sync
from bench.live import SHIPPED_MODEL, bench_server, melody_checkpoint, run_level
from bench.machine import commit, conditions
from bench.model_cost import numpy_costs, original_cost
from bench.ramp import ramp, streams_passed
from server.config import REPO_ROOT
from server.generation.lstm import LstmNetwork
from server.generation.vocabulary import default_vocabulary

RESULTS = REPO_ROOT / "bench" / "results"
LEVELS = (100, 250, 500, 750, 1000, 1250, 1500, 2000)
REALTIME = {
    "genre": "pop",
    "key": "C",
    "mode": "major",
    "tempo": 120,
    "temperature": 1.0,
    "top_p": 0.95,
}


def melody_network(scratch: Path) -> tuple[LstmNetwork, Path, str]:
    """The shipped checkpoint, or a random one of the default size when none is shipped yet."""
    network, folder = melody_checkpoint(scratch)
    label = "checkpoints/melody" if folder == SHIPPED_MODEL else "random weights, default size"
    return network, folder, label


def model_section(network: LstmNetwork, with_original: bool) -> dict:
    same_size = LstmNetwork.random(default_vocabulary(), hidden=256, layers=3)
    section = {"melody": numpy_costs(network), "numpy_3x256": numpy_costs(same_size, (1,))}
    if with_original:
        section["original"] = original_cost()
        one_stream = section["numpy_3x256"]["batches"][0]["us_per_note"]
        section["speedup_one_stream"] = round(section["original"]["ms_per_note"] * 1e3 / one_stream)
    return section


def streams_ramp(
    server, levels: tuple[int, ...], bars: int, band: bool = False
) -> tuple[list[dict], int]:
    """Real-time streams on one server, level after level, until one has late notes twice:
    the melody alone, or with the genre's band."""
    params = REALTIME | {"bars": bars, "band": band}

    def one(streams: int) -> dict:
        return run_level(server, streams, params, spread=5.0)

    return ramp(one, levels, streams_passed)


def first_note(server, band: bool = False) -> dict:
    """Time to the first notes at the client: 100 two-bar streams started over ten seconds,
    melody alone or with the genre's band."""
    return run_level(server, 100, REALTIME | {"bars": 2, "band": band}, spread=10.0)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="streams per level")
    parser.add_argument("--bars", type=int, default=12, help="bars per stream in the ramp")
    parser.add_argument("--skip-original", action="store_true", help="no TensorFlow baseline")
    args = parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": commit()}
    results["conditions"] = conditions()
    with tempfile.TemporaryDirectory() as scratch:
        network, model_dir, results["checkpoint"] = melody_network(Path(scratch))
        results["model_cost"] = model_section(network, not args.skip_original)
        with bench_server(model_dir) as server:
            results["server_ready_seconds"] = round(server.ready_seconds, 2)
            results["first_note"] = first_note(server)
            results["first_note_band"] = first_note(server, band=True)
            results["rooms"] = {
                "fanout": rooms_fanout.run(server),
                "sync": rooms_sync.run(server),
                "jam": jam.run(server),
                "accompany": accompany.run(server),
            }
            results["duet"] = duet.run(server)
            levels = tuple(int(n) for n in args.levels.split(","))
            results["ramp"], results["max_realtime_streams"] = streams_ramp(
                server, levels, args.bars
            )
            results["ramp_band"], results["max_realtime_band_streams"] = streams_ramp(
                server, levels, args.bars, band=True
            )
    results["conditions_after"] = conditions()
    write(results)


def write(results: dict, kind: str = "bench") -> None:
    """Print `results` and keep them in bench/results/ as KIND-<started>.json and as the
    latest of their kind (latest.json for `python -m bench`, KIND-latest.json otherwise)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2)
    (RESULTS / f"{kind}-{results['started'].replace(':', '')}.json").write_text(text)
    (RESULTS / ("latest.json" if kind == "bench" else f"{kind}-latest.json")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
