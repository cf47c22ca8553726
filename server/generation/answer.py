"""An answer to a played phrase (call and response): a melody stream that reads the phrase as
its primer, rests until the answer is due, and writes `answer_bars` bars over the same chords.

The stream's tick 0 is the bar line at or before the phrase's first note; `AnswerPlan` says where
that bar line, the answer's start and its end lie on the duet's own timeline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from server.generation.melody import Event
from server.generation.melody_stream import BAR_TICKS, MelodyStream
from server.generation.notes import TICKS_PER_BEAT, Note
from server.generation.progression import Progression
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import Vocabulary


@dataclass(frozen=True)
class AnswerPlan:
    """Where one answer lies on the duet's timeline, in ticks: the bar line its stream starts
    at (`origin`, at or before the phrase's first note), where the answer starts and ends."""

    origin: int
    start: int
    end: int

    @classmethod
    def after(
        cls, phrase: Sequence[Note], phrase_end: int, lead: int, answer_bars: int
    ) -> AnswerPlan:
        """The answer to `phrase`, judged over at tick `phrase_end`: it starts on the first beat
        at least `lead` ticks later (the time the answer takes to reach the player) and lasts
        `answer_bars` bars."""
        origin = min(note.start for note in phrase) // BAR_TICKS * BAR_TICKS
        start = math.ceil((phrase_end + lead) / TICKS_PER_BEAT) * TICKS_PER_BEAT
        return cls(origin, start, start + answer_bars * BAR_TICKS)

    @property
    def bars(self) -> int:
        """Bars of the stream: from its origin to the bar line at or after the answer's end."""
        return math.ceil((self.end - self.origin) / BAR_TICKS)

    def stream_params(self, params: SamplingParams, phrase: Sequence[Note]) -> SamplingParams:
        """The duet's `params` for this answer's stream: the phrase as its primer (in beats from
        the origin) and the duet's chords from the origin's bar on."""
        primer = tuple(
            (note.pitch, (note.start - self.origin) / TICKS_PER_BEAT, note.duration_beats)
            for note in phrase
        )
        chords: Progression | None = params.chords
        if chords is not None:
            chords = chords.window(self.origin // BAR_TICKS, self.bars)
        return replace(params, bars=self.bars, primer=primer, chords=chords, form=None)


class AnswerStream(MelodyStream):
    """The stream of one answer: the phrase (its primer), a rest up to the answer's start, then
    the answer to its end. Its notes are in the stream's ticks; `own_notes` drops the phrase's."""

    RETURNS_PHRASES = False  # an answer is a few bars: no form whose bars come back

    def __init__(self, params: SamplingParams, vocabulary: Vocabulary, plan: AnswerPlan) -> None:
        super().__init__(params, vocabulary)
        self.plan = plan
        self.phrase_notes = sum(event.pitch is not None for event in self.primer)
        primer_end = sum(event.duration for event in self.primer)
        wait = plan.start - plan.origin - primer_end
        if wait > 0:
            self.primer = self.primer + vocabulary.fit_events([Event(None, wait)])
        self.total_ticks = plan.end - plan.origin

    def own_notes(self, notes: Sequence[Note], first_index: int) -> list[Note]:
        """Of the stream's notes from number `first_index`, the answer's, on the duet's
        timeline (the phrase played back by the primer is left out)."""
        skip = max(self.phrase_notes - first_index, 0)
        return [note.shifted(self.plan.origin) for note in notes[skip:]]
