"""What the melody network reads of the bars before (as Magenta's Lookback RNN does): the event
sounding one and two bars before the onset being predicted, and whether the previous event
repeated the event one or two bars before its own onset. One rule for training (whole pieces at
once, `lookback_arrays`) and generation (one onset at a time, `lookback_inputs`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

BARS_BACK = (1, 2)
# The repeat flags as one id: +1 when the previous event repeated its event one bar back, +2
# when it repeated its event two bars back.
N_REPEAT = 4

Lookback = tuple[int, int, int, int, int]  # bar-1 pitch, bar-1 duration, bar-2 ..., repeats


class History:
    """The events a stream has written so far, as the lookback reads them: each one's onset
    and ids (their onsets ascending, from 0)."""

    def __init__(self) -> None:
        self.onsets: list[int] = []
        self.pitch_ids: list[int] = []
        self.duration_ids: list[int] = []

    def add(self, onset: int, pitch_id: int, duration_id: int) -> None:
        self.onsets.append(onset)
        self.pitch_ids.append(pitch_id)
        self.duration_ids.append(duration_id)

    def inputs(self, tick: int, bar_ticks: int, none: tuple[int, int]) -> Lookback:
        """The lookback ids of an event starting at `tick` (see `lookback_inputs`)."""
        return lookback_inputs(
            self.onsets, self.pitch_ids, self.duration_ids, tick, bar_ticks, none
        )

    def copy(self) -> History:
        clone = History()
        clone.onsets, clone.pitch_ids = list(self.onsets), list(self.pitch_ids)
        clone.duration_ids = list(self.duration_ids)
        return clone


def _sounding(onsets: Sequence[int], tick: int) -> int:
    """Index of the event sounding at `tick` (events follow one another), -1 before the piece."""
    return -1 if tick < 0 else bisect.bisect_right(onsets, tick) - 1


def lookback_inputs(
    onsets: Sequence[int],
    pitch_ids: Sequence[int],
    duration_ids: Sequence[int],
    tick: int,
    bar_ticks: int,
    none: tuple[int, int],
) -> Lookback:
    """The lookback ids for the event starting at `tick` after the events so far (their onsets
    ascending, from 0); `none` is the (pitch, duration) id pair read before the piece begins."""
    back: list[int] = []
    for bars in BARS_BACK:
        index = _sounding(onsets, tick - bars * bar_ticks)
        back += none if index < 0 else (pitch_ids[index], duration_ids[index])
    repeats = 0
    if onsets:
        last = len(onsets) - 1
        for flag, bars in enumerate(BARS_BACK):
            index = _sounding(onsets, onsets[last] - bars * bar_ticks)
            if index >= 0 and (pitch_ids[index], duration_ids[index]) == (
                pitch_ids[last],
                duration_ids[last],
            ):
                repeats += 1 << flag
    return back[0], back[1], back[2], back[3], repeats


def lookback_arrays(
    pitch_ids: np.ndarray,
    duration_ids: np.ndarray,
    durations: np.ndarray,
    bar_ticks: int,
    none: tuple[int, int],
) -> dict[str, np.ndarray]:
    """Every event's lookback ids at once (events (n,) with their durations in ticks):
    back1_pitch, back1_duration, back2_pitch, back2_duration and repeats, each (n,) int32."""
    onsets = np.concatenate(([0], np.cumsum(durations)[:-1])).astype(np.int64)
    out: dict[str, np.ndarray] = {}
    for bars in BARS_BACK:
        target = onsets - bars * bar_ticks
        index = np.searchsorted(onsets, target, side="right") - 1
        before = target < 0
        index = np.where(before, 0, index)
        out[f"back{bars}_pitch"] = np.where(before, none[0], pitch_ids[index])
        out[f"back{bars}_duration"] = np.where(before, none[1], duration_ids[index])
    repeats = np.zeros(len(onsets), dtype=np.int64)
    for flag, bars in enumerate(BARS_BACK):
        same = (
            (out[f"back{bars}_pitch"] == pitch_ids)
            & (out[f"back{bars}_duration"] == duration_ids)
            & (onsets - bars * bar_ticks >= 0)
        )
        repeats[1:] += np.where(same[:-1], 1 << flag, 0)  # a flag describes the previous event
    out["repeats"] = repeats
    return {name: values.astype(np.int32) for name, values in out.items()}
