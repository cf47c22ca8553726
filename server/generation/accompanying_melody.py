"""A melody stream over chords the room decides as it plays (`Accompaniment`): before the model
writes into a bar, and before the band plays one, the chords that far are committed, and the
melody and the band follow them from there.
"""

from __future__ import annotations

from dataclasses import replace

from server.generation.accompaniment import Accompaniment
from server.generation.band.arrangement import Band
from server.generation.melody_stream import BAR_TICKS, MelodyStream
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import Vocabulary


class AccompanyingMelody(MelodyStream):
    """The live piece of an accompanying room. Its bars bring back no earlier phrase: a bar
    written again over a chord the room chose since would not fit it."""

    RETURNS_PHRASES = False
    BAND_BARS_AHEAD = 1  # the band waits for the room's chords as long as it can

    def __init__(
        self, params: SamplingParams, vocabulary: Vocabulary, accompaniment: Accompaniment
    ) -> None:
        self.accompaniment = accompaniment
        self.band: Band | None = None  # the stream's band, once the engine has made it
        accompaniment.commit_through(1)  # the opening bar and the next, from the key alone
        chords = accompaniment.progression()
        super().__init__(replace(params, chords=chords, write_chords=False, form=None), vocabulary)

    def next_inputs(self) -> tuple[int, ...]:
        # The network reads the chord under the next event and the one after it.
        self.chords_until(self.tick + self.tick_offset + BAR_TICKS)
        return super().next_inputs()

    def chords_until(self, tick: int) -> None:
        if self.accompaniment.commit_through(tick // BAR_TICKS):
            chords = self.accompaniment.progression()
            self.follow(chords)
            if self.band is not None:
                self.band.chords = chords
