"""The event <-> index mapping shared by training and generation (pitch, duration, position,
genre and mode tokens), and its JSON form that travels inside every checkpoint folder.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from server.generation.chord_inputs import beat_chord_ids
from server.generation.lookback import lookback_arrays
from server.generation.melody import GENRES, MODES, Event, Melody, normalized_tonic
from server.generation.notes import TICKS_PER_BEAT

ANY_GENRE = "any"
VOCABULARY_FORMAT = 1


def _default_durations() -> tuple[int, ...]:
    """Tick values: every value up to a quarter (jazz timing lands anywhere), then the straight,
    dotted and triplet multiples (of 3/4, 6/8, 12/16 ticks) up to a double whole note (192)."""
    values = set(range(1, 25))
    values |= {t for t in range(25, 49) if t % 3 == 0 or t % 4 == 0}
    values |= {t for t in range(49, 97) if t % 6 == 0 or t % 8 == 0}
    values |= {t for t in range(97, 193) if t % 12 == 0 or t % 16 == 0}
    return tuple(sorted(values))


@dataclass
class EncodedMelody:
    """A melody as token ids, one entry per event (int32 arrays of equal length)."""

    pitch: np.ndarray  # (events,) pitch ids, REST_ID for rests
    duration: np.ndarray  # (events,) duration ids
    position: np.ndarray  # (events,) onset position in the bar, ticks, clipped to n_position - 1
    genre: int
    mode: int
    # (events,) chord ids at each onset and the next different chord (0 = no chord), and the
    # lookback ids (back1_pitch, back1_duration, back2_pitch, back2_duration, repeats)
    chord: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    next_chord: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    lookback: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pitch)

    def without_chords(self) -> EncodedMelody:
        """The same piece read with "no chord" everywhere."""
        none = np.zeros_like(self.pitch)
        return EncodedMelody(
            self.pitch,
            self.duration,
            self.position,
            self.genre,
            self.mode,
            none,
            none,
            self.lookback,
        )


class Vocabulary:
    """Token layout.

    pitch ids: 0 = rest, 1.. = MIDI pitches pitch_low..pitch_high; `pitch_bos` = n_pitch is an
    input-only id for step 0, so input embeddings have n_pitch + 1 rows, outputs n_pitch classes.
    duration ids: index into `durations` (ticks); `duration_bos` = n_duration, input only.
    """

    REST_ID = 0

    def __init__(
        self,
        *,
        pitch_low: int = 36,
        pitch_high: int = 96,
        durations: tuple[int, ...] | None = None,
        n_position: int = 96,
        genres: tuple[str, ...] = GENRES,
        modes: tuple[str, ...] = MODES,
    ) -> None:
        if pitch_high - pitch_low < 11:
            raise ValueError("the pitch range must span at least an octave to fold notes into")
        self.pitch_low, self.pitch_high = pitch_low, pitch_high
        self.durations = tuple(sorted(durations or _default_durations()))
        self.n_position = n_position
        self.genres = (*genres, ANY_GENRE)
        self.modes = tuple(modes)

    @property
    def n_pitch(self) -> int:
        return self.pitch_high - self.pitch_low + 2  # pitches plus the rest

    @property
    def n_duration(self) -> int:
        return len(self.durations)

    @property
    def n_genre(self) -> int:
        return len(self.genres)

    @property
    def n_mode(self) -> int:
        return len(self.modes)

    @property
    def pitch_bos(self) -> int:
        return self.n_pitch

    @property
    def duration_bos(self) -> int:
        return self.n_duration

    @property
    def max_duration(self) -> int:
        return self.durations[-1]

    def fold_pitch(self, pitch: int) -> int:
        """Move a pitch by octaves into pitch_low..pitch_high."""
        while pitch < self.pitch_low:
            pitch += 12
        while pitch > self.pitch_high:
            pitch -= 12
        return pitch

    def pitch_id(self, pitch: int | None) -> int:
        if pitch is None:
            return self.REST_ID
        return self.fold_pitch(pitch) - self.pitch_low + 1

    def pitch_of(self, pitch_id: int) -> int | None:
        """MIDI pitch of an id, None for the rest."""
        if not 0 <= pitch_id < self.n_pitch:
            raise ValueError(f"pitch id {pitch_id} is outside 0..{self.n_pitch - 1}")
        return None if pitch_id == self.REST_ID else self.pitch_low + pitch_id - 1

    def duration_id(self, ticks: int) -> int:
        """Id of the nearest listed duration (the shorter one on a tie)."""
        index = bisect.bisect_left(self.durations, ticks)
        if index == 0:
            return 0
        if index == len(self.durations):
            return index - 1
        below, above = self.durations[index - 1], self.durations[index]
        return index if above - ticks < ticks - below else index - 1

    def duration_ticks(self, duration_id: int) -> int:
        if not 0 <= duration_id < self.n_duration:
            raise ValueError(f"duration id {duration_id} is outside 0..{self.n_duration - 1}")
        return self.durations[duration_id]

    def genre_id(self, genre: str | None) -> int:
        name = ANY_GENRE if genre is None else genre
        if name not in self.genres:
            raise ValueError(f"unknown genre {genre!r}; expected one of {', '.join(self.genres)}")
        return self.genres.index(name)

    def mode_id(self, mode: str) -> int:
        if mode not in self.modes:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(self.modes)}")
        return self.modes.index(mode)

    def position_id(self, ticks_into_bar: int) -> int:
        return min(max(ticks_into_bar, 0), self.n_position - 1)

    def fit_events(self, events: list[Event]) -> list[Event]:
        """Events as the vocabulary can spell them: rests longer than the longest duration split,
        other durations snapped to the nearest listed value, pitches folded into range."""
        fitted: list[Event] = []
        for event in events:
            if event.pitch is None:
                remaining = event.duration
                while remaining > self.max_duration:
                    fitted.append(Event(None, self.max_duration))
                    remaining -= self.max_duration
                fitted.append(Event(None, self.durations[self.duration_id(remaining)]))
            else:
                ticks = self.durations[self.duration_id(event.duration)]
                fitted.append(Event(self.fold_pitch(event.pitch), ticks))
        return fitted

    def encode(
        self,
        melody: Melody,
        beat_chords: np.ndarray | None = None,
        chord_step: int = TICKS_PER_BEAT,
    ) -> EncodedMelody:
        """Token ids of a melody (positions follow the snapped durations). `beat_chords` holds
        a chord id per beat (or per `chord_step` ticks), chord i sounding from the melody's
        tick chord_step * i - lead, where lead is the ticks from the beat line at or before the
        first note to it (as `chord_recognizer.label_melody` labels a chord per beat); no
        chord everywhere when None."""
        events = self.fit_events(melody.events)
        fitted = Melody(events, melody.bar_ticks, melody.pickup_ticks)
        pitch = np.array([self.pitch_id(e.pitch) for e in events], dtype=np.int32)
        duration = np.array([self.duration_id(e.duration) for e in events], dtype=np.int32)
        ticks = np.array([e.duration for e in events], dtype=np.int64)
        onsets = np.concatenate(([0], np.cumsum(ticks)[:-1])).astype(np.int64)
        lead = -melody.pickup_ticks % TICKS_PER_BEAT
        chords = np.zeros(0, dtype=np.int32) if beat_chords is None else beat_chords
        chord, next_chord = beat_chord_ids(chords, lead, onsets, chord_step)
        return EncodedMelody(
            pitch=pitch,
            duration=duration,
            position=np.array([self.position_id(p) for p in fitted.positions()], dtype=np.int32),
            genre=self.genre_id(melody.genre),
            mode=self.mode_id(melody.mode),
            chord=chord,
            next_chord=next_chord,
            lookback=lookback_arrays(
                pitch, duration, ticks, melody.bar_ticks, (self.pitch_bos, self.duration_bos)
            ),
        )

    def decode(
        self,
        pitch_ids: Any,
        duration_ids: Any,
        *,
        tempo: float = 120.0,
        bar_ticks: int = 48,
        pickup_ticks: int = 0,
        mode: str = "major",
        tonic: int | None = None,
        genre: str | None = None,
        name: str = "",
    ) -> Melody:
        """A melody from token ids; tonic defaults to the normalized key (C major or A minor)."""
        if len(pitch_ids) != len(duration_ids):
            raise ValueError("pitch and duration ids must have the same length")
        events = [
            Event(self.pitch_of(int(p)), self.duration_ticks(int(d)))
            for p, d in zip(pitch_ids, duration_ids, strict=True)
        ]
        if tonic is None:
            tonic = normalized_tonic(mode)
        return Melody(events, bar_ticks, pickup_ticks, tonic, mode, tempo, genre, name)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": VOCABULARY_FORMAT,
            "pitch_low": self.pitch_low,
            "pitch_high": self.pitch_high,
            "durations": list(self.durations),
            "n_position": self.n_position,
            "genres": [g for g in self.genres if g != ANY_GENRE],
            "modes": list(self.modes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vocabulary:
        if data.get("format") != VOCABULARY_FORMAT:
            raise ValueError(f"unsupported vocabulary format {data.get('format')!r}")
        return cls(
            pitch_low=int(data["pitch_low"]),
            pitch_high=int(data["pitch_high"]),
            durations=tuple(int(t) for t in data["durations"]),
            n_position=int(data["n_position"]),
            genres=tuple(data["genres"]),
            modes=tuple(data["modes"]),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]


@cache
def default_vocabulary() -> Vocabulary:
    """The vocabulary the shipped model is trained with."""
    return Vocabulary()
