"""The realism part of `python -m training.evaluate`: per genre, generated 16-bar melodies (over
the chords the model writes, as the studio writes them by default) beside real excerpts of the
genre's test split (`training.evaluate_form`): the share of strong-beat notes
that are chord tones, bar repetition, motif recurrence and note density, and the balanced
accuracy of the real-vs-generated discriminator; with the slot for bits per event with and
without chords.

The chord-tone share reads the chords the recognizer hears in each melody alone
(`chord_recognizer.label_melody`, as the corpora without chord labels are labelled for
training), the same way for real and generated melodies: notes starting on beats 1 and 3 of a
4/4 bar under a chord, the share of them that are its tones.
"""

from __future__ import annotations

from server.generation.chord_following import STRONG_BEAT_TICKS
from server.generation.chord_recognizer import label_melody, melody_lead
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.notes import TICKS_PER_BEAT
from training.evaluate_form import FOLDS, evaluate_genre, real_and_generated

FORM_MEASURES = ("bar_repetition", "motif_recurrence", "note_density")
# Bits per event with the true chords and without them need the corpora encoded with their
# chords; `training.evaluate` fills them in from those (`fill_chord_bits`), and says so otherwise
# rather than leaving the keys out.
CHORD_BITS_MISSING = "with and without chords: measured on the encoded corpora only"
REALISM_KEYS = (
    "bits_with_chords",
    "bits_without_chords",
    "chord_tone_share",
    *FORM_MEASURES,
    "discriminator_balanced_accuracy",
)


def chord_bits_slot() -> dict[str, object]:
    """Bits per event with and without chords: null, with the reason, until they are measured."""
    return {"bits_with_chords": None, "bits_without_chords": None, "bits_note": CHORD_BITS_MISSING}


def strong_beat_chord_tones(melody: Melody) -> tuple[int, int]:
    """(chord tones, notes) among the notes on beats 1 and 3 of the melody's bars under a chord
    the recognizer hears in the melody."""
    chords = label_melody(melody)
    lead = melody_lead(melody)
    tones = notes = 0
    for note in melody.notes():
        if (note.start - melody.pickup_ticks) % melody.bar_ticks not in STRONG_BEAT_TICKS:
            continue
        beat = (note.start + lead) // TICKS_PER_BEAT
        if beat < len(chords) and chords[beat].is_chord:
            notes += 1
            tones += note.pitch % 12 in chords[beat].pitch_classes()
    return tones, notes


def chord_tone_share(melodies: list[Melody]) -> float | None:
    """The pooled strong-beat chord-tone share of `melodies`; None without such notes."""
    counts = [strong_beat_chord_tones(melody) for melody in melodies]
    notes = sum(n for _, n in counts)
    return sum(t for t, _ in counts) / notes if notes else None


def realism(
    network: LstmNetwork, test: list[Melody], *, bars: int = 16, count: int = 200, seed: int = 0
) -> dict[str, dict[str, object]]:
    """Genre -> every key of REALISM_KEYS (each measure as {"real": ..., "generated": ...}, the
    form measures as median, p10, p90 and mean); a genre without enough real excerpts maps to
    {"skipped": why} instead."""
    real, generated, skipped = real_and_generated(network, test, bars, count, seed)
    report: dict[str, dict[str, object]] = {g: {"skipped": why} for g, why in skipped.items()}
    for genre in real:
        print(f"realism of {genre} ({len(real[genre])} real excerpts, {FOLDS}-fold discriminator)")
        form = evaluate_genre(real[genre], generated[genre], seed)
        row: dict[str, object] = chord_bits_slot()
        row["chord_tone_share"] = {
            "real": chord_tone_share(real[genre]),
            "generated": chord_tone_share(generated[genre]),
        }
        for name in FORM_MEASURES:
            sides = form["metrics"][name]
            row[name] = {side: sides[side] for side in ("real", "generated")}
        row["discriminator_balanced_accuracy"] = form["discriminator"]["balanced_accuracy"]
        row["real_excerpts"], row["generated"] = form["real_excerpts"], form["generated"]
        report[genre] = row
    return dict(sorted(report.items()))
