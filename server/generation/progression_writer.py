"""Chords the model writes when the user gives none: the progression network samples one chord a
half-bar over the piece's form (a returning bar takes the chords of the bar it returns), and the
last bar is a cadence: the half-bar before it a V or IV chord, the last bar the tonic. A blues
form takes the blues' own chords (`progression_blues.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
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
    params = params.with_seed()
    if not params.write_chords or params.chords is not None:
        return params
    assert params.seed is not None  # with_seed() gives one
    progression, form = write_progression(network, params, params.seed)
    return replace(params, chords=progression, form=form)


def write_progression(
    network: ProgressionNetwork, params: SamplingParams, seed: int
) -> tuple[Progression, FormPlan]:
    """A progression over `params.bars` bars in its genre, key and mode, and the form it
    follows; the same seed writes the same chords."""
    rng = np.random.default_rng([seed, PROGRESSION_STREAM])
    form = plan_form(params.genre, params.bars, rng)
    if form.harmony == BLUES:
        return blues_progression(params.bars, params.key, params.mode, params.genre, rng), form
    slots = sample_slots(network, params, form, rng)
    shift = -normalizing_shift(params.tonic, params.mode)
    chords = [Chord.from_id(chord_id).transposed(shift) for chord_id in slots]
    spans: list[ChordSpan] = []
    for slot, chord in enumerate(chords):
        if spans and spans[-1].chord == chord:
            spans[-1] = replace(spans[-1], duration=spans[-1].duration + SLOT_TICKS)
        else:
            spans.append(ChordSpan(chord, slot * SLOT_TICKS, SLOT_TICKS))
    return Progression(tuple(spans), params.bars, BEATS_PER_BAR), form


def sample_slots(
    network: ProgressionNetwork, params: SamplingParams, form: FormPlan, rng: np.random.Generator
) -> list[int]:
    """Chord ids in the normalized key, one a half-bar: drawn by the network, copied where the
    form returns an earlier bar, constrained to the cadence at the end."""
    total = params.bars * SLOTS_PER_BAR
    genre = GENRES.index(params.genre or DEFAULT_GENRE)
    mode = 0 if params.mode == "major" else 1
    masks = _slot_masks(params.mode, total)
    state, previous = network.initial_state(), CHORD_BOS
    slots: list[int] = []
    for slot in range(total):
        logits, state = network.step(previous, slot % PHRASE_SLOTS, genre, mode, state)
        source = form.returns(slot // SLOTS_PER_BAR)
        mask = masks.get(slot)
        if source is not None and mask is None:
            chosen = slots[source * SLOTS_PER_BAR + slot % SLOTS_PER_BAR]
        else:
            allowed = mask if mask is not None else masks["any"]
            chosen = int(nucleus_draw(logits, [rng], np.ones(1), np.full(1, TOP_P), allowed)[0])
        slots.append(chosen)
        previous = chosen
    return slots


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
