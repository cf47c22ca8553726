"""An answer to a played phrase: it reads the phrase, rests until its start, fills exactly its
bars on the duet's timeline over the duet's chords, and (with the shipped model) stays in key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from server.generation.answer import AnswerPlan, AnswerStream
from server.generation.lstm import WEIGHTS_FILE, LstmNetwork
from server.generation.melody_stream import BAR_TICKS
from server.generation.notes import PLAYED, Note
from server.generation.progression_text import progression_from_input
from server.generation.sampler import run_to_end
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary

SHIPPED = Path(__file__).resolve().parents[2] / "checkpoints" / "melody"
D_MINOR = {2, 4, 5, 7, 9, 10, 0, 1}  # D natural and harmonic minor: C and C# both belong
# A phrase in D minor played from bar 5 (ticks 192..): D F A G, the last ending at beat 22.
PHRASE = [
    Note(62, 192, 12, part=PLAYED),
    Note(65, 204, 12, part=PLAYED),
    Note(69, 216, 12, part=PLAYED),
    Note(67, 228, 36, part=PLAYED),
]


@pytest.fixture(scope="module")
def network() -> LstmNetwork:
    return LstmNetwork.random(default_vocabulary(), hidden=16, layers=2, duration_hidden=8)


def duet_params() -> SamplingParams:
    chords = progression_from_input("Dm | Gm | A7 | Dm", key="D", mode="minor")
    return SamplingParams(
        genre="jazz", key="D", mode="minor", tempo=120, bars=16, chords=chords, seed=3
    )


def answer(network: LstmNetwork, plan: AnswerPlan, seed: int = 3) -> list[Note]:
    params = replace(plan.stream_params(duet_params(), PHRASE), seed=seed)
    stream = AnswerStream(params, network.require_vocabulary(), plan)
    written = run_to_end(network, [stream])[0]
    return stream.own_notes(written, 0)


def test_the_answer_starts_on_the_first_beat_after_the_lead_and_lasts_its_bars():
    plan = AnswerPlan.after(PHRASE, phrase_end=276, lead=7, answer_bars=2)
    assert plan.origin == 192  # the bar line before the phrase
    assert plan.start == 288 and plan.end == 288 + 2 * BAR_TICKS
    assert plan.bars == 4  # bar 5 to the end of bar 8


def test_the_stream_reads_the_duets_chords_from_the_phrases_bar(network):
    plan = AnswerPlan.after(PHRASE, phrase_end=276, lead=7, answer_bars=2)
    params = plan.stream_params(duet_params(), PHRASE)
    assert params.primer[0] == (62, 0.0, 1.0)
    assert params.chords is not None
    symbols = [params.chords.chord_at(bar * BAR_TICKS).symbol for bar in range(4)]
    assert symbols == ["Dm", "Gm", "A7", "Dm"]  # bar 5 of the duet is the loop's first again


def test_the_answer_fills_its_bars_after_the_phrase_and_nothing_else(network):
    plan = AnswerPlan.after(PHRASE, phrase_end=276, lead=7, answer_bars=2)
    notes = answer(network, plan)
    assert notes
    assert all(plan.start <= note.start and note.end <= plan.end for note in notes)
    assert all(note.part == "melody" for note in notes)


@pytest.mark.skipif(not (SHIPPED / WEIGHTS_FILE).exists(), reason="no shipped melody model")
def test_with_the_shipped_model_the_answer_is_in_the_phrases_key():
    """Over ten answers (a jazz answer has its chromatic notes, one answer too few to judge)."""
    shipped = LstmNetwork.load(SHIPPED)
    plan = AnswerPlan.after(PHRASE, phrase_end=276, lead=7, answer_bars=4)
    notes = [note for seed in range(10) for note in answer(shipped, plan, seed)]
    in_key = [note for note in notes if note.pitch % 12 in D_MINOR]
    assert len(in_key) >= 0.85 * len(notes), [note.pitch for note in notes]
