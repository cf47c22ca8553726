"""The `jazz` source: Weimar Jazz Database solos (`*_solo.csv`: pitch, onset s, duration s; no
header) timed by `solos.csv` (`base_name`, `avgtempo` bpm), quantized one interval at a time.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np

from server.generation.melody import TICKS_PER_QUARTER, Event, Melody, estimate_key
from server.generation.midi_io import snap_to_performance_grid
from training.corpora.pieces import Piece, files_under

SOLO_SUFFIX = "_solo.csv"
MIN_LAST_TICKS = 3  # the final note lasts at least a sixteenth
REST_GAP_BEATS = 0.5  # silence of at least an eighth between notes is a rest, less is phrasing


def list_solos(folder: str) -> list[Piece]:
    root = Path(folder)
    return [
        Piece("jazz", "jazz", str(path), path.relative_to(root).as_posix())
        for path in files_under(root, ".csv")
        if path.name.endswith(SOLO_SUFFIX)
    ]


@cache
def solo_tempos(folder: str) -> dict[str, float]:
    """base_name -> average tempo in bpm, from the folder's solos.csv (empty when absent)."""
    path = Path(folder) / "solos.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {row["base_name"]: float(row["avgtempo"]) for row in rows if row.get("avgtempo")}


def read_solo(piece: Piece) -> Melody:
    path = Path(piece.path)
    notes = np.loadtxt(path, delimiter=",", ndmin=2)
    if notes.shape[0] < 2 or notes.shape[1] < 3:
        raise ValueError(f"{path.name}: expected rows of pitch, onset, duration")
    notes = notes[np.argsort(notes[:, 1], kind="stable")]
    bpm = solo_tempos(str(path.parent)).get(path.name.removesuffix(SOLO_SUFFIX))
    if bpm is None:
        # Estimating the beat from note spacing was within 10% for only a third of the solos
        # that have metadata, so such a solo is skipped rather than guessed.
        raise ValueError(f"{path.name} has no row with avgtempo in solos.csv")
    events = performance_to_events(notes, 60.0 / bpm)
    melody = Melody(events, tempo=bpm, genre=piece.genre, name=piece.name)
    melody.tonic, melody.mode = estimate_key(melody)
    return melody


def performance_to_events(notes: np.ndarray, beat_seconds: float) -> list[Event]:
    """(pitch, onset s, duration s) rows -> events. Each inter-onset interval is quantized on
    its own (nearest sixteenth or eighth triplet), so tempo drift never accumulates."""
    pitches = notes[:, 0].astype(int)
    onset_beats, length_beats = notes[:, 1] / beat_seconds, notes[:, 2] / beat_seconds
    intervals = snap_to_performance_grid(np.diff(onset_beats) * TICKS_PER_QUARTER)
    lengths = snap_to_performance_grid(length_beats * TICKS_PER_QUARTER)
    gaps = np.diff(onset_beats) - length_beats[:-1]
    events: list[Event] = []
    for index, interval in enumerate(intervals.tolist()):
        if interval == 0:  # an ornament faster than the grid: its onset joins the next note
            continue
        sounding = int(lengths[index])
        if gaps[index] >= REST_GAP_BEATS and 0 < sounding < interval:
            events += [Event(int(pitches[index]), sounding), Event(None, interval - sounding)]
        else:
            events.append(Event(int(pitches[index]), interval))
    events.append(Event(int(pitches[-1]), max(int(lengths[-1]), MIN_LAST_TICKS)))
    return events
