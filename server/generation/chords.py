"""The one chord type of the product, beside the one note: a root, a quality and an optional bass
note, or "no chord". Training, generation, storage, the wire, MIDI export and the browser all
name chords through it; labels from outside (Harte labels of the annotated corpora, chord symbols
as musicians type them) are read here, and an unknown label is a `ChordError` naming it.

The vocabulary is the twelve roots times twelve qualities plus "no chord" (145 ids, 0 = no
chord); richer chords a corpus writes (9ths, 13ths, dim7, min/maj7) are reduced to the nearest
quality, keeping root, third and seventh where the vocabulary can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from server.generation.melody import PITCH_NAMES

NO_CHORD_LABEL = "N"
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


class Quality(StrEnum):
    """A chord's quality, named as in Harte's syntax."""

    MAJ = "maj"
    MIN = "min"
    DOM7 = "7"
    MAJ7 = "maj7"
    MIN7 = "min7"
    DIM = "dim"
    HDIM7 = "hdim7"
    AUG = "aug"
    SUS2 = "sus2"
    SUS4 = "sus4"
    MAJ6 = "maj6"
    MIN6 = "min6"


# Semitones above the root of each quality's tones.
INTERVALS: dict[Quality, tuple[int, ...]] = {
    Quality.MAJ: (0, 4, 7),
    Quality.MIN: (0, 3, 7),
    Quality.DOM7: (0, 4, 7, 10),
    Quality.MAJ7: (0, 4, 7, 11),
    Quality.MIN7: (0, 3, 7, 10),
    Quality.DIM: (0, 3, 6),
    Quality.HDIM7: (0, 3, 6, 10),
    Quality.AUG: (0, 4, 8),
    Quality.SUS2: (0, 2, 7),
    Quality.SUS4: (0, 5, 7),
    Quality.MAJ6: (0, 4, 7, 9),
    Quality.MIN6: (0, 3, 7, 9),
}
QUALITIES = tuple(Quality)

# How a musician writes each quality after the root (C, Cm, C7, Cmaj7, Cm7, Cdim, Cm7b5, ...).
SYMBOL_SUFFIX: dict[Quality, str] = {
    Quality.MAJ: "",
    Quality.MIN: "m",
    Quality.DOM7: "7",
    Quality.MAJ7: "maj7",
    Quality.MIN7: "m7",
    Quality.DIM: "dim",
    Quality.HDIM7: "m7b5",
    Quality.AUG: "aug",
    Quality.SUS2: "sus2",
    Quality.SUS4: "sus4",
    Quality.MAJ6: "6",
    Quality.MIN6: "m6",
}

# Harte shorthands (and the corpora's sus4(b7)) beyond the vocabulary, reduced to the nearest
# quality: the third and the seventh are kept where the vocabulary has them.
_HARTE_REDUCED: dict[str, Quality] = {
    "dim7": Quality.DIM,
    "minmaj7": Quality.MIN,
    "9": Quality.DOM7,
    "11": Quality.DOM7,
    "13": Quality.DOM7,
    "maj9": Quality.MAJ7,
    "maj11": Quality.MAJ7,
    "maj13": Quality.MAJ7,
    "min9": Quality.MIN7,
    "min11": Quality.MIN7,
    "min13": Quality.MIN7,
    "sus4(b7)": Quality.DOM7,
    "sus4(b7,9)": Quality.DOM7,
    "5": Quality.MAJ,  # a power chord: no third, heard as major in rock
    "1": Quality.MAJ,
}

# Typed chord symbols: each spelling a musician uses for a quality, longest first when matched.
_SYMBOL_SPELLINGS: dict[str, Quality] = {
    "": Quality.MAJ,
    "maj": Quality.MAJ,
    "M": Quality.MAJ,
    "m": Quality.MIN,
    "min": Quality.MIN,
    "-": Quality.MIN,
    "7": Quality.DOM7,
    "dom7": Quality.DOM7,
    "9": Quality.DOM7,
    "11": Quality.DOM7,
    "13": Quality.DOM7,
    "7sus4": Quality.DOM7,
    "maj7": Quality.MAJ7,
    "M7": Quality.MAJ7,
    "Δ": Quality.MAJ7,
    "Δ7": Quality.MAJ7,
    "maj9": Quality.MAJ7,
    "m7": Quality.MIN7,
    "min7": Quality.MIN7,
    "-7": Quality.MIN7,
    "m9": Quality.MIN7,
    "m11": Quality.MIN7,
    "dim": Quality.DIM,
    "°": Quality.DIM,
    "o": Quality.DIM,
    "dim7": Quality.DIM,
    "°7": Quality.DIM,
    "o7": Quality.DIM,
    "m7b5": Quality.HDIM7,
    "m7-5": Quality.HDIM7,
    "min7b5": Quality.HDIM7,
    "ø": Quality.HDIM7,
    "ø7": Quality.HDIM7,
    "hdim7": Quality.HDIM7,
    "aug": Quality.AUG,
    "+": Quality.AUG,
    "sus2": Quality.SUS2,
    "sus4": Quality.SUS4,
    "sus": Quality.SUS4,
    "6": Quality.MAJ6,
    "maj6": Quality.MAJ6,
    "m6": Quality.MIN6,
    "min6": Quality.MIN6,
    "5": Quality.MAJ,
}
_SYMBOL = re.compile(r"^([A-Ga-g])([#b♯♭]*)(.*?)(?:/([A-G][#b♯♭]*))?$")
_HARTE_DEGREES = {
    "1": 0,
    "b2": 1,
    "2": 2,
    "b3": 3,
    "3": 4,
    "4": 5,
    "#4": 6,
    "b5": 6,
    "5": 7,
    "#5": 8,
    "b6": 8,
    "6": 9,
    "bb7": 9,
    "b7": 10,
    "7": 11,
    "b9": 1,
    "9": 2,
    "#9": 3,
    "11": 5,
    "#11": 6,
    "b13": 8,
    "13": 9,
}


class ChordError(ValueError):
    """A chord label that is not one; the message names the label."""


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord: `root` pitch class 0..11 (C = 0) with its `quality`, and the `bass` pitch class
    when it is not the root (an inversion or slash chord); root and quality None = no chord."""

    root: int | None
    quality: Quality | None = None
    bass: int | None = None

    def __post_init__(self) -> None:
        if (self.root is None) != (self.quality is None):
            raise ChordError("a chord has both a root and a quality, or neither (no chord)")
        if self.root is not None and not 0 <= self.root <= 11:
            raise ChordError(f"a root is a pitch class 0..11, got {self.root}")
        if self.bass is not None and (self.root is None or not 0 <= self.bass <= 11):
            raise ChordError(f"a bass is a pitch class 0..11 under a chord, got {self.bass}")
        if self.bass == self.root and self.bass is not None:
            object.__setattr__(self, "bass", None)

    @property
    def is_chord(self) -> bool:
        return self.root is not None

    def pitch_classes(self) -> frozenset[int]:
        """The chord's tones as pitch classes (with its bass); empty for no chord."""
        if self.root is None or self.quality is None:
            return frozenset()
        tones = {(self.root + step) % 12 for step in INTERVALS[self.quality]}
        return frozenset(tones if self.bass is None else tones | {self.bass})

    def transposed(self, semitones: int) -> Chord:
        if self.root is None:
            return self
        bass = None if self.bass is None else (self.bass + semitones) % 12
        return Chord((self.root + semitones) % 12, self.quality, bass)

    @property
    def id(self) -> int:
        """The chord's place in the vocabulary, bass left out: 0 = no chord, then by root."""
        if self.root is None or self.quality is None:
            return 0
        return 1 + self.root * len(QUALITIES) + QUALITIES.index(self.quality)

    @classmethod
    def from_id(cls, chord_id: int) -> Chord:
        if not 0 <= chord_id < VOCABULARY_SIZE:
            raise ChordError(f"a chord id is 0..{VOCABULARY_SIZE - 1}, got {chord_id}")
        if chord_id == 0:
            return NO_CHORD
        root, quality = divmod(chord_id - 1, len(QUALITIES))
        return cls(root, QUALITIES[quality])

    @property
    def symbol(self) -> str:
        """As a musician writes it: `C`, `Am`, `G7`, `F#m7b5`, `Bb/D`; `N.C.` for no chord."""
        if self.root is None or self.quality is None:
            return "N.C."
        bass = "" if self.bass is None else f"/{PITCH_NAMES[self.bass]}"
        return f"{PITCH_NAMES[self.root]}{SYMBOL_SUFFIX[self.quality]}{bass}"

    @property
    def harte(self) -> str:
        """The Harte label, the stored form: `C:maj`, `A:min7`, `Bb:maj/3`; `N` for no chord."""
        if self.root is None or self.quality is None:
            return NO_CHORD_LABEL
        label = f"{PITCH_NAMES[self.root]}:{self.quality.value}"
        if self.bass is None:
            return label
        return f"{label}/{_degree_name((self.bass - self.root) % 12)}"

    def to_wire(self) -> dict[str, Any]:
        """The chord as the browser receives it."""
        return {
            "symbol": self.symbol,
            "root": self.root,
            "quality": self.quality,
            "bass": self.bass,
        }

    def __str__(self) -> str:
        return self.symbol


NO_CHORD = Chord(None)
VOCABULARY_SIZE = 1 + 12 * len(QUALITIES)


def pitch_class(name: str) -> int:
    """`C`, `F#`, `Bb`, `Cb`, `E#` (and ♯/♭) as a pitch class; ChordError names a bad one."""
    if not name or name[0].upper() not in _LETTERS:
        raise ChordError(f"unknown note name {name!r}")
    accidentals = name[1:].replace("♯", "#").replace("♭", "b")
    if accidentals.strip("#") and accidentals.strip("b"):
        raise ChordError(f"unknown note name {name!r}")
    return (_LETTERS[name[0].upper()] + accidentals.count("#") - accidentals.count("b")) % 12


def parse_harte(label: str) -> Chord:
    """A Harte label as the annotated corpora write it: `C:maj`, `A:min7`, `G:7`, `Bb:maj/3`,
    `D:maj/5`, `F:sus4(b7)`, `C:(1,3,5)`, bare `C` (major), `N` or `X` (no chord)."""
    text = label.strip()
    if text in ("N", "X", ""):
        return NO_CHORD
    root_text, _, rest = text.partition(":")
    root = pitch_class(root_text)
    shorthand, _, bass_degree = (rest or "maj").partition("/")
    quality = _harte_quality(shorthand, label)
    bass = None if not bass_degree else (root + _degree(bass_degree, label)) % 12
    return Chord(root, quality, bass)


def parse_symbol(symbol: str) -> Chord:
    """A chord symbol as musicians type it: `C`, `Am`, `G7`, `Dm7`, `Cmaj7`, `Bb/D`, `F#m7b5`,
    `Eø7`, `N.C.` (no chord); ChordError names a symbol that is not one."""
    text = symbol.strip()
    if text.upper() in ("N.C.", "NC", "N"):
        return NO_CHORD
    match = _SYMBOL.match(text)
    if match is None:
        raise ChordError(f"unknown chord symbol {symbol!r}")
    letter, accidentals, suffix, bass = match.groups()
    quality = _SYMBOL_SPELLINGS.get(suffix)
    if quality is None:
        raise ChordError(f"unknown chord symbol {symbol!r}")
    root = pitch_class(letter.upper() + accidentals)
    return Chord(root, quality, None if bass is None else pitch_class(bass))


def _harte_quality(shorthand: str, label: str) -> Quality:
    if shorthand.startswith("("):
        return _quality_of_degrees(shorthand, label)
    base, _, extra = shorthand.partition("(")
    if shorthand in _HARTE_REDUCED:
        return _HARTE_REDUCED[shorthand]
    try:
        quality = Quality(base)
    except ValueError:
        if base not in _HARTE_REDUCED:
            raise ChordError(f"unknown chord label {label!r}") from None
        quality = _HARTE_REDUCED[base]
    if extra and quality in (Quality.SUS4, Quality.SUS2) and "b7" in extra:
        return Quality.DOM7
    return quality


def _quality_of_degrees(degrees: str, label: str) -> Quality:
    """`(1,3,5)`-style interval lists: the quality whose tones they match best."""
    steps = {_degree(part.strip(), label) for part in degrees.strip("()").split(",") if part}
    if not steps:
        raise ChordError(f"unknown chord label {label!r}")
    return max(QUALITIES, key=lambda q: (len(steps & set(INTERVALS[q])), -len(INTERVALS[q])))


def _degree(text: str, label: str) -> int:
    step = _HARTE_DEGREES.get(text.lstrip("*"))
    if step is None:
        raise ChordError(f"unknown chord degree {text!r} in {label!r}")
    return step


def _degree_name(semitones: int) -> str:
    return next(name for name, step in _HARTE_DEGREES.items() if step == semitones)
