"""How the band plays, per genre (`python -m training.evaluate_band [--pieces N] [--json]`):
bands written as the studio writes them (the shipped progression network chooses the chords
and form from each piece's seed; the genre's style plays over them), measured for what a
musician listens for first.

- bass: the share of downbeats where the bass sounds a chord tone of the chord there (target
  >= 90%), and the share of downbeats the bass plays at all;
- chords: the share of comping notes in the chord sounding at their onset, by pitch class
  (jazz voicings add 9ths and 13ths on purpose: its share is lower by design);
- drums: where each kind of drum strikes in a bar of four (the onset histogram over sixteenth
  positions) and the figures a style is known by: the snare's share on beats 2 and 4 (the
  backbeat of pop and rock), the kick's on beats 1 and 3, the pedal hi-hat's on 2 and 4 and the
  ride's swung upbeats (jazz), and hits per bar.

The shared corpora hold no drum parts (POP909, RS200 and the Weimar Jazz Database transcribe
melodies, chords and piano; none a kit), so the drums are checked against these figures of the
genres' standard patterns rather than against real drummers' histograms."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable

from server.generation.band.piece_band import band_for
from server.generation.notes import BASS, CHORDS, DRUMS, TICKS_PER_BEAT, Note
from server.generation.progression import Progression
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords
from server.generation.sampling_params import SamplingParams

GENRES = ("pop", "rock", "jazz", "classical", "folk")
KEYS = (("C", "major"), ("A", "minor"), ("G", "major"), ("E", "minor"), ("F", "major"))
TEMPO = {"pop": 100, "rock": 120, "jazz": 140, "classical": 90, "folk": 110}
SIXTEENTH = TICKS_PER_BEAT // 4
DRUM_KINDS = {
    "kick": {35, 36},
    "snare": {37, 38, 40},
    "hi-hat": {42, 46},
    "pedal hi-hat": {44},
    "ride": {51, 53, 59},
    "crash": {49, 57},
    "toms": {41, 43, 45, 47, 48, 50},
    "hand percussion": {39, 54, 56, 69, 70, 82},
}


def band_pieces(genre: str, pieces: int, bars: int, network: ProgressionNetwork):
    """(params, band notes) of `pieces` seeded pieces of `genre`, the keys taken in turn."""
    for seed in range(pieces):
        key, mode = KEYS[seed % len(KEYS)]
        params = SamplingParams(
            genre=genre,
            key=key,
            mode=mode,
            tempo=TEMPO[genre],
            bars=bars,
            seed=seed,
            write_chords=True,
            band=True,
        )
        params = with_written_chords(params, network)
        band = band_for(params)
        assert band is not None and params.chords is not None
        yield params.chords, band.rest()


def sounding_at(notes: Iterable[Note], tick: int) -> list[Note]:
    return [note for note in notes if note.start <= tick < note.start + note.duration]


def bass_figures(chords: Progression, bass: list[Note]) -> tuple[int, int, int]:
    """(downbeats with a chord, of them with a bass note, of those on a chord tone)."""
    downbeats = played = on_tone = 0
    for tick in range(0, chords.total_ticks, chords.bar_ticks):
        chord = chords.chord_at(tick)
        if not chord.is_chord:
            continue
        downbeats += 1
        sounding = sounding_at(bass, tick)
        if sounding:
            played += 1
            lowest = min(sounding, key=lambda note: note.pitch)
            on_tone += lowest.pitch % 12 in chord.pitch_classes()
    return downbeats, played, on_tone


def chord_tone_share(chords: Progression, comping: list[Note]) -> tuple[int, int]:
    tones = sum(
        note.pitch % 12 in chords.chord_at(note.start).pitch_classes()
        for note in comping
        if chords.chord_at(note.start).is_chord
    )
    return tones, len(comping)


def drum_kind(pitch: int) -> str:
    return next((kind for kind, notes in DRUM_KINDS.items() if pitch in notes), "other")


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def evaluate_genre(genre: str, pieces: int, bars: int, network: ProgressionNetwork) -> dict:
    downbeats = played = on_tone = tones = comped = 0
    onsets: dict[str, Counter[int]] = {}
    notes_per_part: Counter[str] = Counter()
    bar_count = 0
    for chords, notes in band_pieces(genre, pieces, bars, network):
        bar_count += bars
        by_part = {part: [note for note in notes if note.part == part] for part in (BASS, CHORDS)}
        figures = bass_figures(chords, by_part[BASS])
        downbeats, played, on_tone = (
            a + b for a, b in zip((downbeats, played, on_tone), figures, strict=True)
        )
        chord_tones, count = chord_tone_share(chords, by_part[CHORDS])
        tones, comped = tones + chord_tones, comped + count
        notes_per_part.update(note.part for note in notes)
        for note in notes:
            if note.part == DRUMS and chords.bar_ticks == 4 * TICKS_PER_BEAT:
                position = (note.start % chords.bar_ticks) // SIXTEENTH
                onsets.setdefault(drum_kind(note.pitch), Counter())[position] += 1
    return {
        "pieces": pieces,
        "bars": bar_count,
        "bass_chord_tone_on_downbeats": share(on_tone, played),
        "bass_on_downbeats": share(played, downbeats),
        "comping_chord_tone_share": share(tones, comped),
        "notes_per_bar": {part: round(n / bar_count, 2) for part, n in notes_per_part.items()},
        "drums": drum_figures(onsets, bar_count),
    }


def on_positions(counts: Counter[int] | None, positions: Iterable[int]) -> float | None:
    if not counts:
        return None
    return share(sum(counts[p] for p in positions), sum(counts.values()))


def drum_figures(onsets: dict[str, Counter[int]], bars: int) -> dict:
    """The sixteenth-position histogram per kind of drum, and the styles' signature shares."""
    beat = 4  # sixteenths
    return {
        "hits_per_bar": {kind: round(sum(c.values()) / bars, 2) for kind, c in onsets.items()},
        "histogram": {
            kind: [share(counts[p], sum(counts.values())) for p in range(16)]
            for kind, counts in sorted(onsets.items())
        },
        "snare_on_2_and_4": on_positions(onsets.get("snare"), (beat, 3 * beat)),
        "kick_on_1_and_3": on_positions(onsets.get("kick"), (0, 2 * beat)),
        "pedal_hat_on_2_and_4": on_positions(onsets.get("pedal hi-hat"), (beat, 3 * beat)),
        # Swung upbeats land on the last triplet of a beat: the third sixteenth, rounded down.
        "ride_on_beats_or_swung_upbeats": on_positions(
            onsets.get("ride"), [b * beat + offset for b in range(4) for offset in (0, 2, 3)]
        ),
    }


def evaluate(pieces: int, bars: int) -> dict:
    network = ProgressionNetwork.load()
    return {genre: evaluate_genre(genre, pieces, bars, network) for genre in GENRES}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_band", description=__doc__)
    parser.add_argument("--pieces", type=int, default=40, help="seeded pieces per genre")
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = evaluate(args.pieces, args.bars)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for genre, figures in results.items():
        drums = figures["drums"]
        print(
            f"{genre:9s} bass chord tone on downbeats {figures['bass_chord_tone_on_downbeats']}"
            f" (plays {figures['bass_on_downbeats']}), comping chord tones "
            f"{figures['comping_chord_tone_share']}, snare on 2&4 {drums['snare_on_2_and_4']},"
            f" kick on 1&3 {drums['kick_on_1_and_3']}, notes a bar {figures['notes_per_bar']}"
        )


if __name__ == "__main__":
    main()
