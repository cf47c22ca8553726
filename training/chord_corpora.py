"""Readers of the chord-annotated corpora: POP909 songs (MELODY and accompaniment tracks, timed by
the dataset's beats, labelled by its chord annotations) and RS200 songs (the **kern melody and
the first **harte spine), each as notes on the 12-ticks-per-beat grid with one label per beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import mido
import numpy as np

from server.generation.chord_recognizer import Span
from server.generation.midi_io import read_midi
from server.generation.notes import TICKS_PER_BEAT
from training.corpora.pieces import Piece, files_under
from training.corpora.rs200 import TIMEBASE, humdrum_to_onsets, onsets_to_melody
from training.dataset import split_of

MELODY_TRACK = "MELODY"
SPLITS = ("train", "valid", "test")
NO_LABEL = "N"


@dataclass
class AnnotatedSong:
    """One song with reference chords: `labels` holds the Harte label sounding at the middle of
    each beat (beat i spans ticks 12i..12i+12); `accompaniment` is empty where the corpus has
    only the tune (RS200); bar lines fall at `pickup_ticks` + k * `bar_ticks`; `tracks` holds
    the notes of each named track apart (POP909's MELODY, BRIDGE, PIANO) and `downbeats` the
    beats the corpus marks as bar lines (its bars are not all of `bar_ticks`)."""

    name: str
    melody: list[Span]
    accompaniment: list[Span]
    labels: list[str]
    bar_ticks: int = 48
    pickup_ticks: int = 0
    key: tuple[int, str] | None = None  # as the melody reader estimated it (RS200)
    tracks: dict[str, list[Span]] = field(default_factory=dict)  # by track name (POP909)
    downbeats: list[int] = field(default_factory=list)  # annotated bar lines, beats (POP909)

    @property
    def arrangement(self) -> list[Span]:
        return self.melody + self.accompaniment


def song_split(path: str | Path) -> str:
    """`train`, `valid` or `test` (80/10/10): the split the melody network puts the same song
    in (POP909 as the `pop` source, RS200 as the `rock` one), so that no song tested here
    trained the network, or the other way round."""
    path = Path(path)
    kind = "rock" if path.suffix == ".hum" else "pop"
    return split_of(Piece(kind, kind, str(path), path.name))


def list_pop909(folder: str | Path) -> list[Path]:
    """The POP909 songs that have their chord and beat annotations, in number order."""
    root = Path(folder)
    return [
        path
        for path in files_under(root, ".mid")
        if (root / "annotations" / f"{path.stem}.chords.txt").is_file()
        and (root / "annotations" / f"{path.stem}.beats.txt").is_file()
    ]


def read_pop909(path: str | Path) -> AnnotatedSong:
    """A POP909 song: note times in seconds mapped onto its annotated beats, bar lines at its
    annotated downbeats, the chord label at each beat's middle."""
    path = Path(path)
    annotations = path.parent / "annotations"
    beats = np.loadtxt(annotations / f"{path.stem}.beats.txt", ndmin=2)
    times, downbeats = beats[:, 0], np.flatnonzero(beats[:, 2] > 0.5)
    midi, parts, _ = read_midi(path.read_bytes())
    tempo_map = _tempo_map(midi)
    melody: list[Span] = []
    accompaniment: list[Span] = []
    tracks: dict[str, list[Span]] = {}
    for part in parts:
        name = part.name.strip().upper()
        spans = _notes_on_beats(part.notes, tempo_map, times)
        (melody if name == MELODY_TRACK else accompaniment).extend(spans)
        tracks.setdefault(name, []).extend(spans)
    bar_beats = int(np.median(np.diff(downbeats))) if len(downbeats) > 1 else 4
    first = int(downbeats[0]) if len(downbeats) else 0
    chords = _read_chord_rows(annotations / f"{path.stem}.chords.txt")
    middles = (times + np.append(np.diff(times), np.median(np.diff(times))) / 2).tolist()
    return AnnotatedSong(
        name=path.stem,
        melody=melody,
        accompaniment=accompaniment,
        labels=[_label_at(chords, middle) for middle in middles],
        bar_ticks=bar_beats * TICKS_PER_BEAT,
        pickup_ticks=first % bar_beats * TICKS_PER_BEAT,
        tracks=tracks,
        downbeats=downbeats.tolist(),
    )


def _tempo_map(midi: mido.MidiFile) -> np.ndarray:
    """(3, changes) the tempo map: the source tick of every tempo change, the second it falls
    at, and the seconds per tick from there on."""
    changes = sorted(
        (tick, message.tempo)
        for track in midi.tracks
        for tick, message in zip(np.cumsum([m.time for m in track]), track, strict=True)
        if message.type == "set_tempo"
    )
    ticks, tempos = [0], [500_000]
    for tick, tempo in changes:
        if tick == ticks[-1]:
            tempos[-1] = tempo
        else:
            ticks.append(int(tick))
            tempos.append(tempo)
    per_tick = np.array(tempos) / 1e6 / midi.ticks_per_beat
    seconds = np.concatenate([[0.0], np.cumsum(np.diff(ticks) * per_tick[:-1])])
    return np.stack([np.array(ticks, dtype=float), seconds, per_tick])


def _seconds_of(ticks: np.ndarray, tempo_map: np.ndarray) -> np.ndarray:
    starts, seconds, per_tick = tempo_map
    index = np.searchsorted(starts, ticks, side="right") - 1
    result: np.ndarray = seconds[index] + (ticks - starts[index]) * per_tick[index]
    return result


def _notes_on_beats(
    notes: Sequence[tuple[int, int, int]], tempo_map: np.ndarray, beat_times: np.ndarray
) -> list[Span]:
    """Source-tick notes as grid-tick spans: seconds, then beats by linear interpolation
    between the annotated beats (extended at the song's ends by its mean beat)."""
    if not notes:
        return []
    array = np.array(notes, dtype=float)
    span = beat_times[-1] - beat_times[0]
    step = span / max(len(beat_times) - 1, 1)
    grid = np.concatenate(
        [[beat_times[0] - 1000 * step], beat_times, [beat_times[-1] + 1000 * step]]
    )
    positions = np.concatenate([[-1000.0], np.arange(len(beat_times)), [len(beat_times) + 999.0]])
    onsets = np.interp(_seconds_of(array[:, 0], tempo_map), grid, positions)
    ends = np.interp(_seconds_of(array[:, 1], tempo_map), grid, positions)
    starts = np.rint(onsets * TICKS_PER_BEAT).astype(int)
    stops = np.maximum(np.rint(ends * TICKS_PER_BEAT).astype(int), starts + 1)
    return [
        (int(start), int(stop), int(pitch))
        for start, stop, pitch in zip(starts, stops, array[:, 2], strict=True)
        if start >= 0
    ]


def _read_chord_rows(path: Path) -> list[tuple[float, float, str]]:
    rows = []
    for line in path.read_text().splitlines():
        cols = line.split("\t")
        if len(cols) >= 3:
            rows.append((float(cols[0]), float(cols[1]), cols[2].strip()))
    return rows


def _label_at(rows: list[tuple[float, float, str]], time: float) -> str:
    return next((label for start, end, label in rows if start <= time < end), NO_LABEL)


def list_rs200(folder: str | Path) -> list[Path]:
    return files_under(folder, ".hum")


def read_rs200(path: str | Path) -> AnnotatedSong:
    """An RS200 song: the melody as the rock reader takes it, the first **harte spine's label at
    the middle of each beat (a chord lasts until the next one)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    score = humdrum_to_onsets(text)
    melody = onsets_to_melody(score, genre="rock", name=path.stem)
    shift = -(score.first_bar_tick or 0) % melody.bar_ticks
    first_note = min(tick for tick, pitch in score.onsets if pitch is not None) + shift
    spans = [(n.start + first_note, n.end + first_note, n.pitch) for n in melody.notes()]
    changes = [(tick + shift, label) for tick, label in harte_changes(text)]
    total = score.end_tick + shift
    labels = [
        _label_before(changes, beat * TICKS_PER_BEAT + TICKS_PER_BEAT // 2)
        for beat in range(-(-total // TICKS_PER_BEAT))
    ]
    return AnnotatedSong(
        name=path.stem,
        melody=spans,
        accompaniment=[],
        labels=labels,
        bar_ticks=melody.bar_ticks,
        pickup_ticks=0,
        key=(melody.tonic, melody.mode),
    )


def harte_changes(text: str) -> list[tuple[int, str]]:
    """(tick, Harte label) at every chord change of the first **harte spine, timed as the
    **kern spine's timebase gives it (one step per data line)."""
    lines = [line.split("\t") for line in text.splitlines() if line and not line.startswith("!")]
    header = next((cols for cols in lines if cols[0].startswith("**")), None)
    if header is None or "**harte" not in header or "**kern" not in header:
        raise ValueError("no **harte and **kern spines in the file")
    harte, kern = header.index("**harte"), header.index("**kern")
    changes: list[tuple[int, str]] = []
    now, step = Fraction(0), Fraction(0)
    for cols in lines:
        token = cols[kern] if kern < len(cols) else "."
        if token.startswith("*"):
            step = _timebase_step(token) or step
        elif not token.startswith("="):
            label = cols[harte] if harte < len(cols) else "."
            if label not in (".", ""):
                changes.append((round(now), label))
            now += step
    return changes


def _timebase_step(token: str) -> Fraction | None:
    """Ticks per data line that a `*tbN` record sets (as the rock reader times the melody)."""
    match = TIMEBASE.match(token)
    if match is None:
        return None
    whole = Fraction(4 * TICKS_PER_BEAT * int(match[2] or 1), int(match[1]))
    return whole * (2 - Fraction(1, 2 ** len(match[3])))


def _label_before(changes: list[tuple[int, str]], tick: int) -> str:
    label = NO_LABEL
    for start, name in changes:
        if start > tick:
            break
        label = name
    return label
