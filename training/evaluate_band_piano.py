"""What the pop piano plays over held-out POP909 songs' chords, against what their piano played
there: a measure apart from the model's own likelihood.

Over every held-out four-beat bar the server's writer (`PopPiano`) and the plain band's block
chords (the rule baseline) each play the bar's annotated chords; each is compared with the
song's real piano in that bar by notes and distinct onsets per bar, the share of notes that are
tones of the chord sounding, and the total variation distance between their histograms of onset
positions on the sixteenth grid (0: the same spread over the bar, 1: nothing in common), and
their registers (mean pitch, 5th and 95th percentiles; the real notes as their chord slots name
them, so a passing tone counts as the chord tone nearest it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from server.generation.band.arrangement import BarContext, PartWriter
from server.generation.band.chord_slots import slot_pitch
from server.generation.band.piano_model import PianoModel
from server.generation.band.pop_piano import PopPiano
from server.generation.band.styles import BlockChords
from server.generation.chords import Chord
from server.generation.notes import TICKS_PER_BEAT, Note
from server.generation.progression import ChordSpan
from training.piano_bars import PHRASE, SIXTEENTH, STEPS, PianoBar


def compare_bars(
    songs: Sequence[Sequence[PianoBar]], model: PianoModel, seed: int
) -> dict[str, dict[str, Any]]:
    """The figures of the real bars, the learned piano's and the block chords' (see above)."""
    real = _Tally()
    for song in songs:
        for bar in song:
            onsets = [note[0] for note in bar.pattern]
            pitches = [
                slot_pitch(slot, octave, bar.chords[onset // 4])
                for onset, _, slot, octave in bar.pattern
            ]
            real.add(bar.notes, len(set(onsets)), bar.chord_tones, onsets, pitches)
    writers: dict[str, Callable[[np.random.Generator], PartWriter]] = {
        "pop_piano": lambda rng: PopPiano(rng, model=model),
        "block_chords": BlockChords,
    }
    report = {"real": real.figures(None)}
    for name, factory in writers.items():
        tally = _Tally()
        for number, song in enumerate(songs):
            writer = factory(np.random.default_rng([seed, number]))
            for index, bar in enumerate(song):
                context = _context(bar, index)
                tally.add_notes(writer.bar(context), context)
        report[name] = tally.figures(real)
    return report


class _Tally:
    def __init__(self) -> None:
        self.bars = self.notes = self.onsets = self.tones = 0
        self.positions = np.zeros(STEPS)
        self.pitches: list[int] = []

    def add(
        self, notes: int, onsets: int, tones: int, positions: list[int], pitches: list[int]
    ) -> None:
        self.bars += 1
        self.pitches += pitches
        self.notes += notes
        self.onsets += onsets
        self.tones += tones
        np.add.at(self.positions, positions, 1)

    def add_notes(self, notes: list[Note], context: BarContext) -> None:
        positions = [min(note.start // SIXTEENTH, STEPS - 1) for note in notes]
        tones = sum(
            note.pitch % 12 in context.chord_at(note.start).pitch_classes() for note in notes
        )
        self.add(len(notes), len(set(positions)), tones, positions, [n.pitch for n in notes])

    def figures(self, real: _Tally | None) -> dict[str, Any]:
        spread = self.positions / max(self.positions.sum(), 1.0)
        figures = {
            "notes_per_bar": round(self.notes / max(self.bars, 1), 2),
            "onsets_per_bar": round(self.onsets / max(self.bars, 1), 2),
            "chord_tone_share": round(self.tones / max(self.notes, 1), 4),
            "pitch_mean": round(float(np.mean(self.pitches)), 1) if self.pitches else 0.0,
            "pitch_p5_p95": [int(p) for p in np.percentile(self.pitches or [0], [5, 95])],
        }
        if real is not None:
            theirs = real.positions / max(real.positions.sum(), 1.0)
            figures["onset_position_distance"] = round(
                0.5 * float(np.abs(spread - theirs).sum()), 4
            )
        return figures


def _context(bar: PianoBar, index: int) -> BarContext:
    """The bar's annotated chords as the band would hand them to a writer (never the last bar:
    a held-out bar is in the middle of its song)."""
    spans: list[ChordSpan] = []
    for beat, chord in enumerate(bar.chords):
        if spans and spans[-1].chord == chord:
            last = spans.pop()
            spans.append(ChordSpan(chord, last.start, last.duration + TICKS_PER_BEAT))
        else:
            spans.append(ChordSpan(chord, beat * TICKS_PER_BEAT, TICKS_PER_BEAT))
    return BarContext(
        index=PHRASE * index + bar.phrase_position,
        bars=PHRASE * (index + 2),
        beats_per_bar=len(bar.chords),
        tempo=90.0,
        spans=tuple(spans),
        next_chord=Chord(None),
        section_end=bar.phrase_position == PHRASE - 1,
        tonic=0,
        mode="major",
    )
