"""Chord labels for training: a classical score is labelled with the harmony its parts sound."""

from __future__ import annotations

from pathlib import Path

from music21 import chord, meter, note, stream

from training.corpora.music21_corpus import read_score_with_parts
from training.corpora.pieces import Piece
from training.encode import score_labels

# Four bars in C: the top line holds E, D, C and then G-F-E-D while the lower parts change
# chord on beats 1 and 3; a held E fits both C and A minor, which only the other parts tell.
TOP = [("E5", 4), ("D5", 4), ("C5", 4), ("G4", 1), ("F4", 1), ("E4", 1), ("D4", 1)]
LOWER = [
    (("C3", "G3", "C4"), 2),
    (("A2", "A3", "C4"), 2),
    (("G2", "G3", "B3"), 2),
    (("B2", "G3", "B3"), 2),
    (("C3", "G3", "E4"), 2),
    (("F2", "A3", "C4"), 2),
    (("C3", "G3", "C4"), 2),
    (("G2", "G3", "B3"), 2),
]
EXPECTED = ["C", "C", "Am", "Am", "G", "G", "G", "G", "C", "C", "F", "F", "C", "C", "G", "G"]


def four_bars(path: Path, *, upbeat: bool = False) -> Path:
    """The bars above as a two-part score, after a one-beat upbeat (G over G major) if asked."""
    lines = (
        ([note.Note(pitch, quarterLength=beats) for pitch, beats in TOP], note.Note("G4")),
        (
            [chord.Chord(pitches, quarterLength=beats) for pitches, beats in LOWER],
            chord.Chord(["G2", "D3", "B3"]),
        ),
    )
    parts = []
    for line, upbeat_note in lines:
        part = stream.Part()
        bars = list(stream.Stream(line).makeMeasures().getElementsByClass(stream.Measure))
        if upbeat:
            pickup = stream.Measure([meter.TimeSignature("4/4"), upbeat_note], number=0)
            pickup.paddingLeft = 3.0
            bars = [pickup, *bars]
            for bar in bars[1:]:
                bar.removeByClass(meter.TimeSignature)
        else:
            bars[0].insert(0, meter.TimeSignature("4/4"))
        for bar in bars:
            part.append(bar)
        parts.append(part)
    stream.Score(parts).write("musicxml", fp=path)
    return path


def labels(path: Path) -> tuple[list[int], list[str]]:
    melody, notes = read_score_with_parts(Piece("music21", "classical", str(path), path.stem))
    assert (melody.tonic, melody.mode) == (0, "major")
    return [n.pitch for n in melody.notes()], [str(c) for c in score_labels(melody, notes)]


def test_a_score_is_labelled_with_the_chords_its_parts_sound(tmp_path: Path) -> None:
    pitches, chords = labels(four_bars(tmp_path / "four_bars.musicxml"))

    assert pitches == [76, 74, 72, 67, 65, 64, 62]
    assert chords == EXPECTED


def test_an_upbeat_gets_its_own_beat_and_the_bars_keep_theirs(tmp_path: Path) -> None:
    pitches, chords = labels(four_bars(tmp_path / "upbeat.musicxml", upbeat=True))

    assert pitches == [67, 76, 74, 72, 67, 65, 64, 62]
    assert chords == ["G", *EXPECTED]
