"""How strongly a conversion's choices are pulled toward its source (transfer.py): log-affinities
over the next pitch and the next duration at a tick of the source plan. The transfer adds them,
times (1 - strength) / strength, to the genre model's logits.

Pitch: near the source's smoothed line (a step or two either side costs nothing, so the genre's
own intervals survive), in the pitch classes of the source bar, resting where the source rests
and not where it sounds, and not repeating the last note where the source moves on (a note the
source does not have repeats the one before it only as often as the genre model wants).
Duration: ending on the source's onsets and passing over none of them (the phrase rhythm), and a
rest no longer than the source's silence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from server.generation.melody import TICKS_PER_QUARTER
from server.generation.transfer_source import SourcePlan
from server.generation.vocabulary import Vocabulary


@dataclass(frozen=True)
class Pulls:
    """The affinities' weights, in log-probability. `PULLS` is what conversions use;
    `Pulls.before_chords()` the weights conversions had before they kept the song's phrase
    rhythm (the evaluation measures both in one run)."""

    pitch: float = 1.0  # per semitone away from the source's smoothed line...
    pitch_tolerance: float = 2.0  # ...past this many: neighbours are the genre's to choose
    rest: float = 3.0  # against a rest where the source sounds, or a note in its rest
    repeat: float = 2.0  # against repeating the last pitch where the source does not
    onset: float = 2.0  # against ending an event where the source has no onset
    skip: float = 1.0  # per source onset an event passes over
    # Rhythm is held a little more loosely than pitch: it carries much of a genre's style, but
    # the song's phrase rhythm is what a listener recognizes after the tune.
    rhythm_share: float = 0.6
    silence: float = 3.0  # per beat of a rest that sounds over the source's notes

    @classmethod
    def before_chords(cls) -> Pulls:
        return cls(pitch_tolerance=0.0, repeat=0.0, rhythm_share=0.2, silence=0.0)


PULLS = Pulls()
CHROMA_PULL = 1.0  # log-probability weight of the pitch classes the source bar uses
CHROMA_FLOOR = 0.05  # share given to pitch classes the bar does not use


def pitch_affinity(
    plan: SourcePlan,
    vocabulary: Vocabulary,
    tick: int,
    last_pitch: int | None = None,
    pulls: Pulls = PULLS,
) -> np.ndarray:
    """(n_pitch,) log-affinity at `tick`, after a note of pitch id `last_pitch` (None after a
    rest or at the start)."""
    ids = np.arange(vocabulary.n_pitch)
    affinity = np.zeros(vocabulary.n_pitch)
    if not np.isnan(plan.contour[tick]):
        distance = np.maximum(np.abs(ids - plan.contour[tick]) - pulls.pitch_tolerance, 0.0)
        affinity -= pulls.pitch * distance
    shares = plan.chroma[min(plan.bar_of(tick), len(plan.chroma) - 1)]
    classes = (ids - 1 + vocabulary.pitch_low) % 12
    affinity += CHROMA_PULL * np.log(
        (shares[classes] + CHROMA_FLOOR) / (shares.max() + CHROMA_FLOOR)
    )
    resting = plan.pitch_ids[tick] == vocabulary.REST_ID
    if last_pitch is not None and last_pitch != vocabulary.REST_ID:
        if not (plan.onset[tick] and plan.pitch_ids[tick] == plan.previous_pitch[tick]):
            affinity[last_pitch] -= pulls.repeat
    affinity[vocabulary.REST_ID] = 0.0 if resting else -pulls.rest
    if resting:
        affinity[ids != vocabulary.REST_ID] -= pulls.rest
    return affinity


def duration_affinity(
    plan: SourcePlan,
    tick: int,
    durations: np.ndarray,
    resting: bool,
    pulls: Pulls = PULLS,
) -> np.ndarray:
    """(n_duration,) log-affinity of an event from `tick` lasting each of `durations`: a note
    or (`resting`) a rest."""
    ends = np.minimum(tick + durations, plan.total_ticks)
    on_onset = plan.onset[ends]
    skipped = plan.onsets_before[ends] - plan.onsets_before[tick + 1]
    rhythm = -pulls.onset * ~on_onset - pulls.skip * skipped
    affinity: np.ndarray = pulls.rhythm_share * rhythm
    if resting:  # beats of the source's sound the rest would cover
        covered = plan.sounding_before[ends] - plan.sounding_before[tick]
        affinity = affinity - pulls.silence * covered / TICKS_PER_QUARTER
    return affinity
