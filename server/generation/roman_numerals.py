"""Roman numerals read in a key, as musicians write progressions: `I V vi IV`, `ii7 V7 Imaj7`,
`bVII`, `V/V`, `viiø7`, `iv6`, `V65`. Upper case is a major chord, lower case a minor one; the
suffix after the numeral names the quality the way chord symbols do.
"""

from __future__ import annotations

import re

from server.generation.chords import INTERVALS, Chord, ChordError, Quality, pitch_class

_NUMERAL = re.compile(
    r"^(?P<accidental>[b#♭♯]?)"
    r"(?P<numeral>VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)"
    r"(?P<suffix>[^/]*)"
    r"(?:/(?P<target>.+))?$"
)
_DEGREES = ("I", "II", "III", "IV", "V", "VI", "VII")
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)  # semitones above the tonic of each degree
NATURAL_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
LEADING_TONE = 11  # the raised seventh degree a diminished vii stands on, in minor too
DIMINISHED_SEVENTH = 9  # the seventh of a fully diminished seventh chord, above its root

# The quality each suffix gives after an upper-case and after a lower-case numeral. A 6 is an
# added sixth, as in chord symbols (C6, Am6), not a first inversion.
_SUFFIX_QUALITIES: dict[str, tuple[Quality, Quality]] = {
    "": (Quality.MAJ, Quality.MIN),
    "7": (Quality.DOM7, Quality.MIN7),
    "9": (Quality.DOM7, Quality.MIN7),
    "11": (Quality.DOM7, Quality.MIN7),
    "13": (Quality.DOM7, Quality.MIN7),
    "7sus4": (Quality.DOM7, Quality.DOM7),
    # A minor numeral with a major seventh (i maj7) is reduced to minor, as Harte labels are.
    "maj7": (Quality.MAJ7, Quality.MIN),
    "M7": (Quality.MAJ7, Quality.MIN),
    "Δ": (Quality.MAJ7, Quality.MIN),
    "Δ7": (Quality.MAJ7, Quality.MIN),
    "maj9": (Quality.MAJ7, Quality.MIN),
    "6": (Quality.MAJ6, Quality.MIN6),
    "°": (Quality.DIM, Quality.DIM),
    "o": (Quality.DIM, Quality.DIM),
    "dim": (Quality.DIM, Quality.DIM),
    "°7": (Quality.DIM, Quality.DIM),
    "o7": (Quality.DIM, Quality.DIM),
    "dim7": (Quality.DIM, Quality.DIM),
    "ø": (Quality.HDIM7, Quality.HDIM7),
    "ø7": (Quality.HDIM7, Quality.HDIM7),
    "m7b5": (Quality.HDIM7, Quality.HDIM7),
    "+": (Quality.AUG, Quality.AUG),
    "aug": (Quality.AUG, Quality.AUG),
    "sus4": (Quality.SUS4, Quality.SUS4),
    "sus": (Quality.SUS4, Quality.SUS4),
    "sus2": (Quality.SUS2, Quality.SUS2),
}
# Figured-bass inversions: which chord tone (0 = root, 1 = third, ...) is in the bass, and
# whether the figure makes the chord a seventh chord (V65 = V7 over its third).
_FIGURES: dict[str, tuple[int, bool]] = {
    "64": (2, False),
    "65": (1, True),
    "43": (2, True),
    "42": (3, True),
    "2": (3, True),
}


def is_roman_numeral(token: str) -> bool:
    """Whether `token` reads as a Roman numeral (in any key)."""
    try:
        roman_to_chord(token, 0, "major")
    except ChordError:
        return False
    return True


def roman_to_chord(token: str, tonic: int, mode: str) -> Chord:
    """The chord `token` names in the key of `tonic` (pitch class) and `mode` (major/minor).

    Degrees are those of the major scale or of the natural minor; in minor a diminished vii
    stands on the raised leading tone. An accidental (bVII, #iv°) alters the major scale's
    degree, the way pop and jazz charts write borrowed chords. `X/Y` is X in the key of the
    chord Y (V/V, viiø7/ii) or, when Y is a note name, X over that bass (I/E).
    """
    match = _NUMERAL.match(token.strip())
    if match is None:
        raise ChordError(f"unknown Roman numeral {token!r}")
    target = match["target"]
    bass_name = None
    if target is not None:
        if _NUMERAL.match(target):
            tonic, mode = _tonicized_key(target, tonic, mode, token)
        else:
            bass_name = target
    quality, bass_tone = _quality_and_inversion(match["suffix"], match["numeral"].isupper(), token)
    root = (tonic + _degree_step(match["accidental"], match["numeral"], quality, mode)) % 12
    if bass_name is not None:
        return Chord(root, quality, pitch_class(bass_name))
    if bass_tone is None:
        return Chord(root, quality)
    return Chord(root, quality, (root + _chord_tone(quality, bass_tone)) % 12)


def _tonicized_key(target: str, tonic: int, mode: str, token: str) -> tuple[int, str]:
    """The key a secondary chord is read in: that of the chord `target` names, major when it
    is upper case (V/V), minor when lower case (V/ii)."""
    match = _NUMERAL.match(target)
    if match is None or match["suffix"] or match["target"]:
        raise ChordError(f"unknown Roman numeral {token!r}")
    upper = match["numeral"].isupper()
    quality = Quality.MAJ if upper else Quality.MIN
    step = _degree_step(match["accidental"], match["numeral"], quality, mode)
    return (tonic + step) % 12, "major" if upper else "minor"


def _quality_and_inversion(suffix: str, upper: bool, token: str) -> tuple[Quality, int | None]:
    """The quality a suffix names and the chord tone in the bass a figure asks for, if any."""
    if suffix in _SUFFIX_QUALITIES:
        return _SUFFIX_QUALITIES[suffix][0 if upper else 1], None
    for figure, (bass_tone, seventh) in _FIGURES.items():
        if suffix.endswith(figure):
            quality_suffix = suffix.removesuffix(figure) + ("7" if seventh else "")
            if quality_suffix in _SUFFIX_QUALITIES:
                return _SUFFIX_QUALITIES[quality_suffix][0 if upper else 1], bass_tone
    raise ChordError(f"unknown Roman numeral {token!r}")


def _degree_step(accidental: str, numeral: str, quality: Quality, mode: str) -> int:
    degree = _DEGREES.index(numeral.upper())
    if accidental:
        sharp = accidental in "#♯"
        return MAJOR_SCALE[degree] + (1 if sharp else -1)
    if mode == "minor":
        if degree == 6 and quality in (Quality.DIM, Quality.HDIM7):
            return LEADING_TONE
        return NATURAL_MINOR_SCALE[degree]
    return MAJOR_SCALE[degree]


def _chord_tone(quality: Quality, index: int) -> int:
    """Semitones above the root of the chord's `index`-th tone (0 root, 1 third, 2 fifth,
    3 seventh). A triad asked for its seventh was reduced from a seventh chord: a diminished
    seventh, or the major seventh of a minor chord written `imaj7`."""
    intervals = INTERVALS[quality]
    if index < len(intervals):
        return intervals[index]
    return DIMINISHED_SEVENTH if quality == Quality.DIM else 11
