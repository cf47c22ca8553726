"""`training.evaluate --json` sets generated melodies beside real ones per genre: chord tones on
strong beats, bar repetition, motif recurrence, density and the discriminator, with the slot for
bits with and without chords; and the chord-tone share counts what it says."""

from __future__ import annotations

import json
from pathlib import Path

from server.generation.melody import Melody
from tests.notes import beat_notes
from tests.training.test_evaluate import folk_and_rock_splits, tiny_checkpoint
from tests.training.test_form_metrics import tune
from training import evaluate
from training.evaluate_realism import REALISM_KEYS, strong_beat_chord_tones


def test_json_report_has_every_realism_key_per_genre(tmp_path: Path, capsys) -> None:
    checkpoint = tiny_checkpoint(tmp_path)
    splits = folk_and_rock_splits(
        tune, {"train": range(4), "valid": range(4, 6), "test": range(6, 10)}
    )
    options = ["--checkpoint", str(checkpoint), "--json", "--no-original"]
    options += ["--samples", "2", "--bars", "8", "--form-count", "6", "--no-save"]

    evaluate.main(options, splits=splits)

    result = json.loads(capsys.readouterr().out)
    assert set(result["genres"]) == {"folk", "rock"}
    for report in result["genres"].values():
        realism = report["realism"]
        assert set(REALISM_KEYS) <= set(realism)
        assert realism["bits_with_chords"] is None and "chords" in realism["bits_note"]
        for name in ("bar_repetition", "motif_recurrence", "note_density"):
            assert set(realism[name]) == {"real", "generated"}
            assert set(realism[name]["real"]) == {"median", "p10", "p90", "mean"}
        # Eight bars whose last repeats the first a tone higher: 1 bar of 8.
        assert realism["bar_repetition"]["real"]["median"] == 0.125
        assert 0 <= realism["chord_tone_share"]["real"] <= 1
        assert 0 <= realism["discriminator_balanced_accuracy"] <= 1
        assert (realism["real_excerpts"], realism["generated"]) == (4, 6)


def test_the_chord_tone_share_counts_notes_on_beats_one_and_three() -> None:
    # C major arpeggios, a bar each: every note is a tone of the C chord the recognizer hears,
    # and two notes a bar fall on beats 1 and 3.
    arpeggio = [(60, 0.0, 1.0), (64, 1.0, 1.0), (67, 2.0, 1.0), (72, 3.0, 1.0)]
    notes = [(p, start + 4 * bar, length) for bar in range(4) for p, start, length in arpeggio]
    melody = Melody.from_notes(beat_notes(notes), genre="folk")
    assert strong_beat_chord_tones(melody) == (8, 8)
