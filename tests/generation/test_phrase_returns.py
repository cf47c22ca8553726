"""Phrases that come back: which returning bars are brought back exactly, what an exact bar plays
(moved with the chords, a rest where its source still holds a note), the pull of a varied bar,
and pieces of the shipped network that repeat the bars their form returns and leave the others
to the network."""

from __future__ import annotations

import numpy as np
import pytest

from server.config import REPO_ROOT
from server.generation.form_plan import form_from_letters
from server.generation.lstm import LstmNetwork
from server.generation.melody_stream import BAR_TICKS, MelodyStream
from server.generation.phrase_returns import PhraseReturns, ReturnStyle, exact_bars
from server.generation.progression_text import parse_progression
from server.generation.sampler import generate, step_streams
from server.generation.sampling_params import InvalidParamsError, SamplingParams
from server.generation.vocabulary import default_vocabulary
from training.form_metrics import bar_contents

AABA = form_from_letters("AABA", 16)  # A: bars 0-3, again 4-7 and 12-15; B: 8-11
VOCABULARY = default_vocabulary()


def returns(style: ReturnStyle, chords: str | None = None, seed: int = 0) -> PhraseReturns:
    progression = None if chords is None else parse_progression(chords).looped_to(16)
    rng = np.random.default_rng(seed)
    return PhraseReturns(AABA, style, VOCABULARY, BAR_TICKS, rng, progression)


def test_a_returning_phrase_opens_with_its_exact_bars_and_new_material_never_does() -> None:
    assert exact_bars(AABA, ReturnStyle(2.0, 1.0), np.random.default_rng(0)) == {4, 5, 12, 13}
    assert exact_bars(AABA, ReturnStyle(0.0, 1.0), np.random.default_rng(0)) == frozenset()
    assert exact_bars(AABA, ReturnStyle(9.0, 1.0), np.random.default_rng(0)) == {
        *range(4, 8),
        *range(12, 16),
    }
    counts = [
        len(exact_bars(AABA, ReturnStyle(1.5, 1.0), np.random.default_rng(seed)))
        for seed in range(200)
    ]
    assert set(counts) == {2, 3, 4} and 2.8 < np.mean(counts) < 3.2  # 1 or 2 a phrase, 1.5 mean


def test_an_exact_bar_plays_its_source_moved_by_the_step_between_the_chord_roots() -> None:
    # Bar 0 under C, bar 4 (its return) under F: up a fourth; bar 5 under G over bar 1's C: down.
    phrase = returns(ReturnStyle(2.0, 1.0), "C | C | Dm | G | F | G | C | C")
    phrase.record(0, 60, VOCABULARY.duration_id(12))
    phrase.record(12, 64, VOCABULARY.duration_id(36))
    phrase.record(BAR_TICKS, None, VOCABULARY.duration_id(48))

    assert phrase.copies(4 * BAR_TICKS) and phrase.copies(5 * BAR_TICKS)
    assert not phrase.copies(6 * BAR_TICKS) and not phrase.copies(8 * BAR_TICKS)
    assert phrase.choice(4 * BAR_TICKS) == (VOCABULARY.pitch_id(65), VOCABULARY.duration_id(12))
    assert phrase.choice(4 * BAR_TICKS + 12)[0] == VOCABULARY.pitch_id(69)
    assert phrase.choice(5 * BAR_TICKS) == (VOCABULARY.pitch_id(None), VOCABULARY.duration_id(48))


def test_an_exact_bar_rests_where_its_source_still_holds_a_note() -> None:
    phrase = returns(ReturnStyle(1.0, 1.0))
    phrase.record(0, 60, VOCABULARY.duration_id(24))
    phrase.record(24, 62, VOCABULARY.duration_id(24))

    # The bar before bar 4 ran 6 ticks into it: rest up to the source's next onset, then copy.
    assert phrase.choice(4 * BAR_TICKS + 6) == (
        VOCABULARY.pitch_id(None),
        VOCABULARY.duration_id(18),
    )
    assert phrase.choice(4 * BAR_TICKS + 24)[0] == VOCABULARY.pitch_id(62)


def test_a_varied_bar_leans_toward_its_source_note_of_the_same_rank_a_new_bar_does_not() -> None:
    phrase = returns(ReturnStyle(0.0, 3.0))
    phrase.record(0, 60, VOCABULARY.duration_id(12))
    phrase.record(12, 67, VOCABULARY.duration_id(36))
    phrase.record(4 * BAR_TICKS, 72, VOCABULARY.duration_id(6))  # bar 4's first note, shorter

    bias = phrase.pitch_bias(4 * BAR_TICKS + 6)  # bar 4's second note: toward the source's 2nd
    assert bias is not None and bias[VOCABULARY.pitch_id(67)] == 3.0 and np.count_nonzero(bias) == 1
    assert phrase.pitch_bias(8 * BAR_TICKS) is None  # bar 8 opens the B section: new material
    assert phrase.pitch_bias(3 * BAR_TICKS) is None  # the first statement itself


def test_a_form_of_another_length_is_refused() -> None:
    with pytest.raises(InvalidParamsError, match="form: expected a form of 8 bars"):
        SamplingParams(bars=8, form=AABA)


@pytest.fixture(scope="module")
def shipped() -> LstmNetwork:
    return LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")


def written(network: LstmNetwork, params: SamplingParams) -> tuple[MelodyStream, list[bool]]:
    """The stream written to its end, and whether it chose each event itself."""
    stream = MelodyStream(params, network.require_vocabulary())
    state, chose = network.initial_state(1), []
    while not stream.done:
        chose.append(stream.chooses_itself)
        _, state = step_streams(network, [stream], state)
    return stream, chose


@pytest.mark.parametrize("genre", ["folk", "pop", "classical"])
def test_a_seeded_aaba_piece_repeats_the_bars_its_form_brings_back(
    shipped: LstmNetwork, genre: str
) -> None:
    repeated = exact_total = entered_on_time = 0
    for seed in range(6):
        params = SamplingParams(genre=genre, bars=16, seed=seed, form=AABA)
        stream, _ = written(shipped, params)
        assert stream.returns is not None
        contents = bar_contents(stream.melody())
        starts = {tick for tick, _ in stream.returns.onsets.items()}
        for bar in stream.returns.exact:
            source = AABA.returns(bar)
            assert source is not None
            exact_total += 1
            # Entered on time: the bar's first onset falls where its source's does.
            first = min(t for t in starts if t >= bar * BAR_TICKS) - bar * BAR_TICKS
            source_first = min(t for t in starts if t >= source * BAR_TICKS) - source * BAR_TICKS
            if first == source_first:
                entered_on_time += 1
                repeated += contents[bar] == contents[source]  # no chords: not even moved
    assert exact_total >= 6 * 2  # every piece brings at least one bar of each return back
    assert repeated == entered_on_time >= exact_total // 2


def test_new_and_varied_bars_are_the_networks_draw(shipped: LstmNetwork) -> None:
    stream, chose = written(shipped, SamplingParams(genre="pop", bars=16, seed=3, form=AABA))
    assert stream.returns is not None
    starts = sorted(stream.returns.onsets)
    for tick, chosen in zip(starts, chose, strict=True):
        assert chosen == (tick // BAR_TICKS in stream.returns.exact)
    assert not any(chose[: starts.index(min(t for t in starts if t >= 4 * BAR_TICKS))])


def test_the_same_seed_writes_the_same_piece_and_its_form_is_drawn_from_the_seed(
    shipped: LstmNetwork,
) -> None:
    params = [SamplingParams(genre="folk", bars=16, seed=seed) for seed in (11, 11, 12)]
    first, again, other = generate(shipped, params)
    assert first.events == again.events and first.events != other.events
