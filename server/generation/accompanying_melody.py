"""A melody stream over chords the room decides as it plays (`Accompaniment`): before the model
writes into a bar, and before the band plays one, the chords that far are committed, and the
melody and the band follow them from there. The model accompanies: its melody rests, leaving
the lead to the members, except over the bars a member asked it to solo.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

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
        self.solos: list[tuple[int, int]] = []  # (first tick, end tick) of each solo asked for
        accompaniment.commit_through(1)  # the opening bar and the next, from the key alone
        chords = accompaniment.progression()
        super().__init__(replace(params, chords=chords, write_chords=False, form=None), vocabulary)

    def solo(self, bar: int, bars: int) -> None:
        """Play the lead over `bars` bars from bar `bar` (the event loop calls this)."""
        self.solos = [*self.solos, (bar * BAR_TICKS, (bar + bars) * BAR_TICKS)]

    @property
    def leads(self) -> bool:
        """Whether the next event falls in a solo."""
        return any(start <= self.tick < end for start, end in self.solos)

    @property
    def chooses_itself(self) -> bool:
        return not self.leads or super().chooses_itself

    def choose_pitch(self, pitch_logits: np.ndarray) -> int:
        if self.leads:
            return super().choose_pitch(pitch_logits)
        return self.vocabulary.pitch_id(None)

    def choose_duration(self, duration_logits: np.ndarray) -> int:
        """Outside a solo, a rest to the next bar line (where a solo may begin)."""
        if self.leads:
            return super().choose_duration(duration_logits)
        return self.vocabulary.duration_id(BAR_TICKS - self.tick % BAR_TICKS)

    def next_inputs(self) -> tuple[int, ...]:
        # The network reads the chord under the next event and the one after it.
        self.chords_until(self.tick + self.tick_offset + BAR_TICKS)
        return super().next_inputs()

    def chords_until(self, tick: int) -> None:
        if self.accompaniment.commit_through(tick // BAR_TICKS):
            chords = self.accompaniment.progression()
            self.follow(chords)
            if self.band is not None:
                self.band.change_chords(chords)
