"""What the pop band's learned piano costs per bar: the median microseconds its writer
(`PopPiano`) takes to write one bar of a 64-bar piece over a progression of many chord qualities,
two chords in some bars, beside the plain band's block chords, timed through `Band` in one
process. `python -m bench.pop_piano_cost` prints them as JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import numpy as np

from server.generation.band.arrangement import Band, PartWriter
from server.generation.band.piano_model import load_model
from server.generation.band.pop_piano import PopPiano
from server.generation.band.styles import BlockChords
from server.generation.notes import CHORDS
from server.generation.progression_text import parse_progression

BARS = 64
RUNS = 30  # pieces; the median per-bar time is reported
PROGRESSION = "C Am7 | Fmaj7 G7 | Dm Bdim | E7 Asus4 | Bb/D C6 | Ebm6 F#m7b5 | Gsus2 | Db"


def per_bar_us(writer: Callable[[np.random.Generator], PartWriter]) -> float:
    chords = parse_progression(PROGRESSION)
    times = []
    for seed in range(RUNS + 1):
        band = Band({CHORDS: writer}, chords, bars=BARS, seed=seed, tempo=96, tonic=0, mode="major")
        began = time.perf_counter()
        band.rest()
        times.append((time.perf_counter() - began) * 1e6 / BARS)
    return round(statistics.median(times[1:]), 1)


def main() -> None:
    began = time.perf_counter()
    load_model()
    report = {
        "checkpoint_load_ms": round((time.perf_counter() - began) * 1000, 1),
        "pop_piano_us_per_bar": per_bar_us(PopPiano),
        "block_chords_us_per_bar": per_bar_us(BlockChords),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
