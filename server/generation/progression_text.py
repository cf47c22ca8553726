"""A chord progression as a musician types it (`C Am F G7`, `Dm7 | G7 | Cmaj7`, `|: ii7 V7 :| x3`,
`C - G - | %`) or as a list of bars, read into a `Progression`. The syntax is described in
docs/music-representation.md.

Errors are `ProgressionError`s whose message a user in the studio can act on: it names the token,
its place among the chords and its character column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from server.generation.chords import (
    Chord,
    ChordError,
    parse_symbol,
    pitch_class,
)
from server.generation.melody import MODES
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import (
    EMPTY_PROGRESSION,
    MAX_BARS,
    ChordSpan,
    Progression,
    ProgressionError,
    check_meter,
)
from server.generation.roman_numerals import is_roman_numeral, roman_to_chord

MAX_TEXT_CHARS = 10_000  # room for 256 bars of four written-out chords
MAX_REPEAT_TIMES = 99
HOLD_MARKS = ("-", ".")  # hold the chord before for one more beat
BAR_REPEAT_MARK = "%"  # play the bar before again

_SYMBOL_EXAMPLES = (
    "write chord symbols such as C, Am, G7, Cmaj7, F#m7b5, Bb/D or N.C., or Roman numerals "
    "such as I, vi, ii7, V/V or bVII with a key"
)
_TOKEN = re.compile(
    r"(?P<space>[\s,]+)"
    r"|(?P<close_open>:\|\|?:)"
    r"|(?P<open>\|\|?:)"
    r"|(?P<close>:\|\|?)(?:\s*\(?\s*(?:[x×]\s*(?P<times>\d+)|(?P<times_before>\d+)\s*[x×])\s*\)?)?"
    r"|(?P<bar>\|)"
    r"|(?P<word>[^\s,|:]+)"
    r"|(?P<other>.)"
)
_KEY = re.compile(r"^\s*(?P<tonic>[A-Ga-g][#b♯♭]?)\s*(?P<mode>m|min|minor|maj|major)?\s*$")


def parse_progression(
    text: str, *, key: str | None = None, mode: str = "major", beats_per_bar: int = 4
) -> Progression:
    """A progression as typed: chord symbols or Roman numerals (in `key`, e.g. "C", "Eb",
    "F#m"; `mode` when the key does not say), bar lines `|`, repeats `|: ... :|` (`x3` after
    the sign plays them three times), `%` for the bar before, `-` or `.` to hold for a beat.

    Without bar lines every chord is a bar (with hold marks, every chord or mark is a beat).
    Within a bar the chords share its beats evenly; when they cannot, the first ones get the
    extra beat (4/4 with three chords: 2 + 1 + 1). A bar with hold marks gives every chord or
    mark one beat, and the last one the rest of the bar.
    """
    check_meter(beats_per_bar)
    if len(text) > MAX_TEXT_CHARS:
        raise ProgressionError(
            f"The progression is {len(text)} characters long; at most {MAX_TEXT_CHARS} are read."
        )
    reader = _ChordReader(read_key(key, mode))
    tokens = _tokenize(text, reader)
    if not any(token.kind == "word" for token in tokens):
        raise ProgressionError(EMPTY_PROGRESSION)
    if any(token.kind != "word" for token in tokens):
        layouts = _played_bars(tokens, beats_per_bar)
    else:
        layouts = _unbarred_bars([token.word for token in tokens if token.word], beats_per_bar)
    return _lay_out(layouts, beats_per_bar)


def progression_from_bars(
    bars: object, *, key: str | None = None, mode: str = "major", beats_per_bar: int = 4
) -> Progression:
    """A progression given as a list of bars, each a list of chord symbols, Roman numerals or
    marks (`-`, `.`, `%`), or one string of them: `[["Dm7"], ["G7"], ["C", "A7"]]`."""
    check_meter(beats_per_bar)
    if not isinstance(bars, list | tuple):
        raise ProgressionError('Chords given as bars are a list of bars, e.g. [["C"], ["G", "F"]].')
    if len(bars) > MAX_BARS:
        raise _too_long()
    if not bars:
        raise ProgressionError(EMPTY_PROGRESSION)
    reader = _ChordReader(read_key(key, mode))
    layouts = []
    for number, bar in enumerate(bars, 1):
        items = [bar] if isinstance(bar, str) else bar
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ProgressionError(f"Bar {number} is not a list of chord symbols.")
        words = [
            word
            for item in items
            for part in re.split(r"[\s,]+", item.strip())
            if part
            for word in reader.read(part, None, number)
        ]
        if not words:
            raise ProgressionError(f'Bar {number} is empty: give it a chord, or "%" to repeat one.')
        layouts.append(_bar_layout(words, beats_per_bar, number))
    return _lay_out(layouts, beats_per_bar)


def progression_from_input(
    chords: object, *, key: str | None = None, mode: str = "major", beats_per_bar: int = 4
) -> Progression:
    """Chords as a request gives them: typed text, or a list of bars."""
    if isinstance(chords, str):
        return parse_progression(chords, key=key, mode=mode, beats_per_bar=beats_per_bar)
    if isinstance(chords, list | tuple):
        return progression_from_bars(chords, key=key, mode=mode, beats_per_bar=beats_per_bar)
    raise ProgressionError(
        'Chords are a text such as "C Am F G" or a list of bars such as [["C"], ["Am", "F"]].'
    )


@dataclass(frozen=True, slots=True)
class _Word:
    """A chord or a mark as written, with where it stands for error messages."""

    text: str
    position: int
    column: int | None  # in typed text
    bar: int | None  # in a list of bars
    chord: Chord | None  # None for a mark

    @property
    def where(self) -> str:
        if self.bar is not None:
            return f"bar {self.bar}"
        return f"chord {self.position}, column {self.column}"

    def error(self, message: str) -> ProgressionError:
        return ProgressionError(
            message, token=self.text, position=self.position, column=self.column
        )


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word, open, close, bar
    column: int
    text: str
    word: _Word | None = None
    times: int = 2


_Layout = tuple[tuple[_Word, int], ...]  # a bar: each chord or mark with its beats


class _ChordReader:
    """Reads chords and marks, numbering them as they come and naming the bad one."""

    def __init__(self, key: tuple[int, str] | None) -> None:
        self.key = key
        self.count = 0

    def read(self, text: str, column: int | None, bar: int | None = None) -> list[_Word]:
        """The chord or mark `text` at `column` of typed text or in `bar` of a list; a word
        like `I-V-vi-IV` that is no chord is read as the chords its hyphens separate."""
        if text in HOLD_MARKS or text == BAR_REPEAT_MARK:
            return [self._word(text, column, bar, None)]
        parts = text.split("-")
        try:
            return [self._word(text, column, bar, self._chord(text))]
        except ChordError as error:
            if len(parts) == 1 or not all(parts):
                raise self._error(text, column, bar, error) from None
        words = []
        for part in parts:
            try:
                words.append(self._word(part, column, bar, self._chord(part)))
            except ChordError as error:
                raise self._error(part, column, bar, error) from None
            column = None if column is None else column + len(part) + 1
        return words

    def _word(self, text: str, column: int | None, bar: int | None, chord: Chord | None) -> _Word:
        self.count += 1
        return _Word(text, self.count, column, bar, chord)

    def _chord(self, text: str) -> Chord:
        if is_roman_numeral(text):
            if self.key is None:
                raise _KeyNeededError(text)
            return roman_to_chord(text, *self.key)
        return parse_symbol(text)

    def _error(
        self, text: str, column: int | None, bar: int | None, cause: ChordError
    ) -> ProgressionError:
        word = _Word(text, self.count + 1, column, bar, None)
        if isinstance(cause, _KeyNeededError):
            message = (
                f'The chord "{text}" ({word.where}) is a Roman numeral, which needs a key: '
                "choose a key, or write chord symbols such as Dm7."
            )
        else:
            message = f'The chord "{text}" ({word.where}) is not one we know: {_SYMBOL_EXAMPLES}.'
        return word.error(message)


class _KeyNeededError(ChordError):
    """A Roman numeral read without a key."""


def _tokenize(text: str, reader: _ChordReader) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind, column = match.lastgroup or "", match.start() + 1
        if kind in ("times", "times_before"):
            kind = "close"
        if kind == "close_open":
            tokens += [_Token("close", column, ":|"), _Token("open", column, "|:")]
        elif kind == "close":
            tokens.append(_Token("close", column, ":|", times=_repeat_times(match, column)))
        elif kind in ("open", "bar"):
            tokens.append(_Token(kind, column, match.group()))
        elif kind == "word":
            tokens += [
                _Token("word", column, w.text, w) for w in reader.read(match.group(), column)
            ]
        elif kind == "other":
            raise ProgressionError(
                f'"{match.group()}" at column {column} has no meaning in a progression: '
                f"{_SYMBOL_EXAMPLES}, separated by spaces and bar lines |.",
                token=match.group(),
                column=column,
            )
    return tokens


def _repeat_times(match: re.Match[str], column: int) -> int:
    written = match["times"] or match["times_before"]
    times = 2 if written is None else int(written)
    if not 2 <= times <= MAX_REPEAT_TIMES:
        raise ProgressionError(
            f"The repeat ending at column {column} is played {times} times; "
            f"write 2 to {MAX_REPEAT_TIMES}.",
            token=match.group(),
            column=column,
        )
    return times


def _played_bars(tokens: list[_Token], beats_per_bar: int) -> list[_Layout]:
    """Bars between bar lines, repeats played, in the order they sound. The count of bars is
    checked before each repeat is written out, so a long one is refused without building it."""
    opened: list[tuple[list[_Layout], _Token]] = []  # the bars before each open repeat
    bars: list[_Layout] = []
    words: list[_Word] = []
    written = 0  # bars as written, for messages
    for token in [*tokens, _Token("bar", 0, "|")]:
        if token.word is not None:
            words.append(token.word)
            continue
        if words:
            written += 1
            bars.append(_bar_layout(words, beats_per_bar, written))
            words = []
            if len(bars) + sum(len(outer) for outer, _ in opened) > MAX_BARS:
                raise _too_long()
        if token.kind == "open":
            opened.append((bars, token))
            bars = []
        elif token.kind == "close":
            bars = _close_repeat(opened, bars, token)
    if opened:
        token = opened[-1][1]
        raise ProgressionError(
            f'The repeat that opens at column {token.column} ("|:") never closes: '
            'end it with ":|".',
            token=token.text,
            column=token.column,
        )
    return bars


def _close_repeat(
    opened: list[tuple[list[_Layout], _Token]], inside: list[_Layout], token: _Token
) -> list[_Layout]:
    if not opened:
        raise ProgressionError(
            f'The repeat sign ":|" at column {token.column} closes a repeat that was never '
            'opened: put "|:" where the repeated bars begin.',
            token=token.text,
            column=token.column,
        )
    before, opening = opened.pop()
    if not inside:
        raise ProgressionError(
            f"The repeat from column {opening.column} to column {token.column} holds no bars.",
            token=token.text,
            column=token.column,
        )
    outside = len(before) + sum(len(outer) for outer, _ in opened)
    if outside + len(inside) * token.times > MAX_BARS:
        raise _too_long()
    return before + inside * token.times


def _unbarred_bars(words: list[_Word], beats_per_bar: int) -> list[_Layout]:
    """Chords typed without bar lines: one a bar, or one a beat when hold marks are used."""
    if len(words) > MAX_BARS * beats_per_bar:
        raise _too_long()
    if not any(word.text in HOLD_MARKS for word in words):
        if len(words) > MAX_BARS:
            raise _too_long()
        return [((word, beats_per_bar),) for word in words]
    repeat = next((word for word in words if word.text == BAR_REPEAT_MARK), None)
    if repeat is not None:
        raise repeat.error(
            f'"%" ({repeat.where}) repeats a whole bar: with chords written beat by beat, '
            "put bar lines | around it."
        )
    chunks = [words[start : start + beats_per_bar] for start in range(0, len(words), beats_per_bar)]
    return [_bar_layout(chunk, beats_per_bar, number) for number, chunk in enumerate(chunks, 1)]


def _bar_layout(words: list[_Word], beats_per_bar: int, number: int) -> _Layout:
    """The beats of each chord or mark of one bar."""
    if any(word.text == BAR_REPEAT_MARK for word in words):
        if len(words) > 1:
            mark = next(word for word in words if word.text == BAR_REPEAT_MARK)
            raise mark.error(
                f'"%" ({mark.where}) repeats the whole bar before: write it alone between '
                "bar lines."
            )
        return ((words[0], beats_per_bar),)
    if len(words) > beats_per_bar:
        extra = words[beats_per_bar]
        raise extra.error(
            f"Bar {number} has {len(words)} chords but only {beats_per_bar} beats: "
            f'"{extra.text}" ({extra.where}) would fall on beat {beats_per_bar + 1}, '
            "which the bar does not have."
        )
    if any(word.text in HOLD_MARKS for word in words):
        beats = [1] * len(words)
        beats[-1] += beats_per_bar - len(words)
    else:
        share, extra_beats = divmod(beats_per_bar, len(words))
        beats = [share + (index < extra_beats) for index in range(len(words))]
    return tuple(zip(words, beats, strict=True))


def _lay_out(layouts: list[_Layout], beats_per_bar: int) -> Progression:
    """Chord spans of the bars in playing order: `%` plays the bar before, a hold mark makes
    the chord before last a beat longer."""
    spans: list[ChordSpan] = []
    played: list[_Layout] = []
    for layout in layouts:
        first = layout[0][0]
        if first.text == BAR_REPEAT_MARK:
            if not played:
                raise first.error(
                    f'"%" ({first.where}) repeats the bar before, but there is none before it.'
                )
            layout = played[-1]
        tick = len(played) * beats_per_bar * TICKS_PER_BEAT
        for word, beats in layout:
            duration = beats * TICKS_PER_BEAT
            if word.chord is not None:
                spans.append(ChordSpan(word.chord, tick, duration))
            elif not spans:
                raise word.error(
                    f'"{word.text}" ({word.where}) holds the chord before, '
                    "but none comes before it."
                )
            else:
                spans[-1] = replace(spans[-1], duration=spans[-1].duration + duration)
            tick += duration
        played.append(layout)
    return Progression(tuple(spans), len(played), beats_per_bar)


def read_key(key: str | None, mode: str) -> tuple[int, str] | None:
    """(tonic, mode) of a key such as "C", "Eb", "F#m" or "A minor"; None without a key."""
    if mode not in MODES:
        raise ProgressionError(f'The mode is "major" or "minor", not "{mode}".', token=mode)
    if key is None:
        return None
    match = _KEY.match(key)
    if match is None:
        raise ProgressionError(
            f'"{key}" is not a key: write a note name such as C, F#, Bb or Am.', token=key
        )
    written = match["mode"]
    if written is not None:
        mode = "minor" if written.startswith("m") and not written.startswith("maj") else "major"
    return pitch_class(match["tonic"]), mode


def _too_long() -> ProgressionError:
    return ProgressionError(
        f"The progression is longer than {MAX_BARS} bars once its repeats are played: "
        "shorten it or repeat it fewer times."
    )
