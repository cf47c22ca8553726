"""What a user may ask of the sampler: `SamplingParams`, validated on construction, the key
names it accepts and the error that names a parameter out of range.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TypeGuard

from server.generation.form_plan import FormPlan
from server.generation.melody import GENRES, MODES
from server.generation.progression import Progression
from server.generation.vocabulary import ANY_GENRE

TONICS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ACCIDENTALS = {"": 0, "#": 1, "b": -1}
PrimerNote = tuple[int, float, float]  # (MIDI pitch, start beats, duration beats)


class InvalidParamsError(ValueError):
    """A sampling parameter out of range; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def tonic_of(key: str) -> int:
    """Pitch class of a key name such as "D", "F#" or "Bb"."""
    letter, accidental = key[:1].upper(), key[1:]
    if letter not in TONICS or accidental not in ACCIDENTALS:
        raise InvalidParamsError("key", f"expected a note name like C, F# or Bb, got {key!r}")
    return (TONICS[letter] + ACCIDENTALS[accidental]) % 12


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not _is_number(value) or not low <= value <= high:
        raise InvalidParamsError(name, f"must be a number from {low} to {high}, got {value!r}")


@dataclass(frozen=True)
class SamplingParams:
    """What a user asks for; validated on construction. `genre` None (or "any") is the general
    model; `primer` notes (pitch, start beats, duration beats) in the requested key open the
    piece and count toward `bars`. `chords` (in the requested key, 4/4) sound under the melody:
    one shorter than the piece is played again and again to fill its bars. `write_chords` asks
    the progression network to write them when none are given (`progression_writer`), which
    also sets `form`: the piece's sections, whose returning bars repeat their chords and which
    the melody follows; without one, the melody draws one of the genre's forms from the seed.
    `band` puts the genre's band (bass, comping, drums) under the melody, over its chords."""

    genre: str | None = None
    key: str = "C"
    mode: str = "major"
    tempo: float = 120.0  # quarter notes per minute
    bars: int = 8  # of 4/4
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int | None = None
    primer: tuple[PrimerNote, ...] = field(default=())
    program: int = 0  # General MIDI instrument, 0 = piano
    chords: Progression | None = None
    write_chords: bool = False
    form: FormPlan | None = None
    band: bool = False

    def __post_init__(self) -> None:
        if self.genre == ANY_GENRE:
            object.__setattr__(self, "genre", None)
        if self.genre is not None and self.genre not in GENRES:
            raise InvalidParamsError("genre", f"expected one of {', '.join(GENRES)} or any")
        if not isinstance(self.key, str):
            raise InvalidParamsError("key", f"expected a note name, got {self.key!r}")
        tonic_of(self.key)
        if self.mode not in MODES:
            raise InvalidParamsError(
                "mode", f"expected one of {', '.join(MODES)}, got {self.mode!r}"
            )
        _check_range("tempo", self.tempo, 40, 240)
        _check_range("temperature", self.temperature, 0.1, 2.0)
        _check_range("top_p", self.top_p, 0.0, 1.0)
        for name, high in (("bars", 128), ("program", 127)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise InvalidParamsError(
                    name, f"must be a whole number up to {high}, got {value!r}"
                )
        if self.bars < 1:
            raise InvalidParamsError("bars", "must be at least 1")
        seed = self.seed
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63
        ):
            raise InvalidParamsError("seed", f"must be a whole number >= 0, got {self.seed!r}")
        object.__setattr__(self, "primer", tuple(_check_note(note) for note in self.primer))
        if any(start + length > self.bars * 4 for _, start, length in self.primer):
            raise InvalidParamsError("primer", f"primer notes must end within the {self.bars} bars")
        if self.chords is not None:
            object.__setattr__(self, "chords", _chords_over(self.chords, self.bars))
        if not isinstance(self.write_chords, bool):
            raise InvalidParamsError(
                "chords", f"write_chords is true or false, got {self.write_chords!r}"
            )
        if not isinstance(self.band, bool):
            raise InvalidParamsError("band", f"is true or false, got {self.band!r}")
        if self.band and self.chords is None and not self.write_chords:
            raise InvalidParamsError(
                "band", "a band plays chords: give chords, or leave them to the model"
            )
        if self.form is not None and (
            not isinstance(self.form, FormPlan) or self.form.bars != self.bars
        ):
            raise InvalidParamsError("form", f"expected a form of {self.bars} bars")

    def with_seed(self) -> SamplingParams:
        """These params with a concrete seed, so the piece can be made again."""
        return self if self.seed is not None else replace(self, seed=secrets.randbelow(2**31))

    @property
    def tonic(self) -> int:
        return tonic_of(self.key)


def _chords_over(chords: object, bars: int) -> Progression:
    """`chords` looped to fill `bars` bars of 4/4; a progression longer than the piece, or in
    another meter, is refused."""
    if not isinstance(chords, Progression):
        raise InvalidParamsError("chords", f"expected a chord progression, got {chords!r}")
    if chords.beats_per_bar != 4:
        raise InvalidParamsError(
            "chords",
            f"the melody is in 4/4, but the chords have {chords.beats_per_bar} beats a bar",
        )
    if chords.bars > bars:
        raise InvalidParamsError(
            "chords",
            f"the chords last {chords.bars} bars, longer than the {bars} bars asked for; "
            "ask for more bars or give fewer chords",
        )
    return chords.looped_to(bars)


def _check_note(note: Iterable[object]) -> PrimerNote:
    """A primer note as (int pitch, float start, float duration): whole pitch 0..127, finite
    start >= 0 and duration > 0 (beats). Text, booleans, NaN and infinities are refused."""
    try:
        pitch, start, length = note
    except (TypeError, ValueError) as error:
        raise InvalidParamsError(
            "primer", f"a note is (pitch, start, duration), got {note!r}"
        ) from error
    if not _is_number(pitch) or not float(pitch).is_integer() or not 0 <= pitch <= 127:
        raise InvalidParamsError(
            "primer", f"a note's pitch must be a whole number 0..127, got {pitch!r}"
        )
    if not _is_number(start) or start < 0:
        raise InvalidParamsError("primer", f"a note's start must be a number >= 0, got {start!r}")
    if not _is_number(length) or length <= 0:
        raise InvalidParamsError(
            "primer", f"a note's duration must be a number > 0, got {length!r}"
        )
    return int(pitch), float(start), float(length)


def _is_number(value: object) -> TypeGuard[int | float]:
    """A finite int or float; JSON's NaN and Infinity are floats too, and bool is an int."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
