"""Form measures on hand-made melodies whose answers are known, the discriminator on separable
and inseparable features, and `training.evaluate_form --json` on a tiny network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from server.generation.lstm import LstmNetwork
from server.generation.melody import Event, Melody
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import NO_CHORDS, with_written_chords_for
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary
from tests.notes import BeatNote, beat_notes
from training import discriminator, evaluate_form
from training.form_metrics import METRICS, form_metrics, motif_recurrence

C_MAJOR_BAR = [(60, 0.0, 1.0), (62, 1.0, 1.0), (64, 2.0, 1.0), (65, 3.0, 1.0)]


def melody_of(notes: list[BeatNote], **fields) -> Melody:
    return Melody.from_notes(beat_notes(notes), **fields)


def bars_of(bar: list[BeatNote], shifts: list[int], beats_per_bar: int = 4) -> list[BeatNote]:
    """`bar` played once per entry of `shifts`, moved by that many semitones each time."""
    return [
        (pitch + shift, start + beats_per_bar * index, length)
        for index, shift in enumerate(shifts)
        for pitch, start, length in bar
    ]


def test_a_bar_played_four_times_repeats_in_three_bars_of_four() -> None:
    assert form_metrics(melody_of(bars_of(C_MAJOR_BAR, [0, 0, 0, 0])))["bar_repetition"] == 0.75


def test_a_transposed_bar_is_a_repeat_and_a_changed_rhythm_or_contour_is_not() -> None:
    changed_rhythm = [(60, 0.0, 1.5), (62, 1.5, 0.5), (64, 2.0, 1.0), (65, 3.0, 1.0)]
    changed_contour = [(60, 0.0, 1.0), (64, 1.0, 1.0), (62, 2.0, 1.0), (65, 3.0, 1.0)]
    notes = bars_of(C_MAJOR_BAR, [0, 5]) + bars_of(changed_rhythm, [0, 0, 0])[8:]
    notes += bars_of(changed_contour, [0, 0, 0, 0])[12:]
    # bars: C, C up a fourth (repeat), new rhythm, new contour
    assert form_metrics(melody_of(notes))["bar_repetition"] == 0.25


def test_a_one_note_bar_repeats_only_at_its_own_pitch_and_an_empty_bar_never() -> None:
    notes = [(60, 0.0, 4.0), (67, 4.0, 4.0), (67, 8.0, 4.0)]  # then a bar of rest
    melody = melody_of(notes)
    melody.events.append(Event(None, 48))
    assert form_metrics(melody)["bar_repetition"] == 0.25


def test_bars_are_counted_from_the_pickup() -> None:
    pickup = [(67, 0.0, 0.5)]  # an eighth before the first bar line
    notes = pickup + [(p, s + 0.5, d) for p, s, d in bars_of(C_MAJOR_BAR, [0, 0])]
    melody = melody_of(notes)
    melody.pickup_ticks = 6
    assert form_metrics(melody)["bar_repetition"] == 0.5
    assert form_metrics(melody)["offbeat_onsets"] == pytest.approx(1 / 9)  # the pickup only


def test_recurring_five_interval_patterns_are_a_share_of_every_pattern() -> None:
    assert motif_recurrence(np.array([1, 2, 3, 4, 5, 1, 2, 3, 4, 5])) == pytest.approx(2 / 6)
    assert motif_recurrence(np.array([1, 1, 1, 1, 1, 1, 1])) == 1.0
    assert motif_recurrence(np.array([1, 2, 3, 4, 5, 6])) == 0.0
    assert motif_recurrence(np.array([1, 2, 3])) == 0.0  # too short for one pattern


def test_density_repeated_notes_leaps_silence_and_range() -> None:
    notes = [(60, 0.0, 0.5), (60, 0.5, 0.5), (67, 1.0, 1.0), (67, 2.0, 1.0)]  # then a rest
    melody = melody_of(notes)
    melody.events.append(Event(None, 12))
    measures = form_metrics(melody)
    assert measures["note_density"] == 1.0  # 4 notes in 4 beats
    assert measures["repeated_notes"] == pytest.approx(2 / 3)
    assert measures["mean_interval"] == pytest.approx(7 / 3)
    assert measures["silence"] == 0.25
    assert measures["pitch_range"] == 7.0


def test_syncopation_is_an_off_beat_note_held_through_the_next_beat() -> None:
    # eighth, quarter across beat 2, eighth: the quarter is the syncopation
    notes = [(60, 0.0, 0.5), (62, 0.5, 1.0), (64, 1.5, 0.5), (65, 2.0, 2.0)]
    measures = form_metrics(melody_of(notes))
    assert measures["offbeat_onsets"] == 0.5
    assert measures["syncopation"] == 0.25


def test_a_melody_without_notes_measures_zero_but_its_silence() -> None:
    assert form_metrics(Melody([])) == {name: 0.0 for name in METRICS}
    rest = Melody([Event(None, 48)])
    assert form_metrics(rest) == {name: float(name == "silence") for name in METRICS}
    assert discriminator.features(rest).shape == (len(discriminator.FEATURE_NAMES),)


def labelled(rng: np.random.Generator, gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """40 real samples from 10 pieces (4 each) and 40 generated ones; the first feature of the
    real ones is shifted by `gap`."""
    x = rng.normal(size=(80, 5))
    labels = np.array([discriminator.REAL] * 40 + [discriminator.GENERATED] * 40)
    x[labels == discriminator.REAL, 0] += gap
    groups = np.array([f"piece {i // 4}" for i in range(40)] + [f"g{i}" for i in range(40)])
    return x, labels, groups


def test_folds_keep_each_piece_whole_and_hold_both_classes() -> None:
    _, labels, groups = labelled(np.random.default_rng(0), 0.0)
    folds = discriminator.grouped_folds(labels, groups, k=5)
    for name in set(groups):
        assert len(set(folds[groups == name])) == 1
    for fold in range(5):
        assert set(labels[folds == fold]) == {discriminator.REAL, discriminator.GENERATED}


def test_the_discriminator_tells_apart_what_differs_and_not_what_does_not() -> None:
    rng = np.random.default_rng(1)
    separable = discriminator.cross_validate(*labelled(rng, 6.0))
    inseparable = discriminator.cross_validate(*labelled(rng, 0.0))
    assert separable == {"balanced_accuracy": 1.0, "folds": 5}
    assert 0.3 <= inseparable["balanced_accuracy"] <= 0.7


def test_the_balanced_accuracy_weighs_each_class_the_same() -> None:
    labels = np.array([1, 1, 1, 1, 0])
    assert discriminator.balanced_accuracy(labels, np.ones(5, dtype=int)) == 0.5


def tune(genre: str, seed: int) -> Melody:
    """Eight bars of quarter notes, the last one the first a tone higher."""
    pitches = np.random.default_rng(seed).choice([60, 62, 64, 65, 67, 69], size=28).tolist()
    pitches += [pitch + 2 for pitch in pitches[:4]]
    notes = [(pitch, float(beat), 1.0) for beat, pitch in enumerate(pitches)]
    return melody_of(notes, genre=genre, name=f"{genre} {seed}")


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    network = LstmNetwork.random(default_vocabulary(), hidden=16, layers=2, duration_hidden=8)
    network.save(tmp_path / "melody")
    return tmp_path / "melody"


def folk_and_rock_tunes() -> list[Melody]:
    """Four tunes of folk and of rock, and a pop tune too short to measure."""
    test = [tune(genre, seed) for genre in ("folk", "rock") for seed in range(4)]
    return [*test, melody_of(C_MAJOR_BAR, genre="pop", name="too short")]


def test_json_report_compares_every_measure_and_names_skipped_genres(
    checkpoint: Path, capsys
) -> None:
    options = ["--checkpoint", str(checkpoint), "--json", "--count", "6", "--bars", "8"]

    evaluate_form.main(options, test=folk_and_rock_tunes())

    result = json.loads(capsys.readouterr().out)
    assert set(result["genres"]) == {"folk", "rock"}
    assert set(result["skipped_genres"]) == {"classical", "jazz", "pop"}
    for report in result["genres"].values():
        assert (report["real_excerpts"], report["generated"]) == (4, 6)
        assert set(report["metrics"]) == set(METRICS)
        assert report["metrics"]["bar_repetition"]["real"]["median"] == 0.125
        assert 0 <= report["discriminator"]["balanced_accuracy"] <= 1
        assert report["discriminator"]["folds"] == 4


def test_the_table_shows_each_genre_and_why_one_was_skipped(checkpoint: Path, capsys) -> None:
    options = ["--checkpoint", str(checkpoint), "--count", "6"]

    evaluate_form.main(options, test=folk_and_rock_tunes())

    table = capsys.readouterr().out
    assert "folk: 4 real excerpts of 4 pieces vs 6 generated" in table
    assert "bar_repetition" in table
    assert "skipped pop: fewer than 2 test pieces" in table


def test_generated_melodies_are_written_as_the_studio_writes_them_by_default(
    checkpoint: Path,
) -> None:
    network = LstmNetwork.load(checkpoint)
    real = {"rock": [tune("rock", seed) for seed in range(2)]}
    studio = generate(
        network,
        with_written_chords_for(
            [
                SamplingParams("rock", "C", "major", bars=8, seed=seed, write_chords=True)
                for seed in (5, 6)
            ],
            ProgressionNetwork.load(),
        ),
    )

    by_default = evaluate_form.generated_melodies(network, real, 2, 8, 5)["rock"]
    without = evaluate_form.generated_melodies(network, real, 2, 8, 5, NO_CHORDS)["rock"]

    assert [m.notes() for m in by_default] == [m.notes() for m in studio]
    assert [m.notes() for m in without] != [m.notes() for m in studio]
