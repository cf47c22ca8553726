"""The `rock` source: Rolling Stone 200 humdrum files. The `**kern` spine gives onsets only,
timed by `*tbN` timebase records (each data line is one 1/N note); tempo from Tempos.tsv.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache
from pathlib import Path

from server.generation.melody import TICKS_PER_QUARTER, Melody, estimate_key
from training.corpora.pieces import Piece, files_under

TIMEBASE = re.compile(r"^\*tb(\d+)(?:%(\d+))?(\.*)$")  # *tb8 = eighths, *tb8%9 = 9/8 of a whole
METER = re.compile(r"^\*M(\d+)/(\d+)$")
KEY = re.compile(r"^\*([A-Ga-g])([#-]*):(.*)$")
KERN_PITCH = re.compile(r"^([A-Ga-g])\1*([#-]*)$")
MINOR_MODES = ("", "dor", "phr", "aeo")  # after a lower-case tonic; other modes count as major
MAX_NOTE_BARS = 1  # a note with no onset after it for longer is held one bar, then rests


def list_songs(folder: str) -> list[Piece]:
    root = Path(folder)
    return [
        Piece("rock", "rock", str(path), path.relative_to(root).as_posix())
        for path in files_under(root, ".hum")
    ]


def read_song(piece: Piece) -> Melody:
    text = Path(piece.path).read_text(encoding="utf-8", errors="replace")
    score = humdrum_to_onsets(text)
    melody = onsets_to_melody(score, genre=piece.genre, name=piece.name)
    melody.tempo = song_tempos(str(Path(piece.path).parent)).get(title_key(text, piece.path), 120.0)
    return melody


class KernOnsets:
    """What the reader collects: (tick, pitch or None for a rest) onsets and the first meter,
    key and bar line."""

    def __init__(self) -> None:
        self.onsets: list[tuple[int, int | None]] = []
        self.end_tick = 0
        self.bar_ticks: int | None = None
        self.first_bar_tick: int | None = None
        self.key: tuple[int, str] | None = None


def humdrum_to_onsets(text: str) -> KernOnsets:
    """Walk the **kern spine line by line; time advances one timebase step per data line."""
    lines = [line.split("\t") for line in text.splitlines() if line and not line.startswith("!")]
    header = next((cols for cols in lines if cols[0].startswith("**")), None)
    if header is None or "**kern" not in header:
        raise ValueError("no **kern spine in the file")
    column = header.index("**kern")
    found, now, step = KernOnsets(), Fraction(0), None
    for cols in lines:
        token = cols[column] if column < len(cols) else "."
        if token.startswith("*"):
            step = _read_interpretation(token, found, step)
        elif token.startswith("="):
            if found.first_bar_tick is None:
                found.first_bar_tick = round(now)
        else:
            if step is None:
                raise ValueError("a data line comes before any *tb timebase")
            _read_data_token(token, round(now), found)
            now += step
    found.end_tick = round(now)
    return found


def _read_interpretation(token: str, found: KernOnsets, step: Fraction | None) -> Fraction | None:
    """Updates timebase, meter and key; returns the step (ticks per data line)."""
    if match := TIMEBASE.match(token):
        whole = Fraction(4 * TICKS_PER_QUARTER * int(match[2] or 1), int(match[1]))
        dots = len(match[3])
        return whole * (2 - Fraction(1, 2**dots))  # a dotted timebase is 1.5x, two dots 1.75x
    if (match := METER.match(token)) and found.bar_ticks is None:
        found.bar_ticks = 4 * TICKS_PER_QUARTER * int(match[1]) // int(match[2])
    elif (match := KEY.match(token)) and found.key is None:
        found.key = kern_key_to_key(match[1], match[2], match[3])
    return step


def _read_data_token(token: str, tick: int, found: KernOnsets) -> None:
    if token in (".", ""):
        return
    if "r" in token:
        found.onsets.append((tick, None))
        return
    found.onsets.append((tick, kern_to_midi(token)))


def kern_to_midi(token: str) -> int:
    """Kern pitch: c = middle C (60), cc = C5, C = C3, CC = C2; # sharp, - flat."""
    match = KERN_PITCH.match(token.strip("[]_;()'{}"))
    if match is None:
        raise ValueError(f"cannot read the kern pitch {token!r}")
    letter, accidentals = match[1], match[2]
    repeats = len(token.strip("[]_;()'{}")) - len(accidentals)
    octave = 3 + repeats if letter.islower() else 4 - repeats
    step = "C D EF G A B".index(letter.upper())
    return 12 * (octave + 1) + step + accidentals.count("#") - accidentals.count("-")


def kern_key_to_key(letter: str, accidentals: str, mode: str) -> tuple[int, str]:
    """`*e:dor` -> (4, "minor"): lower case is minor, modes folded to the nearer of the two."""
    tonic = "C D EF G A B".index(letter.upper()) + accidentals.count("#") - accidentals.count("-")
    is_minor = letter.islower() and (mode in MINOR_MODES or mode.startswith("#"))
    return tonic % 12, "minor" if is_minor else "major"


def onsets_to_melody(score: KernOnsets, *, genre: str | None, name: str) -> Melody:
    """A note lasts until the next onset or rest, held at most MAX_NOTE_BARS bars."""
    bar = score.bar_ticks or 4 * TICKS_PER_QUARTER
    shift = -(score.first_bar_tick or 0) % bar  # so that tick 0 is a bar line
    if not any(pitch is not None for _, pitch in score.onsets):
        raise ValueError("the melody spine has no notes")
    ends = [tick for tick, _ in score.onsets[1:]] + [score.end_tick]
    spans = [
        (start + shift, min(end, start + MAX_NOTE_BARS * bar) + shift, pitch)
        for (start, pitch), end in zip(score.onsets, ends, strict=True)
        if pitch is not None and end > start
    ]
    melody = Melody.from_spans(spans, bar_ticks=bar, genre=genre, name=name)
    melody.tonic, melody.mode = estimate_key(melody, key_hint=score.key)
    return melody


@cache
def song_tempos(folder: str) -> dict[str, float]:
    """Title key -> bpm from Tempos.tsv (`name.hum<TAB>artist<TAB>bpm`); empty when absent."""
    path = Path(folder) / "Tempos.tsv"
    if not path.is_file():
        return {}
    tempos = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        cols = line.split("\t")
        bpm = re.match(r"\d+(\.\d+)?", cols[2].strip()) if len(cols) >= 3 else None
        if bpm:  # a song with tempo changes lists them all ("72,142,148"): the first is kept
            tempos[_normalized(cols[0].removesuffix(".hum"))] = float(bpm[0])
    return tempos


def title_key(text: str, path: str) -> str:
    """The song title as Tempos.tsv names it: from `!!!OTL:`, else the file's middle name part
    (Artist_Title_Year.hum), lower case letters and digits only."""
    match = re.search(r"^!!!OTL:\s*(.+)$", text, re.MULTILINE)
    if match:
        return _normalized(match[1])
    parts = Path(path).stem.split("_")
    return _normalized(parts[1] if len(parts) >= 3 else Path(path).stem)


def _normalized(title: str) -> str:
    """'(We're Gonna) Rock Around the Clock' -> 'rockaroundtheclock'."""
    title = re.sub(r"\([^)]*\)", "", title.replace("_", " "))
    return re.sub(r"[^a-z0-9]", "", title.lower().replace("&", "and"))
