"""The one definition of a melody: rests and notes as events on a 12-ticks-per-quarter grid.

Also owns key handling (estimation, normalization) so training, the server and the CLI agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from server.generation.notes import TICKS_PER_BEAT, Note

TICKS_PER_QUARTER = TICKS_PER_BEAT  # sixteenths (3 ticks) and eighth triplets (4 ticks) are exact
GENRES = ("classical", "folk", "jazz", "pop", "rock")
MODES = ("major", "minor")
SIGNATURE_TRUST_MARGIN = 0.15  # correlation units
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

# Krumhansl-Kessler key profiles (Krumhansl 1990, "Cognitive Foundations of Musical Pitch"),
# index 0 = tonic. Correlated against a duration-weighted pitch-class histogram.
_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True, slots=True)
class Event:
    """One note or rest: `pitch` is a MIDI number (None = rest), `duration` in ticks (> 0)."""

    pitch: int | None
    duration: int

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ValueError(
                f"event duration must be a positive number of ticks, got {self.duration}"
            )
        if self.pitch is not None and not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch must be a MIDI number 0..127 or None, got {self.pitch}")


@dataclass
class Melody:
    """A monophonic line in its own key.

    Bar convention: `pickup_ticks` is the length of the anacrusis, i.e. the tick of the first full
    bar line; the position in the bar of tick t is `(t - pickup_ticks) % bar_ticks`.
    """

    events: list[Event] = field(default_factory=list)
    bar_ticks: int = 48  # 48 for 4/4, 36 for 3/4 and 6/8, 24 for 2/4
    pickup_ticks: int = 0
    tonic: int = 0  # pitch class 0..11
    mode: str = "major"
    tempo: float = 120.0  # quarter notes per minute
    genre: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.bar_ticks <= 0:
            raise ValueError(f"bar_ticks must be positive, got {self.bar_ticks}")
        self.tonic %= 12
        self.pickup_ticks %= self.bar_ticks

    @property
    def total_ticks(self) -> int:
        return sum(event.duration for event in self.events)

    @property
    def note_count(self) -> int:
        return sum(event.pitch is not None for event in self.events)

    def onsets(self) -> list[int]:
        """Tick at which each event starts."""
        ticks, now = [], 0
        for event in self.events:
            ticks.append(now)
            now += event.duration
        return ticks

    def positions(self) -> list[int]:
        """Position in the bar (ticks after the last bar line) of each event's onset."""
        return [(tick - self.pickup_ticks) % self.bar_ticks for tick in self.onsets()]

    def notes(self) -> list[Note]:
        """Sounding notes, rests left out."""
        return [
            Note(event.pitch, tick, event.duration)
            for event, tick in zip(self.events, self.onsets(), strict=True)
            if event.pitch is not None
        ]

    def transposed(self, semitones: int) -> Melody:
        """The same melody moved by `semitones`; the tonic moves with it."""
        events = [
            event if event.pitch is None else Event(event.pitch + semitones, event.duration)
            for event in self.events
        ]
        return replace(self, events=events, tonic=(self.tonic + semitones) % 12)

    @property
    def normalizing_shift(self) -> int:
        """Semitones (-6..+5) that take this melody to C major or A minor."""
        return smallest_shift(self.tonic, normalized_tonic(self.mode))

    def key_normalized(self) -> Melody:
        """Transposed to C major or A minor by the smallest shift (-6..+5 semitones)."""
        return self.transposed(self.normalizing_shift)

    @classmethod
    def from_notes(
        cls,
        notes: Iterable[Note],
        *,
        tempo: float = 120.0,
        bar_ticks: int = 48,
        tonic: int = 0,
        mode: str = "major",
        genre: str | None = None,
        name: str = "",
    ) -> Melody:
        """Build from notes; gaps become rests, a note that overlaps the next is cut where the
        next begins (the line stays monophonic)."""
        spans = [(note.start, note.end, note.pitch) for note in notes]
        return cls.from_spans(
            spans, tempo=tempo, bar_ticks=bar_ticks, tonic=tonic, mode=mode, genre=genre, name=name
        )

    @classmethod
    def from_spans(
        cls,
        spans: Iterable[tuple[int, int, int]],
        *,
        tempo: float = 120.0,
        bar_ticks: int = 48,
        tonic: int = 0,
        mode: str = "major",
        genre: str | None = None,
        name: str = "",
    ) -> Melody:
        """Build from (start tick, end tick, pitch) notes; silence before the first note becomes
        the pickup so every onset keeps its position in the bar."""
        spans = list(spans)
        events = spans_to_events(spans)
        melody = cls(events, bar_ticks, 0, tonic, mode, tempo, genre=genre, name=name)
        if spans:
            first_onset = min(start for start, _, _ in spans)
            melody.pickup_ticks = -first_onset % melody.bar_ticks
        return melody


def normalized_tonic(mode: str) -> int:
    """Tonic of the key every melody is written in for the network: C major or A minor."""
    return 0 if mode == "major" else 9


def smallest_shift(from_tonic: int, to_tonic: int) -> int:
    """Semitones (-6..+5) that move `from_tonic` to `to_tonic` by the smallest step: the one
    rule that puts a melody into its normalized key and takes a sampled one out of it."""
    shift = (to_tonic - from_tonic) % 12
    return shift - 12 if shift > 5 else shift


def spans_to_events(spans: Iterable[tuple[int, int, int]]) -> list[Event]:
    """Turn (start tick, end tick, pitch) notes into a monophonic event list.

    Notes sharing an onset keep the highest pitch; an overlapped note is cut at the next onset;
    a zero-length note after snapping lasts one tick; silence before the first note is dropped.
    """
    by_onset: dict[int, tuple[int, int]] = {}
    for start, end, pitch in spans:
        if start < 0:
            raise ValueError(f"note starts before the piece begins (tick {start})")
        kept = by_onset.get(start)
        if kept is None or pitch > kept[1]:
            by_onset[start] = (max(end, start + 1), pitch)
    onsets = sorted(by_onset)
    events: list[Event] = []
    for index, start in enumerate(onsets):
        end, pitch = by_onset[start]
        if index + 1 < len(onsets):
            end = min(end, onsets[index + 1])
        events.append(Event(pitch, end - start))
        gap = onsets[index + 1] - end if index + 1 < len(onsets) else 0
        if gap > 0:
            events.append(Event(None, gap))
    return events


def pitch_class_histogram(melody: Melody) -> np.ndarray:
    """Duration-weighted pitch-class histogram, shape (12,), in ticks."""
    histogram = np.zeros(12)
    for event in melody.events:
        if event.pitch is not None:
            histogram[event.pitch % 12] += event.duration
    return histogram


def key_scores(melody: Melody, histogram: np.ndarray | None = None) -> np.ndarray:
    """Correlation with every key profile, shape (2, 12): [mode index, tonic pitch class], of
    the melody's pitch-class histogram or of `histogram` (12,) when given."""
    histogram = pitch_class_histogram(melody) if histogram is None else histogram
    if not histogram.any():
        return np.zeros((2, 12))
    scores = np.empty((2, 12))
    for mode_index, profile in enumerate((_MAJOR_PROFILE, _MINOR_PROFILE)):
        # Row k holds the profile rotated so that its tonic sits on pitch class k.
        rotated = np.stack([np.roll(profile, tonic) for tonic in range(12)])
        scores[mode_index] = [np.corrcoef(row, histogram)[0, 1] for row in rotated]
    return np.nan_to_num(scores, nan=0.0)


def estimate_key(
    melody: Melody,
    *,
    key_hint: tuple[int, str] | None = None,
    signature_fifths: int | None = None,
    histogram: np.ndarray | None = None,
) -> tuple[int, str]:
    """(tonic pitch class, mode) of a melody by Krumhansl-Kessler profile matching (of its
    pitch classes, or of `histogram` (12,), e.g. the whole file's, when given).

    A key written in the file wins when the notes agree with it, i.e. it scores within
    SIGNATURE_TRUST_MARGIN of the best key: `key_hint` is a full key (tonic, mode);
    `signature_fifths` (sharps > 0, flats < 0) leaves major vs relative minor to the notes.
    Many MIDI files write C major as a placeholder, which is why the notes get a say.
    """
    scores = key_scores(melody, histogram)
    best_mode, best_tonic = np.unravel_index(int(np.argmax(scores)), scores.shape)
    candidates: list[tuple[int, int]] = []  # (mode index, tonic)
    if key_hint is not None:
        candidates = [(MODES.index(key_hint[1]), key_hint[0] % 12)]
    elif signature_fifths is not None:
        major_tonic = (7 * signature_fifths) % 12
        candidates = [(0, major_tonic), (1, (major_tonic + 9) % 12)]
    if candidates:
        mode_index, tonic = max(candidates, key=lambda key: scores[key])
        if scores[mode_index, tonic] >= scores[best_mode, best_tonic] - SIGNATURE_TRUST_MARGIN:
            return tonic, MODES[mode_index]
    return int(best_tonic), MODES[int(best_mode)]


def key_to_fifths(tonic: int, mode: str) -> int:
    """Key signature (sharps > 0, flats < 0, in -6..+5) for a key: C major 0, A minor 0, D 2."""
    major_tonic = tonic % 12 if mode == "major" else (tonic + 3) % 12
    fifths = (major_tonic * 7) % 12  # circle-of-fifths index of the major tonic
    return fifths - 12 if fifths > 5 else fifths


def key_name(tonic: int, mode: str) -> str:
    """Readable key, e.g. 'Eb minor'."""
    return f"{PITCH_NAMES[tonic % 12]} {mode}"
