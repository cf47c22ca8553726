"""A piece's form: its bars grouped into phrases, each phrase a section with a letter, and where a
section comes back, which earlier bar each of its bars returns. The progression writer repeats a
returning section's chords and the melody brings the section's phrase back over them.

Forms per genre are the ones its music lives in: folk tunes repeat each strain (AABB), songs of
the jazz standard repertoire are AABA, pop and rock alternate verse and chorus, and the
classical period or rounded binary form returns its opening after a contrasting phrase. Jazz
and rock pieces of whole 12-bar choruses may be blues instead: three 4-bar lines, the second
bringing the first back over the IV chord, the third answering them, over the 12-bar blues
progression (`progression_blues.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PHRASE_BARS = 4  # the usual phrase; pieces of under 8 bars use 2-bar phrases
# Section letters in the order the phrases follow each other, per genre; a form shorter than the
# piece repeats its last two sections (a chorus again, a B and A again), one longer is cut.
FORMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "classical": (("A", "B", "A", "B"), ("A", "A", "B", "A")),
    "folk": (("A", "A", "B", "B"),),
    "jazz": (("A", "A", "B", "A"),),
    "pop": (("A", "B", "A", "B"), ("A", "A", "B", "B")),
    "rock": (("A", "B", "A", "B"), ("A", "A", "B", "A")),
}
DEFAULT_FORM = ("A", "A", "B", "A")
BLUES = "blues"  # a form whose harmony is the 12-bar blues
BLUES_GENRES = ("jazz", "rock")
BLUES_CHORUS = ("A", "A", "B")  # three 4-bar lines: a call, the call again over IV, the answer
CHORUS_BARS = 12


@dataclass(frozen=True)
class FormPlan:
    """One piece's form, bar by bar: `sections[b]` is the letter of bar b's section and
    `source_bar[b]` the earlier bar that bar b returns (the same place in the section's first
    statement), None where bar b is new material."""

    sections: tuple[str, ...]
    source_bar: tuple[int | None, ...]
    harmony: str | None = None  # BLUES where the form is the 12-bar blues and its chords

    @property
    def bars(self) -> int:
        return len(self.sections)

    @property
    def letters(self) -> str:
        """The form as a musician writes it, one letter a phrase: 'AABA'."""
        phrase = _phrase_bars(self.bars)
        return "".join(self.sections[start] for start in range(0, self.bars, phrase))

    def returns(self, bar: int) -> int | None:
        """The earlier bar that `bar` returns, None for new material or a bar past the end."""
        return self.source_bar[bar] if 0 <= bar < self.bars else None


def _phrase_bars(bars: int) -> int:
    return PHRASE_BARS if bars >= 2 * PHRASE_BARS else 2


def plan_form(genre: str | None, bars: int, rng: np.random.Generator | None = None) -> FormPlan:
    """A form for `bars` bars in `genre` (one of the genre's forms, drawn with `rng` where it has
    several, else its first). A jazz or rock piece of whole 12-bar choruses may draw the blues."""
    if bars < 1:
        raise ValueError(f"a form needs at least one bar, got {bars}")
    forms = FORMS.get(genre or "", (DEFAULT_FORM,))
    blues = genre in BLUES_GENRES and bars % CHORUS_BARS == 0
    choices = len(forms) + blues
    choice = int(rng.integers(choices)) if rng is not None and choices > 1 else 0
    if choice == len(forms):
        return blues_form(bars)
    return form_from_letters(forms[choice], bars)


def blues_form(bars: int) -> FormPlan:
    """Choruses of the 12-bar blues over `bars` bars (a whole number of choruses)."""
    if bars % CHORUS_BARS:
        raise ValueError(f"a blues is whole choruses of {CHORUS_BARS} bars, not {bars} bars")
    plan = form_from_letters(BLUES_CHORUS * (bars // CHORUS_BARS), bars)
    return FormPlan(plan.sections, plan.source_bar, BLUES)


def form_from_letters(letters: tuple[str, ...] | str, bars: int) -> FormPlan:
    """The plan of `letters` (one a phrase) laid over `bars` bars: a section's later statements
    return its first bar by bar; the letters wrap around their last two when the piece is longer."""
    letters = tuple(letters)
    if not letters:
        raise ValueError("a form needs at least one section")
    phrase = _phrase_bars(bars)
    sections: list[str] = []
    source: list[int | None] = []
    first_bar: dict[str, int] = {}
    for bar in range(bars):
        index = bar // phrase
        if index >= len(letters):  # longer than the form: its last two sections again
            tail = letters[-2:] if len(letters) >= 2 else letters
            letter = tail[(index - len(letters)) % len(tail)]
        else:
            letter = letters[index]
        offset = bar % phrase
        phrase_start = bar - offset
        first = first_bar.setdefault(letter, phrase_start)
        sections.append(letter)
        source.append(first + offset if first < phrase_start else None)
    return FormPlan(tuple(sections), tuple(source))
