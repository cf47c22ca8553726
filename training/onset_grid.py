"""Count where in the beat each genre's training melodies start their notes:
`python -m training.onset_grid` prints, per genre, the share of the onsets of its 4/4 training
pieces at each of the twelve ticks of a beat, the grid those shares give (the positions with at
least `onset_grid.MIN_SHARE` of them) and whether it is the one the sampler uses
(`server/generation/onset_grid.py`), as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

import numpy as np

from server.generation.melody import Melody
from server.generation.melody_stream import BAR_TICKS
from server.generation.notes import TICKS_PER_BEAT
from server.generation.onset_grid import GENRE_GRIDS, MIN_SHARE
from training.dataset import load_splits
from training.genre_groups import by_genre


def onset_shares(melodies: list[Melody]) -> np.ndarray:
    """(TICKS_PER_BEAT,) the share of the melodies' note onsets at each tick of the beat, counted
    from each melody's pickup."""
    counts = np.zeros(TICKS_PER_BEAT)
    for melody in melodies:
        for note in melody.notes():
            counts[(note.start - melody.pickup_ticks) % TICKS_PER_BEAT] += 1
    shares: np.ndarray = counts / max(counts.sum(), 1.0)
    return shares


def grid_of(shares: np.ndarray) -> tuple[int, ...] | None:
    """The positions holding at least MIN_SHARE of the onsets; None when that is all of them."""
    grid = tuple(int(p) for p in np.flatnonzero(shares >= MIN_SHARE))
    return None if len(grid) == TICKS_PER_BEAT else grid


def report(train: list[Melody]) -> dict[str, dict[str, object]]:
    """Genre -> its 4/4 pieces, onset shares, the grid they give and the one shipped."""
    result: dict[str, dict[str, object]] = {}
    for genre, pieces in sorted(by_genre(train).items()):
        four_four = [m for m in pieces if m.bar_ticks == BAR_TICKS]
        shares = onset_shares(four_four)
        grid = grid_of(shares)
        shipped = GENRE_GRIDS.get(genre)
        result[genre] = {
            "pieces": len(four_four),
            "shares": [round(float(s), 4) for s in shares],
            "grid": grid,
            "shipped": shipped,
            "same": grid == shipped,
        }
    return result


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="python -m training.onset_grid", description=__doc__)
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    args = parser.parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):
        train = load_splits(args.source, only=("train",))["train"]
    result = report(train)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
