"""Phrases that come back over a piece's form (`form_plan.FormPlan`): a bar that returns an
earlier bar brings that bar's phrase back, as composers bring a strain or a chorus back.

- **Exact returns**: the opening bars of a returning phrase are their source bars again, event
  for event (the stream picks these ids itself and the network reads them as its own), moved by
  the step between the chord roots under the two bars when the chords differ.
- **Varied returns**: the phrase's other bars, where a cadence is turned, are the network's, with
  a bias toward the source bar's event of the same rank (the bar's first, second... event): its
  pitch, moved as above, and its duration. They echo the phrase's contour and rhythm without
  copying it, and the echo survives a rhythm that drifts from the source's.

How many opening bars return exactly, and how strongly the rest lean on their source, is set
per genre (`STYLES`) so that the share of bars that repeat an earlier one lands near real
melodies of the genre (`training.evaluate_form`): a folk tune repeats its strains almost note
for note, a jazz solo hardly ever repeats a bar but echoes its motifs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from server.generation.form_plan import FormPlan, plan_form
from server.generation.progression import Progression
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import Vocabulary

Onset = tuple[int | None, int]  # (pitch or None for a rest, duration id) of an event


@dataclass(frozen=True)
class ReturnStyle:
    """`exact_bars`: the mean number of opening bars of a returning phrase brought back exactly
    (the whole part always, one more with the fraction's probability); `pitch_bias`, in logit
    units, pulls a varied bar toward its source's pitches."""

    exact_bars: float
    pitch_bias: float


# Measured against real 16-bar excerpts of each genre's test split (docs/model-card.md, "Form and
# realism"): real bar repetition averages 11% (classical), 20% (folk), 0% (jazz), 13% (pop) and
# 9% (rock); a 16-bar form returns 8 of its bars.
STYLES: dict[str, ReturnStyle] = {
    "classical": ReturnStyle(exact_bars=1.2, pitch_bias=2.5),
    "folk": ReturnStyle(exact_bars=1.7, pitch_bias=2.0),
    "jazz": ReturnStyle(exact_bars=0.0, pitch_bias=4.5),
    "pop": ReturnStyle(exact_bars=1.7, pitch_bias=5.0),
    "rock": ReturnStyle(exact_bars=1.6, pitch_bias=4.0),
}
DEFAULT_STYLE = ReturnStyle(exact_bars=1.0, pitch_bias=2.0)
FORM_DRAWS = 0x464F524D  # mixed into a stream's seed for its form draws, apart from its notes'


def phrase_returns_for(
    params: SamplingParams, vocabulary: Vocabulary, bar_ticks: int
) -> PhraseReturns:
    """The returns of a seeded stream over `params.form`, or over a form drawn for its genre
    (the same one for the same seed)."""
    rng = np.random.default_rng([params.seed or 0, FORM_DRAWS])
    plan = params.form or plan_form(params.genre, params.bars, rng)
    style = STYLES.get(params.genre or "", DEFAULT_STYLE)
    return PhraseReturns(plan, style, vocabulary, bar_ticks, rng, params.chords)


def exact_bars(plan: FormPlan, style: ReturnStyle, rng: np.random.Generator) -> frozenset[int]:
    """The returning bars brought back exactly: the first k bars of each returning phrase (a run
    of bars returning consecutive source bars), k = floor(mean) plus one with the fraction's
    probability."""
    whole = math.floor(style.exact_bars)
    chosen: set[int] = set()
    bar = 0
    while bar < plan.bars:
        if plan.returns(bar) is None:
            bar += 1
            continue
        run = 1
        while plan.returns(bar + run) == _plus_one(plan.returns(bar + run - 1)):
            run += 1
        count = whole + int(rng.random() < style.exact_bars - whole)
        chosen.update(range(bar, bar + min(count, run)))
        bar += run
    return frozenset(chosen)


def _plus_one(bar: int | None) -> int | None:
    return None if bar is None else bar + 1


class PhraseReturns:
    """One stream's returns, in the normalized key: what it plays in an exact bar and its bias in
    a varied one. `record` is told every event the stream accepts."""

    def __init__(
        self,
        plan: FormPlan,
        style: ReturnStyle,
        vocabulary: Vocabulary,
        bar_ticks: int,
        rng: np.random.Generator,
        chords: Progression | None = None,
    ) -> None:
        self.plan, self.style, self.vocabulary, self.bar_ticks = plan, style, vocabulary, bar_ticks
        self.exact = exact_bars(plan, style, rng)
        self.onsets: dict[int, Onset] = {}
        self.bar_onsets: dict[int, list[int]] = {}  # bar -> its onset ticks, in order
        self.shifts = [self._root_move(bar, chords) for bar in range(plan.bars)]

    def _root_move(self, bar: int, chords: Progression | None) -> int:
        """Semitones (-5..+6) from the chord root under the source bar's downbeat to the one
        under `bar`'s; 0 without chords or where either has none."""
        source = self.plan.returns(bar)
        if chords is None or source is None:
            return 0
        here = chords.chord_at(bar * self.bar_ticks).root
        there = chords.chord_at(source * self.bar_ticks).root
        if here is None or there is None:
            return 0
        return (here - there + 5) % 12 - 5

    def record(self, tick: int, pitch: int | None, duration_id: int) -> None:
        self.onsets[tick] = (pitch, duration_id)
        self.bar_onsets.setdefault(tick // self.bar_ticks, []).append(tick)

    def source_tick(self, tick: int) -> int | None:
        """The tick at the same place in the bar that `tick`'s bar returns; None in a new bar."""
        bar = tick // self.bar_ticks
        source = self.plan.returns(bar)
        return None if source is None else tick - (bar - source) * self.bar_ticks

    def copies(self, tick: int) -> bool:
        """Whether the event at `tick` is brought back exactly (the stream chooses it)."""
        return tick // self.bar_ticks in self.exact

    def choice(self, tick: int) -> tuple[int, int]:
        """(pitch id, duration id) of the event at `tick` in an exact bar: the source's event
        moved by the bar's root step; where the source holds a note begun earlier (the bar
        before ended otherwise than its source's), a rest up to the source's next onset."""
        source = self.source_tick(tick)
        assert source is not None  # an exact bar returns a source bar
        if source in self.onsets:
            pitch, duration_id = self.onsets[source]
            shifted = self._moved(pitch, self.shifts[tick // self.bar_ticks])
            return self.vocabulary.pitch_id(shifted), duration_id
        bar_end = (source // self.bar_ticks + 1) * self.bar_ticks
        starts = self.bar_onsets.get(source // self.bar_ticks, [])
        later = [start for start in starts if source < start < bar_end]
        gap = min(later, default=bar_end) - source
        return self.vocabulary.pitch_id(None), self._longest_within(gap)

    def pitch_bias(self, tick: int) -> np.ndarray | None:
        """(n_pitch,) logits toward the pitch of the source's event of the same rank in a varied
        bar; None elsewhere, where the source bar has no more events, or where it is a rest."""
        onset = self._varied_onset(tick)
        if onset is None or onset[0] is None:
            return None
        bias = np.zeros(self.vocabulary.n_pitch)
        pitch = self._moved(onset[0], self.shifts[tick // self.bar_ticks])
        bias[self.vocabulary.pitch_id(pitch)] = self.style.pitch_bias
        return bias

    def _varied_onset(self, tick: int) -> Onset | None:
        """The source bar's event of the rank the event at `tick` has in its varied bar."""
        bar = tick // self.bar_ticks
        source = self.plan.returns(bar)
        if source is None or bar in self.exact:
            return None
        rank = len(self.bar_onsets.get(bar, []))
        starts = self.bar_onsets.get(source, [])
        return self.onsets[starts[rank]] if rank < len(starts) else None

    def _moved(self, pitch: int | None, shift: int) -> int | None:
        """`pitch` moved by `shift`, an octave back where that leaves the network's range."""
        if pitch is None:
            return None
        moved = pitch + shift
        if moved > self.vocabulary.pitch_high:
            moved -= 12
        if moved < self.vocabulary.pitch_low:
            moved += 12
        return moved

    def _longest_within(self, ticks: int) -> int:
        """The id of the longest duration of at most `ticks` (the shortest when none is)."""
        durations = self.vocabulary.durations
        fitting = [index for index, length in enumerate(durations) if length <= ticks]
        return fitting[-1] if fitting else 0
