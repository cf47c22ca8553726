"""Where in the beat a genre's notes start. The network is one for every genre, and some of
jazz's onsets (spread evenly over all twelve ticks of the beat) leak into the others: pop and
rock melodies started 12% of their notes off the sixteenth grid, where the genres' own melodies
start 0.2 to 2.7% (docs/model-card.md, "As the studio writes them"). A genre's grid is the
positions in the beat where at least `MIN_SHARE` of its 4/4 training melodies' onsets fall
(`python -m training.onset_grid` counts them); the sampler draws only durations that end on the
grid, so every note and rest starts on it. Jazz, and a melody of any genre, keep every position.
"""

from __future__ import annotations

import bisect
import functools

import numpy as np

from server.generation.notes import TICKS_PER_BEAT

MIN_SHARE = 0.01  # of a genre's 4/4 training onsets, for a position in the beat to be on its grid
# Ticks into the beat (12 a beat) on each genre's grid, as `training.onset_grid` counts them on
# the training split: sixteenths, and eighth triplets where the genre uses them.
GENRE_GRIDS: dict[str, tuple[int, ...]] = {
    "classical": (0, 3, 4, 6, 8, 9),
    "folk": (0, 3, 4, 6, 8, 9),
    "pop": (0, 3, 6, 9),
    "rock": (0, 3, 6, 9),
}


class DurationChoices:
    """The durations a stream may draw next: those that end by its final bar line and, in a
    genre with a grid, on it; only the first where none does both (a primer that ended off the
    grid). The masks are made once per position and room left, and shared by every stream of
    the genre (read-only)."""

    def __init__(self, durations: tuple[int, ...], grid: tuple[int, ...] | None) -> None:
        self.durations, self.grid = durations, grid
        self._masks: dict[tuple[int, int], np.ndarray] = {}

    def allowed(self, tick: int, total_ticks: int) -> np.ndarray:
        """(len(durations),) bool for an event starting at `tick` of a piece of `total_ticks`."""
        fitting = bisect.bisect_right(self.durations, total_ticks - tick)
        key = (0 if self.grid is None else tick % TICKS_PER_BEAT, fitting)
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = self._mask(*key)
        return mask

    def _mask(self, position: int, fitting: int) -> np.ndarray:
        fits = np.arange(len(self.durations)) < fitting
        if self.grid is not None:
            ends = (position + np.asarray(self.durations)) % TICKS_PER_BEAT
            on_grid = fits & np.isin(ends, self.grid)
            fits = on_grid if on_grid.any() else fits
        fits.flags.writeable = False
        return fits


@functools.lru_cache(maxsize=64)
def duration_choices(genre: str | None, durations: tuple[int, ...]) -> DurationChoices:
    """The choices of a stream of `genre` (every position in the beat for jazz and any genre)
    over a vocabulary's (sorted) `durations`."""
    return DurationChoices(durations, GENRE_GRIDS.get(genre or ""))
