"""The chord corpora readers and the recognizer's evaluation: MIREX rules on hand-made labels,
the humdrum chord spine on a file the test writes, and real POP909 and RS200 songs (skipped
where the shared corpora are not on the machine)."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np
import pytest

from server.generation.chords import NO_CHORD, parse_harte
from server.generation.notes import TICKS_PER_BEAT
from training.chord_corpora import (
    harte_changes,
    list_pop909,
    list_rs200,
    read_pop909,
    read_rs200,
    song_split,
)
from training.chord_scores import boundary_f1, majmin_tones, melody_ceiling, score_songs
from training.chords import main
from training.corpora import shared_data_dir

MAJOR, MINOR = frozenset({0, 4, 7}), frozenset({0, 3, 7})
HUMDRUM_SONG = """!!!OTL: Test Song
**harm\t**harte\t**kern\t**timestamp
=1\t=1\t=1\t=1
*tb4\t*tb4\t*tb4\t*
*M4/4\t*M4/4\t*M4/4\t*
*G:\t*G:\t*G:\t*
I\tG:maj\tg\t0.0
.\t.\ta\t.
.\t.\tb\t.
.\t.\t.\t.
=2\t=2\t=2\t=2
*tb8\t*tb8\t*tb8\t*
V\tD:maj\tdd\t.
.\t.\tcc\t.
.\t.\tb\t.
.\t.\tr\t.
V7/IV\tG:7\ta\t.
.\t.\t.\t.
.\t.\tg\t.
.\t.\t.\t.
=3\t=3\t=3\t=3
*-\t*-\t*-\t*-
"""


def shared_folder(name: str):
    folder = shared_data_dir() / name
    if not folder.is_dir():
        pytest.skip(f"the {name} corpus is not on this machine")
    return folder


@pytest.mark.parametrize(
    ("label", "tones"),
    [
        ("C:maj", MAJOR),
        ("A:min7", MINOR),
        ("G:7", MAJOR),
        ("F:maj6", MAJOR),
        ("E:minmaj7", MINOR),
        ("Bb:maj/3", MAJOR),
        ("C:(1,3,5)", MAJOR),
        ("N", frozenset()),
        ("F:sus4", None),
        ("F:sus4(b7)", None),
        ("B:dim", None),
        ("C:aug", None),
        ("C:5", None),
        ("C:maj/2", None),
        ("X", None),
    ],
)
def test_majmin_keeps_major_minor_and_no_chord_as_mir_eval_does(label, tones):
    assert majmin_tones(label) == tones


def test_scores_count_roots_on_every_beat_and_thirds_on_major_minor_ones():
    labels = [["C:maj", "C:7", "F:sus4", "N", "A:min"]]
    guesses = ["C:maj7", "C:maj", "F:maj", "N", "A:maj"]
    predicted = [[parse_harte(label).id for label in guesses]]
    scores = score_songs(labels, predicted)
    assert scores["beats"] == 5 and scores["root"] == 1.0
    assert scores["majmin_beats"] == 4 and scores["majmin"] == 3 / 4


def test_the_split_is_fixed_by_name_and_near_80_10_10():
    names = [f"{number:03d}.mid" for number in range(1, 910)]
    splits = Counter(song_split(name) for name in names)
    assert [song_split(name) for name in names] == [song_split(name) for name in names]
    assert 0.07 < splits["test"] / len(names) < 0.13 and 0.07 < splits["valid"] / len(names) < 0.13


def test_the_harte_spine_is_timed_by_the_kern_timebase():
    assert harte_changes(HUMDRUM_SONG) == [(0, "G:maj"), (48, "D:maj"), (72, "G:7")]


def test_a_written_rs200_song_has_a_label_per_beat(tmp_path):
    path = tmp_path / "Artist_TestSong_1970.hum"
    path.write_text(HUMDRUM_SONG)
    song = read_rs200(path)
    assert song.labels == ["G:maj"] * 4 + ["D:maj"] * 2 + ["G:7"] * 2
    assert song.melody[0] == (0, 12, 67) and song.accompaniment == []


def test_a_real_pop909_song_reads_notes_on_its_annotated_beats():
    song = read_pop909(list_pop909(shared_folder("pop909"))[0])
    beats = (shared_data_dir() / "pop909" / "annotations" / f"{song.name}.beats.txt").read_text()
    assert len(song.labels) == len(beats.splitlines())
    assert song.melody and song.accompaniment and song.bar_ticks == 4 * TICKS_PER_BEAT
    assert all(start >= 0 and end > start for start, end, _ in song.arrangement)
    assert parse_harte(song.labels[len(song.labels) // 2]) != NO_CHORD


def test_evaluation_scores_held_out_songs_only_beside_both_baselines(tmp_path, capsys):
    folder = tmp_path / "rs200"
    folder.mkdir()
    songs = list_rs200(shared_folder("rs200"))
    held_out = [path for path in songs if song_split(path) == "test"][:2]
    trained = next(path for path in songs if song_split(path) == "train")
    for path in [*held_out, trained]:
        shutil.copy(path, folder / path.name)
    main(["--evaluate", "--json", "--data", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert report["rs200_test"]["songs"] == 2 and "pop909_test" not in report
    result = report["rs200_test"]["melody"]
    assert set(result["methods"]) == {
        "tonic triad of the key",
        "triad templates, no smoothing",
        "model, no smoothing",
        "recognizer",
    }
    assert all(0.0 <= method["majmin"] <= 1.0 for method in result["methods"].values())
    assert "maj" in result["confusion"]
    assert 0.0 < result["boundaries"]["f1"] <= 1.0
    assert 0.0 < result["melody"]["beat_sounds_a_chord_tone"] < 1.0


def test_chord_changes_count_as_found_within_one_beat():
    labels = [["C:maj"] * 4 + ["F:maj"] * 4 + ["G:maj"] * 4]
    ids = [parse_harte(label).id for label in ("C:maj", "F:maj", "G:maj", "A:min")]
    late_by_one = [ids[0]] * 5 + [ids[1]] * 4 + [ids[2]] * 3
    assert boundary_f1(labels, [late_by_one]) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    late_by_two_and_extra = [ids[0]] * 6 + [ids[1]] * 3 + [ids[2]] * 2 + [ids[3]]
    result = boundary_f1(labels, [late_by_two_and_extra])
    assert result["precision"] == round(1 / 3, 4) and result["recall"] == 0.5


def test_the_melody_ceiling_counts_beats_where_the_tune_sounds_a_chord_tone():
    labels = [["C:maj", "C:maj", "A:min", "F:sus4"]]
    beats = np.zeros((4, 12))
    beats[0, 4] = 1.0  # E over C major: a chord tone
    beats[2, 2] = 1.0  # D over A minor: none
    bars = np.ones((4, 12))
    bars[1] = 0.0
    heard = melody_ceiling(labels, [beats], [bars])
    assert heard == dict.fromkeys(("silent_bar", "silent_beat", "beat_sounds_a_chord_tone"), 0.3333)
