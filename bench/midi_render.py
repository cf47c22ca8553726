"""What writing one saved song's MIDI file costs: the direct writer (`server/generation/smf.py`)
against mido's message objects (`tests/generation/mido_reference.py`, the writer songs were
saved with before), alternating, on the same seeded 12-bar melodies at 120 bpm with and without
chords. `python -m bench.midi_render`; JSON in `bench/results/midi-render-latest.json`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

from bench.machine import commit, conditions
from server.config import REPO_ROOT
from server.generation.melody import Melody
from server.generation.midi_writing import melody_to_midi
from server.generation.notes import Note
from server.generation.progression_text import parse_progression
from server.models.song import chords_under
from tests.generation.mido_reference import mido_melody_to_midi

BARS = 12
CHORDS = "C | Am | F | G7"
Writer = Callable[..., bytes]


def melody(seed: int) -> tuple[list[Note], Melody]:
    """About 1.8 notes a beat, as the shipped model writes at 120 bpm."""
    rng = random.Random(seed)
    notes, now = [], 0
    while now < BARS * 48:
        duration = rng.choice((3, 6, 6, 12))
        notes.append(Note(rng.randint(55, 79), now, duration))
        now += duration
    return notes, Melody.from_notes(notes, tempo=120, name="Jazz melody in C major")


def time_writer(write: Writer, songs: list[tuple[Melody, dict]], rounds: int) -> list[float]:
    """Milliseconds per song, one figure per round over all the songs."""
    figures = []
    for _ in range(rounds):
        began = time.perf_counter()
        for song, options in songs:
            write(song, **options)
        figures.append(1e3 * (time.perf_counter() - began) / len(songs))
    return figures


def measure(chords: bool, songs: int, rounds: int) -> dict:
    made = []
    for seed in range(songs):
        notes, song = melody(seed)
        options: dict = {"program": 0, "track_name": "Melody (Grand piano)"}
        if chords:
            options["chords"] = chords_under(notes, 48, parse_progression(CHORDS))
        made.append((song, options))
    direct: list[float] = []
    mido: list[float] = []
    for _ in range(rounds):  # alternating, so that a busy moment hits both
        direct += time_writer(melody_to_midi, made, 1)
        mido += time_writer(mido_melody_to_midi, made, 1)
    notes = statistics.mean(song.note_count for song, _ in made)
    return {
        "chords": chords,
        "songs": songs,
        "notes_per_song": round(notes, 1),
        "direct_ms": round(statistics.median(direct), 3),
        "mido_ms": round(statistics.median(mido), 3),
        "mido_over_direct": round(statistics.median(mido) / statistics.median(direct), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.midi_render", description=__doc__)
    parser.add_argument("--songs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    results = {"commit": commit(), "conditions": conditions()}
    results["runs"] = [measure(chords, args.songs, args.rounds) for chords in (False, True)]
    out = REPO_ROOT / "bench" / "results" / "midi-render-latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results["runs"], indent=2))


if __name__ == "__main__":
    main()
