"""Measure (and, with --fit, fit) the melody-track chooser:
`python -m training.evaluate_melody_track [--fit] [--songs N] [--json]`.

POP909 songs are split by number (odd: fit, even: test); every file has its track names removed
and its tracks shuffled (seeded by the song number) before the chooser reads it, and it must
find the `MELODY` track. Piano pieces from music21's corpus, whose right hand carries the tune,
are cut into 16-bar excerpts written as two unnamed tracks in shuffled order (the chooser must
find the right hand) and as one track with both hands (the melody's notes should come from the
right hand's top line, not the left hand). The old rule, the busiest track with a plain
skyline, is measured on the same files. The key found from the chosen track is compared with
POP909's own key annotation.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from server.generation.melody import MODES
from server.generation.melody_track import (
    FEATURE_NAMES,
    WEIGHTS_PATH,
    ChooserWeights,
    choose_melody_part,
    part_features,
)
from server.generation.midi_io import midi_key_to_key, part_to_melody, pitched_parts, read_midi
from server.generation.midi_parts import MidiPart
from server.generation.notes import DEFAULT_VELOCITY
from server.generation.voices import skyline, upper_voice
from training.corpora import shared_data_dir

log = logging.getLogger(__name__)

# Keyboard pieces in music21's corpus: the first staff is the right hand and carries the tune.
PIANO_PIECES = (
    "chopin/mazurka06-2.krn",
    "cpebach/h186.mxl",
    "joplin/maple_leaf_rag.mxl",
    "mozart/k545/movement1_exposition.mxl",
    "schumann_clara/polonaise_op1n1.mxl",
    "schumann_clara/polonaise_op1n2.mxl",
    "schumann_clara/polonaise_op1n3.mxl",
    "schumann_clara/polonaise_op1n4.mxl",
)
EXCERPT_BARS, MIN_HAND_NOTES = 16, 8
MIDDLE_C = 60  # where a POP909 piano part is split between the hands for the fit
TICKS_PER_BEAT = 480  # of the files this script writes
L2 = 0.001  # weight decay of the fit, per song
REDUCTION_WEIGHT = 0.5  # a piano reduction counts half a song in the fit
TARGET_SURE_ACCURACY = 0.99  # sure choices are this often right on songs left out of a fit
Notes = list[tuple[int, int, int]]


@dataclass
class Case:
    """One file as the chooser sees it: its pitched parts and which of them carries the tune."""

    name: str
    parts: list[MidiPart]
    ticks_per_beat: int
    tune: int  # index into parts
    data: bytes = b""


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = args.pop909 or shared_data_dir() / "pop909"
    songs = sorted(folder.glob("*.mid"))[: args.songs]
    fit_songs, test_songs = songs[0::2], songs[1::2]  # 001, 003, ... fit; 002, 004, ... test
    if args.fit:
        fit_cases = [pop909_case(path) for path in fit_songs]
        weights = fit_weights(fit_cases, [piano_reduction(path) for path in fit_songs])
        WEIGHTS_PATH.parent.mkdir(parents=True, exist_ok=True)
        WEIGHTS_PATH.write_text(json.dumps(weights.to_json(), indent=1) + "\n")
        log.info("wrote %s", WEIGHTS_PATH)
    else:
        weights = ChooserWeights.from_json(json.loads(WEIGHTS_PATH.read_text()))
    test_cases = [pop909_case(path) for path in test_songs]
    pieces = PIANO_PIECES[: args.piano_pieces]
    report = {
        "pop909": choice_report(test_cases, weights) | key_report(test_cases, weights, folder),
        "piano": choice_report(list(piano_cases(pieces, two_tracks=True)), weights),
        "piano_one_track": voice_report(list(piano_cases(pieces, two_tracks=False))),
        "threshold": weights.threshold,
        "command": "python -m training.evaluate_melody_track" + (" --fit" if args.fit else ""),
    }
    if args.fit:
        metrics = WEIGHTS_PATH.parent / "metrics.json"
        metrics.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1) if args.json else format_report(report))
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.evaluate_melody_track", description=__doc__
    )
    parser.add_argument("--pop909", type=Path, help="POP909 folder (default: the shared data)")
    parser.add_argument("--songs", type=int, help="the first N songs only (quick runs)")
    parser.add_argument("--piano-pieces", type=int, help="the first N piano pieces only")
    parser.add_argument("--fit", action="store_true", help="fit and write the shipped weights")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    return parser.parse_args(argv)


def pop909_case(path: Path) -> Case:
    """A POP909 song with its track names removed and its tracks shuffled."""
    data, tune_track = anonymized(path.read_bytes(), song_rng(path))
    midi, parts, _ = read_midi(data)
    pitched = pitched_parts(parts)
    tune = [i for i, part in enumerate(pitched) if part.track == tune_track]
    return Case(path.stem, pitched, midi.ticks_per_beat, tune[0], data)


def piano_reduction(path: Path) -> Case:
    """A POP909 fit song as two hands of a piano: the MELODY with the piano's notes from middle
    C up in one part, the piano's lower notes in the other, in a random order. POP909 alone
    never shows a tune carried by a part that also plays chords, which piano files do."""
    midi, parts, _ = read_midi(path.read_bytes())
    by_name = {part.name.strip().upper(): part.notes for part in parts}
    piano, tune = by_name.get("PIANO", []), by_name["MELODY"]
    hands = [tune + [n for n in piano if n[2] >= MIDDLE_C], [n for n in piano if n[2] < MIDDLE_C]]
    hands = [hand for hand in hands if hand]
    order = list(song_rng(path).permutation(len(hands)))
    parts = [MidiPart("", channel, sorted(hands[i])) for channel, i in enumerate(order)]
    return Case(f"{path.stem} as piano", parts, midi.ticks_per_beat, order.index(0))


def song_rng(path: Path) -> np.random.Generator:
    """A generator seeded by the song's number, so every run shuffles a song alike."""
    return np.random.default_rng(int(path.stem) if path.stem.isdigit() else sum(path.stem.encode()))


def anonymized(data: bytes, rng: np.random.Generator) -> tuple[bytes, int]:
    """The file with every track name emptied and its tracks in a random order, and the new
    index of the track that was named MELODY."""
    midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    tune = next(i for i, track in enumerate(midi.tracks) if track.name.strip().upper() == "MELODY")
    order = rng.permutation(len(midi.tracks))
    shuffled = mido.MidiFile(type=1, ticks_per_beat=midi.ticks_per_beat)
    for index in order:
        shuffled.tracks.append(
            mido.MidiTrack(
                message.copy(name="") if message.type == "track_name" else message
                for message in midi.tracks[index]
            )
        )
    buffer = io.BytesIO()
    shuffled.save(file=buffer)
    return buffer.getvalue(), int(np.flatnonzero(order == tune)[0])


def piano_cases(pieces: tuple[str, ...], *, two_tracks: bool) -> Iterator[Case]:
    """16-bar excerpts of the piano pieces: right and left hand as two unnamed tracks in a
    shuffled order, or (for the voice report) the two hands as parts [right, left] that the
    report merges into one."""
    rng = np.random.default_rng(909)
    for piece in pieces:
        right, left, bar = piano_hands(piece)
        for start in range(0, max(end for _, end, _ in right + left), EXCERPT_BARS * bar):
            stop = start + EXCERPT_BARS * bar
            hands = [_excerpt(right, start, stop), _excerpt(left, start, stop)]
            if min(len(hand) for hand in hands) < MIN_HAND_NOTES:
                continue
            name = f"{piece}@{start // bar + 1}"
            if two_tracks:
                order = list(rng.permutation(2))
                data = hands_to_midi([hands[i] for i in order])
                _, parts, _ = read_midi(data)
                yield Case(name, pitched_parts(parts), TICKS_PER_BEAT, order.index(0), data)
            else:
                yield Case(
                    name, [MidiPart("", 0, hands[0]), MidiPart("", 1, hands[1])], TICKS_PER_BEAT, 0
                )


def piano_hands(piece: str) -> tuple[Notes, Notes, int]:
    """The right and left hands of a corpus piece as (start, end, pitch) at TICKS_PER_BEAT,
    and its bar length in ticks."""
    from music21 import corpus  # music21 takes a while to import; only this report needs it

    score = corpus.parse(piece)
    hands = []
    for part in score.parts[:2]:
        notes = []
        for element in part.stripTies().flatten().notes:
            start = round(float(element.offset) * TICKS_PER_BEAT)
            end = start + round(float(element.quarterLength) * TICKS_PER_BEAT)
            if end > start:
                notes.extend((start, end, pitch.midi) for pitch in element.pitches)
        hands.append(sorted(notes))
    meter = score.recurse().getElementsByClass("TimeSignature").first()
    return hands[0], hands[1], round(float(meter.barDuration.quarterLength) * TICKS_PER_BEAT)


def _excerpt(notes: Notes, start: int, stop: int) -> Notes:
    return [(s - start, e - start, p) for s, e, p in notes if start <= s < stop]


def hands_to_midi(hands: list[Notes]) -> bytes:
    """A type-1 file with one unnamed track per hand."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    for channel, notes in enumerate(hands):
        events = []
        for start, end, pitch in notes:
            on = mido.Message("note_on", note=pitch, velocity=DEFAULT_VELOCITY, channel=channel)
            events.append((start, 1, on))
            events.append((end, 0, mido.Message("note_off", note=pitch, channel=channel)))
        events.sort(key=lambda event: event[:2])  # at one tick, note-offs first
        track, now = mido.MidiTrack(), 0
        for tick, _, message in events:
            track.append(message.copy(time=tick - now))
            now = tick
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def fit_weights(cases: list[Case], reductions: list[Case]) -> ChooserWeights:
    """A softmax over each file's parts, fitted by Newton's method with a little weight decay
    on the POP909 cases and (at REDUCTION_WEIGHT) their piano reductions. The threshold is the
    lowest confidence above which choices are right TARGET_SURE_ACCURACY of the time on songs
    the weights were not fitted on (two halves, each judged by weights fitted on the other)."""
    every = cases + reductions
    tables = [part_features(case.parts, case.ticks_per_beat) for case in every]
    tunes = [case.tune for case in every]
    importance = np.array([1.0] * len(cases) + [REDUCTION_WEIGHT] * len(reductions))
    right, margins = [], []
    for half in (0, 1):
        fitted = _newton(tables, tunes, importance, half)
        for i in range(half, len(every), 2):
            choice = choose_melody_part(every[i].parts, every[i].ticks_per_beat, fitted)
            right.append(choice.part is every[i].parts[every[i].tune])
            margins.append(choice.confidence)
    right_array, margin_array = np.array(right), np.array(margins)
    sure_enough = (
        float(t)
        for t in np.unique(margin_array)
        if right_array[margin_array >= t].mean() >= TARGET_SURE_ACCURACY
    )
    threshold = next(sure_enough, 1.0)  # 1.0: never sure enough, always ask
    weights = _newton(tables, tunes, importance, None)
    accuracy = right_array.mean()
    log.info(
        "fitted on %d files; held out %.3f right; threshold %.3f", len(every), accuracy, threshold
    )
    return ChooserWeights(weights.mean, weights.scale, weights.weights, round(threshold, 4))


def _newton(
    tables: list[np.ndarray], tunes: list[int], importance: np.ndarray, left_out: int | None
) -> ChooserWeights:
    """Weights fitted on the files (all, or those whose index parity is not `left_out`):
    tables[i] (parts, features), tunes[i] the tune's part, importance[i] the file's weight."""
    kept = [i for i in range(len(tunes)) if left_out is None or i % 2 != left_out]
    stacked = np.vstack([tables[i] for i in kept])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    weights = np.zeros(len(FEATURE_NAMES))
    decay = L2 * importance[kept].sum()
    for _ in range(50):
        gradient, hessian = decay * weights, decay * np.eye(len(weights))
        for i in kept:
            standard = (tables[i] - mean) / scale
            scores = standard @ weights
            p = np.exp(scores - scores.max())
            p /= p.sum()
            expected = p @ standard
            gradient += importance[i] * (expected - standard[tunes[i]])
            covariance = (standard * p[:, None]).T @ standard - np.outer(expected, expected)
            hessian += importance[i] * covariance
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return ChooserWeights(mean, scale, weights, threshold=0.0)


def busiest(parts: list[MidiPart]) -> MidiPart:
    """The old rule: the part with the most notes."""
    return max(parts, key=lambda part: len(part.notes))


def choice_report(cases: list[Case], weights: ChooserWeights) -> dict:
    choices = [choose_melody_part(case.parts, case.ticks_per_beat, weights) for case in cases]
    right = [c.part is case.parts[case.tune] for c, case in zip(choices, cases, strict=True)]
    old = [busiest(case.parts) is case.parts[case.tune] for case in cases]
    sure = [c.confident for c in choices]
    return {
        "files": len(cases),
        "accuracy": round(float(np.mean(right)), 4),
        "busiest_track_accuracy": round(float(np.mean(old)), 4),
        "unsure_share": round(1 - float(np.mean(sure)), 4),
        "accuracy_when_sure": round(
            float(np.mean([r for r, s in zip(right, sure, strict=True) if s])), 4
        ),
        "wrong": [case.name for case, r in zip(cases, right, strict=True) if not r],
    }


def key_report(cases: list[Case], weights: ChooserWeights, folder: Path) -> dict:
    """How often the key found from a track agrees with POP909's annotation (its first key),
    for the chosen track, the busiest track and the true melody track: from the track alone
    (as before) and with the whole file's pitch classes (as the studio finds it now)."""
    agree: dict[str, list[bool]] = {}
    for case in cases:
        annotated = annotated_key(folder / "annotations" / f"{case.name}.key.txt")
        if annotated is None:
            continue
        _, _, meta = read_midi(case.data)
        chosen = choose_melody_part(case.parts, case.ticks_per_beat, weights).part
        picks = {"chosen": chosen, "busiest": busiest(case.parts)}
        picks["melody_track"] = case.parts[case.tune]
        for rule, part in picks.items():
            for how, file_parts in (("track_alone", None), ("with_file", case.parts)):
                melody = part_to_melody(part, meta, case.ticks_per_beat, file_parts=file_parts)
                found = (melody.tonic, melody.mode) == annotated
                agree.setdefault(f"key_agreement_{rule}_{how}", []).append(found)
    return {name: round(float(np.mean(found)), 4) for name, found in agree.items()}


def annotated_key(path: Path) -> tuple[int, str] | None:
    """The first key of a POP909 key file (`start end Gb:maj`), as (tonic, mode)."""
    if not path.exists():
        return None
    fields = path.read_text().split()
    if len(fields) < 3 or ":" not in fields[2]:
        return None
    tonic, quality = fields[2].split(":")
    mode = MODES[1] if quality.startswith("min") else MODES[0]
    return midi_key_to_key(tonic)[0], mode


def voice_report(cases: list[Case]) -> dict:
    """Both hands in one part: how many of the melody's notes come from the left hand, and how
    much of the right hand's top line it keeps, by the plain skyline and by voice separation."""
    report = {"files": len(cases)}
    for rule, extract in (("skyline", lambda n: skyline(n)), ("upper_voice", upper_voice_480)):
        left_shares, kept = [], []
        for case in cases:
            right, left = case.parts[0].notes, case.parts[1].notes
            melody = set(extract(right + left))
            tune = set(skyline(right))
            left_shares.append(len(melody - set(right)) / max(len(melody), 1))
            kept.append(len(melody & tune) / len(tune))
        report[f"left_hand_share_{rule}"] = round(float(np.mean(left_shares)), 4)
        report[f"tune_kept_{rule}"] = round(float(np.mean(kept)), 4)
    return report


def upper_voice_480(notes: Notes) -> Notes:
    return upper_voice(notes, TICKS_PER_BEAT)


def format_report(report: dict) -> str:
    pop, piano, voices = report["pop909"], report["piano"], report["piano_one_track"]
    return "\n".join(
        [
            f"POP909 test songs ({pop['files']}): chooser {pop['accuracy']:.1%}, busiest track "
            f"{pop['busiest_track_accuracy']:.1%}; unsure {pop['unsure_share']:.1%}, "
            f"right when sure {pop['accuracy_when_sure']:.1%}",
            "  key agrees with the annotation (track alone / with the file's pitch classes): "
            + ", ".join(
                f"{rule} {pop[f'key_agreement_{rule}_track_alone']:.1%} / "
                f"{pop[f'key_agreement_{rule}_with_file']:.1%}"
                for rule in ("chosen", "busiest", "melody_track")
            ),
            f"Piano excerpts, two hands in two tracks ({piano['files']}): chooser "
            f"{piano['accuracy']:.1%}, busiest track {piano['busiest_track_accuracy']:.1%}",
            f"Piano excerpts in one track ({voices['files']}): left-hand notes in the melody "
            f"{voices['left_hand_share_skyline']:.1%} by skyline, "
            f"{voices['left_hand_share_upper_voice']:.1%} by voice separation; tune kept "
            f"{voices['tune_kept_skyline']:.1%} / {voices['tune_kept_upper_voice']:.1%}",
        ]
    )


if __name__ == "__main__":
    main()
