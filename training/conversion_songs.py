"""Conversions of whole songs as a user uploads them: `python -m training.evaluate_transfer
--songs N [--json]`.

N held-out POP909 files (melody and piano accompaniment, never trained on) are read as an upload
is (`analyse_midi`: melody track, key, the chords under it) and converted to each of the five
genres at the default strength, in one run:

- `before`: as conversions were before they kept the song (no chords, the old affinities);
- `after`: the song's chords re-voiced for the genre, the new affinities, with the style search;
- `after_plain`: the same without the style search (the search's gain).

Per conversion: chord roots shared with the source on its beats (against the recognized source
chords and against POP909's own annotations), onset F1 against the source melody and against an
unrelated one (the next song's), repeated-note share, mean interval, silence where the source
sounds, content similarity, and the target genre by the classifier the search consults, the
n-gram judge and a feature-based judge (training/feature_judge.py); the real range of each
measure comes from held-out real melodies of each genre (10th to 90th percentile).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from server.generation.chords import parse_harte
from server.generation.classifier import GenreClassifier
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, Melody
from server.generation.sampler import run_to_end
from server.generation.similarity import content_similarity
from server.generation.style_search import StyleSearch
from server.generation.transfer import TransferStream
from server.generation.transfer_affinity import PULLS, Pulls
from server.generation.transfer_params import TransferParams
from server.generation.upload_analysis import analyse_midi
from server.generation.upload_chords import SourceChords
from training.chord_corpora import (
    _label_at,
    _read_chord_rows,
    _seconds_of,
    _tempo_map,
    list_pop909,
    song_split,
)
from training.classifier import excerpt
from training.dataset import load_splits
from training.feature_judge import FeatureGenreJudge
from training.form_metrics import form_metrics
from training.genre_judge import NgramGenreJudge

log = logging.getLogger(__name__)
METHODS = ("before", "after", "after_plain")
RANGE_MEASURES = ("repeated_notes", "mean_interval", "silence")


def held_out_songs(folder: Path, count: int) -> list[Path]:
    songs = [path for path in list_pop909(folder) if song_split(path) == "test"]
    return songs[:count]


def convert_songs(network, judges, paths: list[Path], search, seed: int = 0) -> list[dict]:
    """Every song to every genre by every method; one row per conversion."""
    rows: list[dict] = []
    sources = [(path, *analyse_midi(path.read_bytes())) for path in paths]
    for index, (path, analysis, melody) in enumerate(sources):
        chords = SourceChords.from_json(analysis.chords)
        other = sources[(index + 1) % len(sources)][2]
        for method in METHODS:
            streams, jobs = [], []
            for target in GENRES:
                params = TransferParams(target, seed=seed + index)
                kept = None if method == "before" else chords.progression
                pulls = Pulls.before_chords() if method == "before" else PULLS
                searching = None if method == "after_plain" else search
                streams.append(
                    TransferStream(
                        melody, params, network.vocabulary, network, searching, kept, pulls
                    )
                )
                jobs.append({"song": path.stem, "method": method, "target": target})
            run_to_end(network, streams)
            for job, stream in zip(jobs, streams, strict=True):
                output = stream.melody()
                rows.append(
                    job
                    | style(judges, output, job["target"])
                    | rhythm(melody, output, other)
                    | harmony(stream, chords, path)
                )
        log.info("converted %s (%d of %d)", path.stem, index + 1, len(sources))
    return rows


def style(judges, output: Melody, target: str) -> dict:
    verdicts = {
        "classifier": judges.classifier.classify(output),
        "ngram": judges.ngram.classify(output),
        "features": judges.features.classify(output),
    }
    return {f"{name}_correct": max(p, key=p.get) == target for name, p in verdicts.items()}


def rhythm(source: Melody, output: Melody, other: Melody) -> dict:
    """Onset F1 against the source and an unrelated melody, the form measures, silence where
    the source sounds, and content similarity."""
    measures = form_metrics(output)
    return {
        "onset_f1": onset_f1(source, output),
        "unrelated_onset_f1": onset_f1(other, output),
        "silent_where_source_sounds": silent_where_sounding(source, output),
        **{name: measures[name] for name in RANGE_MEASURES},
        **content_similarity(source, output),
    }


def _from_bar_line(melody: Melody) -> tuple[set[int], np.ndarray]:
    """Onset ticks and a sounding mask, counted from the bar line before the first note."""
    lead = (melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks
    notes = melody.notes()
    onsets = {lead + note.start for note in notes}
    sounding = np.zeros(lead + melody.total_ticks, dtype=bool)
    for note in notes:
        sounding[lead + note.start : lead + note.end] = True
    return onsets, sounding


def onset_f1(reference: Melody, output: Melody) -> float:
    """F1 of the output's note onsets against the reference's (same tick), over the output's
    length."""
    wanted, _ = _from_bar_line(reference)
    found, sounding = _from_bar_line(output)
    wanted = {tick for tick in wanted if tick < len(sounding)}
    hits = len(wanted & found)
    return 2 * hits / max(len(wanted) + len(found), 1)


def silent_where_sounding(source: Melody, output: Melody) -> float:
    _, heard = _from_bar_line(source)
    _, played = _from_bar_line(output)
    length = min(len(heard), len(played))
    return float(np.mean(~played[:length][heard[:length]])) if heard[:length].any() else 0.0


def harmony(stream: TransferStream, chords: SourceChords, path: Path) -> dict:
    """Share of the output's beats whose chord root is the recognized source chord's, and the
    POP909 annotation's (beats with a chord on both sides); None without chords."""
    output = stream.params.chords
    if output is None or chords.progression is None:
        return {"roots_recognized": None, "roots_annotated": None}
    beats = output.per_beat()  # the key is kept: the output's chords are in the source's key
    recognized = chords.progression.looped_to(output.bars).per_beat()
    annotated = annotated_roots(path, chords.origin, len(beats))
    return {
        "roots_recognized": _agreement(beats, [c.root for c in recognized]),
        "roots_annotated": _agreement(beats, annotated),
    }


def _agreement(beats, roots: list[int | None]) -> float | None:
    pairs = [(b.root, r) for b, r in zip(beats, roots, strict=False) if b.root is not None]
    pairs = [(b, r) for b, r in pairs if r is not None]
    return float(np.mean([b == r for b, r in pairs])) if pairs else None


def annotated_roots(path: Path, origin: int, beats: int) -> list[int | None]:
    """POP909's annotated chord root at the middle of each of the output's beats (its beat 0
    at the file's 12-tick grid tick `origin`)."""
    midi = mido.MidiFile(path)
    tempo_map = _tempo_map(midi)
    rows = _read_chord_rows(path.parent / "annotations" / f"{path.stem}.chords.txt")
    middles = (origin + 12 * np.arange(beats) + 6) * midi.ticks_per_beat / 12
    seconds = _seconds_of(middles.astype(float), tempo_map)
    return [parse_harte(_label_at(rows, float(time))).root for time in seconds]


def real_ranges(test_pieces: list[Melody]) -> dict:
    """Per genre, the 10th and 90th percentile of each measure over real test excerpts."""
    ranges: dict = {}
    for genre in GENRES:
        measures = [form_metrics(excerpt(p)) for p in test_pieces if p.genre == genre]
        ranges[genre] = {
            name: [float(np.percentile([m[name] for m in measures], q)) for q in (10, 90)]
            for name in RANGE_MEASURES
        }
    return ranges


def summarize_songs(rows: list[dict], ranges: dict) -> dict:
    """Means per method and per (method, target), and how often each measure is in range."""
    keys = [k for k in rows[0] if k not in ("song", "method", "target")]
    result: dict = {}
    for method in METHODS:
        mine = [r for r in rows if r["method"] == method]
        result[method] = {"all": _means(mine, keys, ranges)}
        for target in GENRES:
            aimed = [r for r in mine if r["target"] == target]
            result[method][target] = _means(aimed, keys, ranges)
    return result


def _within(bounds: list[float], value: float) -> bool:
    return bounds[0] <= value <= bounds[1]


def _means(rows: list[dict], keys: list[str], ranges: dict) -> dict:
    means = {}
    for key in keys:
        values = [r[key] for r in rows if r[key] is not None]
        means[key] = float(np.mean(values)) if values else None
    for name in RANGE_MEASURES:
        inside = [_within(ranges[r["target"]][name], r[name]) for r in rows]
        means[f"{name}_in_range"] = float(np.mean(inside))
    content = [r for r in rows if r["content"] >= 0.6]
    for judge in ("classifier", "ngram", "features"):
        means[f"{judge}_correct_at_content"] = (
            float(np.mean([r[f"{judge}_correct"] for r in content])) if content else None
        )
    means["content_at_least_0.6"] = len(content) / max(len(rows), 1)
    roots = [r["roots_recognized"] for r in rows if r["roots_recognized"] is not None]
    means["roots_70"] = float(np.mean([v >= 0.7 for v in roots])) if roots else None
    means["n"] = len(rows)
    return means


@dataclass(frozen=True)
class SongJudges:
    classifier: GenreClassifier
    ngram: NgramGenreJudge
    features: FeatureGenreJudge


def evaluate_songs(network: LstmNetwork, classifier: GenreClassifier, count: int, seed: int):
    """The whole measurement (see the module doc) as one JSON-ready dict."""
    splits = load_splits()
    judges = SongJudges(
        classifier,
        NgramGenreJudge(network.vocabulary).fit(splits["train"]),
        FeatureGenreJudge().fit(splits["train"]),
    )
    folder = Path(os.environ.get("CADENZA_DATA", "../shared/data")) / "pop909"
    began = time.perf_counter()
    rows = convert_songs(
        network, judges, held_out_songs(folder, count), StyleSearch(network, classifier), seed
    )
    return {
        "songs": count,
        "judge_accuracy_on_test_excerpts": {
            "features": judges.features.accuracy(splits["test"]),
        },
        "real_ranges": real_ranges(splits["test"]),
        "methods": summarize_songs(rows, real_ranges(splits["test"])),
        "seconds": time.perf_counter() - began,
        "rows": rows,
    }
