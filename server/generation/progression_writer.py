"""Chords the model writes when the user gives none: the progression network samples one chord a
half-bar over the piece's form (a returning bar takes the chords of the bar it returns), and the
last bar is a cadence: the half-bar before it a V or IV chord, the last bar the tonic. A blues
form takes the blues' own chords (`progression_blues.py`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from server.generation.chords import VOCABULARY_SIZE, Chord, parse_symbol
from server.generation.form_plan import BLUES, FormPlan, plan_form
from server.generation.melody import GENRES
from server.generation.notes import TICKS_PER_BEAT
from server.generation.nucleus import nucleus_draw
from server.generation.progression import ChordSpan, Progression
from server.generation.progression_blues import blues_progression
from server.generation.progression_network import (
    CHORD_BOS,
    PHRASE_SLOTS,
    SLOTS_PER_BAR,
    ProgressionNetwork,
    normalizing_shift,
)
from server.generation.sampling_params import SamplingParams

BEATS_PER_BAR = 4  # the melody is in 4/4
SLOT_TICKS = BEATS_PER_BAR * TICKS_PER_BEAT // SLOTS_PER_BAR
DEFAULT_GENRE = "pop"  # the network's condition for the general model ("any" genre)
TOP_P = 0.9  # chords are drawn from the likeliest nine tenths, at temperature 1
# Chords that end a piece, in C major / A minor: (the half-bar before the last bar, the last bar).
ENDINGS = {
    "major": ("G G7 Gsus4 F Fmaj7 F6 Fm", "C Cmaj7 C6"),
    "minor": ("E E7 Esus4 Dm Dm7 Dm6 D", "Am Am7 Am6"),
}
AUTO_CHORDS, NO_CHORDS = "auto", "none"  # what a request writes for: the model's chords; none
PROGRESSION_STREAM = 1  # the seed's second word: the chords' draws are apart from the melody's


def ending_chords(mode: str) -> tuple[frozenset[Chord], frozenset[Chord]]:
    """(V and IV chords, tonic chords) of a cadence in the normalized key of `mode`."""
    approaches, tonics = ENDINGS[mode]
    return (
        frozenset(parse_symbol(s) for s in approaches.split()),
        frozenset(parse_symbol(s) for s in tonics.split()),
    )


def with_written_chords(params: SamplingParams, network: ProgressionNetwork) -> SamplingParams:
    """`params` with a concrete seed and, when it asks the model to write chords and gives none,
    the progression and form the seed draws."""
    return with_written_chords_for([params], network)[0]


def with_written_chords_for(
    requests: Sequence[SamplingParams], network: ProgressionNetwork
) -> list[SamplingParams]:
    """Each request as `with_written_chords` makes it, the network stepping every progression to
    write in one batch: the same chords as one at a time, at a fraction of the cost a piece."""
    seeded = [params.with_seed() for params in requests]
    asked = [i for i, params in enumerate(seeded) if params.write_chords and params.chords is None]
    written = write_progressions(network, [seeded[i] for i in asked])
    for i, (progression, form) in zip(asked, written, strict=True):
        seeded[i] = replace(seeded[i], chords=progression, form=form)
    return seeded


def write_progression(
    network: ProgressionNetwork, params: SamplingParams, seed: int
) -> tuple[Progression, FormPlan]:
    """A progression over `params.bars` bars in its genre, key and mode, and the form it
    follows; the same seed writes the same chords."""
    return write_progressions(network, [replace(params, seed=seed)])[0]


def write_progressions(
    network: ProgressionNetwork, requests: Sequence[SamplingParams]
) -> list[tuple[Progression, FormPlan]]:
    """`write_progression` of each request (its own seed), drawn together."""
    seeds = [params.seed for params in requests]
    assert None not in seeds  # every request is seeded: with_seed()
    rngs = [np.random.default_rng([seed or 0, PROGRESSION_STREAM]) for seed in seeds]
    forms = [plan_form(p.genre, p.bars, rng) for p, rng in zip(requests, rngs, strict=True)]
    drawn = [i for i, form in enumerate(forms) if form.harmony != BLUES]
    slots = sample_slots(
        network, [requests[i] for i in drawn], [forms[i] for i in drawn], [rngs[i] for i in drawn]
    )
    progressions = dict(zip(drawn, slots, strict=True))
    written = []
    for i, (params, form, rng) in enumerate(zip(requests, forms, rngs, strict=True)):
        if i in progressions:
            written.append((_from_slots(params, progressions[i]), form))
        else:
            blues = blues_progression(params.bars, params.key, params.mode, params.genre, rng)
            written.append((blues, form))
    return written


def _from_slots(params: SamplingParams, slots: list[int]) -> Progression:
    """Chord ids a half-bar in the normalized key, as a progression in the piece's key."""
    shift = -normalizing_shift(params.tonic, params.mode)
    spans, start = [], 0
    for chord_id, run in itertools.groupby(slots):
        duration = len(list(run)) * SLOT_TICKS
        spans.append(ChordSpan(Chord.from_id(chord_id).transposed(shift), start, duration))
        start += duration
    return Progression(tuple(spans), params.bars, BEATS_PER_BAR)


def sample_slots(
    network: ProgressionNetwork,
    requests: Sequence[SamplingParams],
    forms: Sequence[FormPlan],
    rngs: Sequence[np.random.Generator],
) -> list[list[int]]:
    """Per request, chord ids in the normalized key, one a half-bar: drawn by the network (each
    request from its own generator), copied where its form returns an earlier bar, constrained
    to the cadence at its end. Every request still writing steps in one batch."""
    totals = np.array([params.bars * SLOTS_PER_BAR for params in requests], dtype=np.int64)
    genres = np.array([GENRES.index(params.genre or DEFAULT_GENRE) for params in requests])
    modes = np.array([0 if params.mode == "major" else 1 for params in requests])
    masks = [_slot_masks(params.mode, params.bars * SLOTS_PER_BAR) for params in requests]
    state, previous = network.initial_state(len(requests)), np.full(len(requests), CHORD_BOS)
    slots: list[list[int]] = [[] for _ in requests]
    for slot in range(int(totals.max(initial=0))):
        rows = np.flatnonzero(totals > slot)  # the requests still writing
        logits, state[:, rows] = network.step(
            previous[rows], slot % PHRASE_SLOTS, genres[rows], modes[rows], state[:, rows]
        )
        draws, allowed = [], []
        for at, i in enumerate(rows.tolist()):
            source = forms[i].returns(slot // SLOTS_PER_BAR)
            mask = masks[i].get(slot)
            if source is not None and mask is None:
                previous[i] = slots[i][source * SLOTS_PER_BAR + slot % SLOTS_PER_BAR]
            else:
                draws.append(at)
                allowed.append(mask if mask is not None else masks[i]["any"])
        if draws:
            drawing = rows[draws]
            previous[drawing] = nucleus_draw(
                logits[draws],
                [rngs[i] for i in drawing.tolist()],
                np.ones(len(draws)),
                np.full(len(draws), TOP_P),
                np.concatenate(allowed),
            )
        for i in rows.tolist():
            slots[i].append(int(previous[i]))
    return slots


@functools.lru_cache(maxsize=64)
def _slot_masks(mode: str, total: int) -> dict[int | str, np.ndarray]:
    """(1, VOCABULARY_SIZE) bool masks: "any" (every chord, no "no chord"), and the cadence's
    slots: the half-bar before the last bar, and the last bar's."""
    approaches, tonics = ending_chords(mode)
    masks: dict[int | str, np.ndarray] = {
        "any": _mask(Chord.from_id(i) for i in range(1, VOCABULARY_SIZE))
    }
    for slot in range(max(total - SLOTS_PER_BAR, 0), total):
        masks[slot] = _mask(tonics)
    if total > SLOTS_PER_BAR:
        masks[total - SLOTS_PER_BAR - 1] = _mask(approaches)
    else:  # a piece of one bar: V or IV, then the tonic
        masks[0] = _mask(approaches)
    return masks


def _mask(chords: Iterable[Chord]) -> np.ndarray:
    mask = np.zeros((1, VOCABULARY_SIZE), dtype=bool)
    for chord in chords:
        mask[0, chord.id] = True
    return mask
