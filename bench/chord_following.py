"""How well melodies follow typed chords, and what following them costs: the share of notes on
strong beats (1 and 3) that are tones of the chord sounding, with the chords (the network reads
them, and the genre's bias where it has one), with the network reading them but no bias, and
without chords (the same seeds, the chords only measured against), per genre over a pop and a
jazz progression, beside real melodies of each genre over their labels (the test split of the
encoded corpora, when `python -m training.encode` has cached them);
and the time per event of one 64-bar stream with and without chords, one BLAS thread as the
server runs it. For reference, the same share in real pop: POP909's sung melodies against the
dataset's own chord and beat labels (every fourth song; $CADENZA_DATA or ../shared/data).
`python -m bench.chord_following` prints them as JSON.
"""

from __future__ import annotations

import bisect
import json
import statistics
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import mido
from threadpoolctl import threadpool_limits

from server.config import REPO_ROOT
from server.generation.chord_following import STRONG_BEAT_TICKS
from server.generation.chords import ChordError, parse_harte
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, Melody
from server.generation.melody_stream import BAR_TICKS, MelodyStream
from server.generation.progression import Progression
from server.generation.progression_presets import preset
from server.generation.sampler import SamplingParams, generate
from server.generation.vocabulary import default_vocabulary
from training.corpora import shared_data_dir

PIECES = 20  # seeded pieces per genre and progression
BARS = 16
COST_BARS = 64
COST_RUNS = 5  # the median is reported
PROGRESSIONS = {"pop I-V-vi-IV": "pop", "jazz ii-V-I": "ii-v-i"}
ONSET_TOLERANCE = 0.06  # seconds between a sung onset and the labelled beat it falls on


def strong_beat_chord_tones(melodies: list[Melody], chords: Progression) -> tuple[int, int]:
    """(chord tones, notes) among the notes that start on a strong beat under a chord."""
    tones = notes = 0
    for melody in melodies:
        for note in melody.notes():
            chord = chords.chord_at(note.start)
            if note.start % BAR_TICKS in STRONG_BEAT_TICKS and chord.is_chord:
                notes += 1
                tones += note.pitch % 12 in chord.pitch_classes()
    return tones, notes


def following(network: LstmNetwork, key: str = "D") -> dict[str, dict[str, dict[str, float]]]:
    """Per progression and genre: the strong-beat chord-tone share and notes a beat, with the
    bias and without."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, name in PROGRESSIONS.items():
        chords = preset(name, key).looped_to(BARS)
        results[label] = {}
        for genre in GENRES:
            free = [SamplingParams(genre=genre, key=key, bars=BARS, seed=s) for s in range(PIECES)]
            row: dict[str, float] = {}
            for variant, params in (
                ("with_chords", [replace(p, chords=chords) for p in free]),
                ("network_only", [replace(p, chords=chords) for p in free]),
                ("without", free),
            ):
                melodies = written(network, params, bias=variant != "network_only")
                tones, notes = strong_beat_chord_tones(melodies, chords)
                row[f"share_{variant}"] = round(tones / max(notes, 1), 3)
                beats = PIECES * BARS * 4
                row[f"notes_per_beat_{variant}"] = round(
                    sum(m.note_count for m in melodies) / beats, 2
                )
            results[label][genre] = row
    return results


def written(network: LstmNetwork, params: list[SamplingParams], *, bias: bool) -> list[Melody]:
    """The melodies, with the genre's chord bias or (bias False) the network's logits alone."""
    off = patch.object(MelodyStream, "pitch_bias", lambda stream: None)
    with nullcontext() if bias else off:
        return generate(network, params)


def real_shares() -> dict[str, dict[str, float]]:
    """Per genre, the share in the test pieces over their labels (empty without the cache)."""
    from training.arrays import load_arrays
    from training.dataset import default_cache_dir
    from training.evaluate import strong_beat_chord_tone_share

    cached = sorted(default_cache_dir().glob("encoded-*.npz"))
    if not cached:
        return {}
    pieces = load_arrays(cached[-1])["test"]
    vocabulary = default_vocabulary()
    shares = {}
    for genre in GENRES:
        mine = [piece for piece in pieces if piece.genre == vocabulary.genre_id(genre)]
        share, notes = strong_beat_chord_tone_share(mine, vocabulary)
        shares[genre] = {"share": round(share, 3), "strong_beat_notes": notes}
    return shares


def cost_per_event(network: LstmNetwork) -> dict[str, float]:
    """Milliseconds an event (a note or rest: one step) of one 64-bar pop stream, with the pop
    progression and without, after a warm-up; the two are timed in turn so that the machine's
    load falls on both alike. A step is the unit: the chords change how many notes and rests
    a seed writes, not what each costs."""
    chords = preset("pop", "C")
    variants = {
        "with_chords_ms_per_event": SamplingParams(
            genre="pop", bars=COST_BARS, seed=1, chords=chords
        ),
        "without_ms_per_event": SamplingParams(genre="pop", bars=COST_BARS, seed=1),
    }
    runs: dict[str, list[float]] = {variant: [] for variant in variants}
    generate(network, list(variants.values()))
    for _ in range(COST_RUNS):
        for variant, params in variants.items():
            began = time.perf_counter()
            melody = generate(network, [params])[0]
            runs[variant].append((time.perf_counter() - began) * 1000 / len(melody.events))
    costs = {variant: round(statistics.median(times), 4) for variant, times in runs.items()}
    costs["ratio"] = round(costs["with_chords_ms_per_event"] / costs["without_ms_per_event"], 3)
    return costs


def pop909_share(folder: Path) -> dict[str, float]:
    """The strong-beat chord-tone share of POP909's MELODY tracks: onsets within
    ONSET_TOLERANCE of a beat the dataset marks as beat 1 or 3, against its chord labels."""
    tones = notes = 0
    for song in sorted(folder.glob("*.mid"))[::4]:
        labels = folder / "annotations" / f"{song.stem}"
        beats = [line.split() for line in Path(f"{labels}.beats.txt").read_text().splitlines()]
        chords = [
            line.split("\t") for line in Path(f"{labels}.chords.txt").read_text().splitlines()
        ]
        strong = [float(beat[0]) for beat in beats if float(beat[1]) == 1.0]
        chord_starts = [float(chord[0]) for chord in chords]
        for onset, pitch in _melody_onsets(mido.MidiFile(song)):
            near = bisect.bisect_left(strong, onset - ONSET_TOLERANCE)
            under = bisect.bisect_right(chord_starts, onset + 0.01) - 1
            if near == len(strong) or abs(strong[near] - onset) > ONSET_TOLERANCE or under < 0:
                continue
            try:
                chord = parse_harte(chords[under][2])
            except ChordError:
                continue
            if chord.is_chord:
                notes += 1
                tones += pitch % 12 in chord.pitch_classes()
    return {"share": round(tones / max(notes, 1), 3), "strong_beat_notes": notes}


def _melody_onsets(midi: mido.MidiFile) -> list[tuple[float, int]]:
    """(seconds, pitch) of each note of the MELODY track, timed by the conductor track."""
    melody = [track for track in midi.tracks if track.name.upper().startswith("MELODY")]
    if not melody:
        return []
    onsets, tempo, now = [], 500_000, 0.0
    for message in mido.merge_tracks([midi.tracks[0], melody[0]]):
        now += mido.tick2second(message.time, midi.ticks_per_beat, tempo)
        if message.type == "set_tempo":
            tempo = message.tempo
        elif message.type == "note_on" and message.velocity > 0:
            onsets.append((now, message.note))
    return onsets


def main() -> None:
    network = LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")
    with threadpool_limits(limits=1):
        report = {"cost_per_event": cost_per_event(network), "chord_tones": following(network)}
    pop909 = shared_data_dir() / "pop909"
    if pop909.is_dir():
        report["real_pop909"] = pop909_share(pop909)
    report["real_test_split"] = real_shares()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
