"""Each genre's band: which writer plays each part (`arrangement.Style`), from the genres'
modules (`jazz.py`, `rock.py`, `pop.py`, `classical.py`, `folk.py`). The pop band's keys are the
piano learned from POP909 (`pop_piano.py`), or `pop.py`'s rule-based piano where its checkpoint
is missing. The general model ("any" genre) plays with the pop band; the plainest band, a bass
on the chord roots under block chords, plays where a genre has no style of its own.
"""

from __future__ import annotations

import numpy as np

from server.generation.band.arrangement import BarContext, PartWriter, Style
from server.generation.band.classical import CLASSICAL
from server.generation.band.folk import FOLK
from server.generation.band.jazz import JAZZ
from server.generation.band.piano_model import CHECKPOINT as PIANO_CHECKPOINT
from server.generation.band.pop import POP
from server.generation.band.pop_piano import PopPiano
from server.generation.band.rock import ROCK
from server.generation.chord_voicing import BASS_REGISTER, chord_pitches
from server.generation.notes import BASS, CHORDS, Note

BASS_VELOCITY = 84
CHORD_VELOCITY = 64  # under the melody, which it accompanies


class RootBass:
    """The chord's root, struck where each chord begins and held while it sounds."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def bar(self, context: BarContext) -> list[Note]:
        return [
            Note(BASS_REGISTER + span.chord.root, span.start, span.duration, BASS_VELOCITY, BASS)
            for span in context.spans
            if span.chord.root is not None
        ]


class BlockChords:
    """Each chord struck as a block (the chord track's voicing) and held while it sounds."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def bar(self, context: BarContext) -> list[Note]:
        return [
            Note(pitch, span.start, span.duration, CHORD_VELOCITY, CHORDS, span.chord.symbol)
            for span in context.spans
            for pitch in chord_pitches(span.chord)
        ]


PLAIN: Style = {BASS: RootBass, CHORDS: BlockChords}
STYLES: dict[str, Style] = {  # genre -> its band; a genre not here gets PLAIN
    "classical": CLASSICAL,
    "folk": FOLK,
    "jazz": JAZZ,
    "pop": POP | {CHORDS: PopPiano} if PIANO_CHECKPOINT.exists() else POP,
    "rock": ROCK,
}


GENERAL_STYLE = "pop"  # the band of a piece in "any" genre


def style_for(genre: str | None) -> Style:
    return STYLES.get(genre or GENERAL_STYLE, PLAIN)


__all__ = ["PLAIN", "STYLES", "BarContext", "PartWriter", "style_for"]
