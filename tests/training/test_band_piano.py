"""The pop piano learned from POP909: bars read on the annotated downbeats, each note named by
its chord slot, and the model written, read back and scored on a small real slice of the corpus
(skipped where the shared corpora are not on the machine)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from server.generation.band.chord_slots import FIFTH, ROOT, SEVENTH, THIRD, slot_of, slot_pitch
from server.generation.band.piano_model import load_model
from server.generation.chords import parse_harte
from training.band_piano import main, read_songs
from training.chord_corpora import list_pop909, read_pop909, song_split
from training.corpora import shared_data_dir
from training.piano_bars import song_bars

SONGS = 6


def pop909() -> Path:
    folder = shared_data_dir() / "pop909"
    if not folder.is_dir():
        pytest.skip("the pop909 corpus is not on this machine")
    return folder


@pytest.fixture(scope="module")
def slice_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few training songs and two held-out ones, as a user's own POP909 folder."""
    paths = list_pop909(pop909())
    chosen = [p for p in paths if song_split(p) == "train"][:SONGS]
    chosen += [p for p in paths if song_split(p) == "test"][:2]
    folder = tmp_path_factory.mktemp("data") / "pop909"
    (folder / "annotations").mkdir(parents=True)
    for path in chosen:
        shutil.copy(path, folder / path.name)
        for kind in ("chords", "beats", "key"):
            note = path.parent / "annotations" / f"{path.stem}.{kind}.txt"
            if note.is_file():
                shutil.copy(note, folder / "annotations" / note.name)
    return folder


def test_slots_name_chord_tones_and_play_them_back_over_another_chord() -> None:
    c_major, a_minor7 = parse_harte("C:maj"), parse_harte("A:min7")
    assert slot_of(64, c_major) == (THIRD, 1, True)  # E4 over C: the third, an octave up
    assert slot_of(43, c_major) == (FIFTH, -1, True)
    assert slot_of(59, c_major) == (SEVENTH, 0, False)  # B over C: near the root above
    assert slot_of(62, c_major)[2] is False  # D: not a tone of C major
    assert slot_pitch(THIRD, 1, a_minor7) == 72  # the third of A minor, C5
    assert slot_pitch(SEVENTH, 0, a_minor7) == 67  # its seventh, G4
    assert slot_pitch(SEVENTH, 0, c_major) == 60  # a triad doubles its root
    assert slot_pitch(ROOT, -1, parse_harte("B:maj")) == 47


def test_piano_bars_lie_on_the_annotated_downbeats_and_sixteenth_grid() -> None:
    paths = list_pop909(pop909())[:4]
    for path in paths:
        song = read_pop909(path)
        bars = song_bars(song)
        assert len(bars) > 20 and {"PIANO", "MELODY"} <= set(song.tracks)
        notes = sum(bar.notes for bar in bars)
        assert sum(bar.onsets_on_grid for bar in bars) / notes > 0.9
        assert sum(bar.chord_tones for bar in bars) / notes > 0.85
        # Bars start on the annotated downbeats: the piano strikes the first beat more often
        # than the half-beats between beats (a grid half a beat off would show the reverse).
        onsets = Counter(note[0] for bar in bars for note in bar.pattern)
        assert onsets[0] > onsets[2] and onsets[8] > onsets[10]
        # and the annotated chords change on the bar line more than on any other beat
        changes = Counter(
            beat
            for before, bar in zip(bars, bars[1:], strict=False)
            for beat, chord in enumerate(bar.chords)
            if bar.follows_bar and chord != (before.chords + bar.chords)[3 + beat]
        )
        assert changes[0] == max(changes.values())


def test_the_model_is_learned_written_and_read_back(
    slice_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pop_piano.json"
    main(["--data", str(slice_folder.parent), "--out", str(out), "--size", "60"])
    printed = json.loads(capsys.readouterr().out)
    written = json.loads(out.read_text())
    assert printed == written["metrics"]
    assert printed["songs"] == {"train": SONGS, "valid": 0, "test": 2}
    bits = printed["bits_per_bar_test"]
    assert 0 < bits["model"] and 0 < bits["unigram"] <= np.log2(60) + 1
    real, learned = (printed["generated_vs_real_test"][k] for k in ("real", "pop_piano"))
    assert learned["chord_tone_share"] == 1.0 and real["chord_tone_share"] < 1.0
    assert (
        learned["onsets_per_bar"]
        > printed["generated_vs_real_test"]["block_chords"]["onsets_per_bar"]
    )
    model = load_model(out)
    assert [list(map(list, p)) for p in model.patterns] == written["patterns"]
    rng = np.random.default_rng(1)
    row = [model.probability(p, model.start, 0) for p in range(len(model.patterns))]
    assert abs(sum(row) - 1.0) < 1e-9
    assert 0 <= model.next_pattern(model.start, 0, rng) < 60


def test_every_split_gets_its_own_songs(slice_folder: Path) -> None:
    songs = read_songs(slice_folder, ("PIANO",))
    assert len(songs["train"]) == SONGS and len(songs["test"]) == 2


def test_the_shipped_checkpoint_is_small_and_beats_the_unigram() -> None:
    path = Path(__file__).resolve().parents[2] / "checkpoints" / "band" / "pop_piano.json"
    assert path.stat().st_size < 1_000_000
    metrics = json.loads(path.read_text())["metrics"]
    for split in ("bits_per_bar_test", "bits_per_bar_valid"):
        bits = metrics[split]
        assert bits["model"] < min(bits["unigram"], bits["unigram_by_place"])
