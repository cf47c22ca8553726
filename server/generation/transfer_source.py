"""The source melody of a conversion, prepared for the transfer's affinities: key-normalized,
spelled exactly on the vocabulary (every onset in place), cut at MAX_BARS, and indexed by tick
(sounding pitch, onsets, phrase rests, smoothed line, per-bar pitch classes).
"""

from __future__ import annotations

import numpy as np

from server.generation.melody import TICKS_PER_QUARTER, Event, Melody, normalized_tonic
from server.generation.vocabulary import Vocabulary

CONTOUR_TICKS = 6  # the source line is followed as its mean over a beat around each tick
PHRASE_REST_TICKS = TICKS_PER_QUARTER  # source rests this long or longer are phrase boundaries
MAX_BARS = 128  # the longest conversion; longer sources are cut at this bar


def spell_on_vocabulary(events: list[Event], vocabulary: Vocabulary) -> list[Event]:
    """Events the vocabulary spells exactly, every onset kept in place: a duration it lacks
    becomes the longest it has below, the remainder a rest; rests are split as needed."""
    durations = np.asarray(vocabulary.durations)
    spelled: list[Event] = []
    for event in events:
        pitch, remaining = event.pitch, event.duration
        while remaining > 0:
            ticks = int(durations[durations <= remaining].max())
            spelled.append(Event(None if pitch is None else vocabulary.fold_pitch(pitch), ticks))
            pitch, remaining = None, remaining - ticks
    return spelled


class SourcePlan:
    """The key-normalized source on the vocabulary, indexed by tick for the affinities."""

    def __init__(self, source: Melody, vocabulary: Vocabulary) -> None:
        normalized = source.key_normalized()
        self.source_shift = -source.normalizing_shift  # back to the source's pitches
        self.bar_ticks, self.pickup_ticks = source.bar_ticks, source.pickup_ticks
        first_bar_line = self.pickup_ticks or self.bar_ticks  # the pickup bar counts as one
        limit = first_bar_line + (MAX_BARS - 1) * self.bar_ticks
        self.events = spell_on_vocabulary(_cut(normalized.events, limit), vocabulary)
        self.total_ticks = sum(event.duration for event in self.events)
        onsets = Melody(self.events).onsets()
        self.pitch_ids = np.zeros(self.total_ticks, dtype=np.int64)  # (ticks,) sounding pitch
        self.onset = np.zeros(self.total_ticks + 1, dtype=bool)  # (ticks + 1,) incl. the end
        self.event_at: dict[int, Event] = {}
        for tick, event in zip(onsets, self.events, strict=True):
            self.pitch_ids[tick : tick + event.duration] = vocabulary.pitch_id(event.pitch)
            self.onset[tick], self.event_at[tick] = True, event
        self.onset[self.total_ticks] = True
        sounding = self.pitch_ids != vocabulary.REST_ID
        self.sounding_before = np.concatenate(([0], np.cumsum(sounding)))  # sounding in [0, t)
        self.previous_pitch = _previous_pitches(self.pitch_ids, self.onset)
        self.onsets_before = np.concatenate(([0], np.cumsum(self.onset)))  # onsets in [0, t)
        self.boundaries = _phrase_rests(self.events, onsets)  # [(start, end)] ticks, in order
        self.boundary_starts = np.array([start for start, _ in self.boundaries], dtype=np.int64)
        self.contour = _smoothed(self.pitch_ids)
        self.chroma = self._bar_chroma(vocabulary)
        self.mode = normalized.mode

    def on_grid(self, events: list[Event]) -> Melody:
        """Key-normalized `events` as a melody on the source's bar grid."""
        tonic = normalized_tonic(self.mode)
        return Melody(list(events), self.bar_ticks, self.pickup_ticks, tonic, self.mode)

    def melody(self) -> Melody:
        """The source itself, key-normalized, as the plan spells it."""
        return self.on_grid(self.events)

    def next_bar_line(self, tick: int) -> int:
        """The first bar line after `tick` (the end at most)."""
        line = (self.bar_of(tick) + 1) * self.bar_ticks - self._before_first_bar
        return min(line, self.total_ticks)

    @property
    def _before_first_bar(self) -> int:
        """Ticks a pickup lacks of a whole bar (0 without one)."""
        return (self.bar_ticks - self.pickup_ticks) % self.bar_ticks

    def bar_of(self, tick: int) -> int:
        return (tick + self._before_first_bar) // self.bar_ticks

    def _bar_chroma(self, vocabulary: Vocabulary) -> np.ndarray:
        """(bars, 12) share of each pitch class in each bar's sounding ticks."""
        chroma = np.zeros((self.bars, 12))
        ticks = np.arange(self.total_ticks)
        sounding = self.pitch_ids != vocabulary.REST_ID
        classes = (self.pitch_ids[sounding] - 1 + vocabulary.pitch_low) % 12
        np.add.at(chroma, (self.bar_of(ticks[sounding]), classes), 1.0)
        totals = chroma.sum(axis=1, keepdims=True)
        shares: np.ndarray = np.divide(
            chroma, totals, out=np.full_like(chroma, 1 / 12), where=totals > 0
        )
        return shares

    @property
    def bars(self) -> int:
        return -(-(self._before_first_bar + self.total_ticks) // self.bar_ticks)

    def in_phrase_rest(self, tick: int) -> bool:
        index = int(np.searchsorted(self.boundary_starts, tick, side="right")) - 1
        return index >= 0 and tick < self.boundaries[index][1]

    def next_boundary(self, tick: int) -> int:
        """Start of the first phrase rest after `tick`, else the end."""
        index = int(np.searchsorted(self.boundary_starts, tick, side="right"))
        return self.total_ticks if index == len(self.boundaries) else self.boundaries[index][0]


def _cut(events: list[Event], limit: int) -> list[Event]:
    kept, now = [], 0
    for event in events:
        if now >= limit:
            break
        kept.append(Event(event.pitch, min(event.duration, limit - now)))
        now += event.duration
    return kept


def _phrase_rests(events: list[Event], onsets: list[int]) -> list[tuple[int, int]]:
    """Runs of rest events lasting PHRASE_REST_TICKS or more, merged."""
    spans: list[tuple[int, int]] = []
    for tick, event in zip(onsets, events, strict=True):
        if event.pitch is not None:
            continue
        if spans and spans[-1][1] == tick:
            spans[-1] = (spans[-1][0], tick + event.duration)
        else:
            spans.append((tick, tick + event.duration))
    return [(start, end) for start, end in spans if end - start >= PHRASE_REST_TICKS]


def _previous_pitches(pitch_ids: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """(ticks,) pitch id of the last source note begun before each tick's note (0 before the
    first): whether the source repeats a pitch at an onset."""
    previous = np.zeros(len(pitch_ids), dtype=np.int64)
    last, current = 0, 0
    for tick, pitch in enumerate(pitch_ids):
        if onset[tick] and pitch:
            last, current = current, int(pitch)
        previous[tick] = last
    return previous


def _smoothed(pitch_ids: np.ndarray) -> np.ndarray:
    """(ticks,) mean sounding pitch id within CONTOUR_TICKS of each tick (rests left out),
    NaN where nothing sounds nearby: the line a rewrite follows, without its ornaments."""
    sounding = (pitch_ids > 0).astype(np.float64)
    window = np.ones(2 * CONTOUR_TICKS + 1)
    sums = np.convolve(pitch_ids * sounding, window, mode="same")
    counts = np.convolve(sounding, window, mode="same")
    contour: np.ndarray = np.divide(
        sums, counts, out=np.full(len(pitch_ids), np.nan), where=counts > 0
    )
    return contour
