"""The measures of whole-song conversions: onset agreement, silence where the source sounds,
and a feature-based genre judge that tells genres apart by rhythm and intervals."""

from __future__ import annotations

from server.generation.melody import Event, Melody
from training.conversion_songs import onset_f1, silent_where_sounding
from training.feature_judge import FeatureGenreJudge

QUARTERS = Melody([Event(60 + step % 5, 12) for step in range(32)], 48, 0)


def test_onsets_agree_fully_with_themselves_and_not_with_offbeats():
    assert onset_f1(QUARTERS, QUARTERS) == 1.0
    offbeats = Melody([Event(None, 6)] + [Event(62, 12)] * 31 + [Event(62, 6)], 48, 0)
    assert onset_f1(QUARTERS, offbeats) == 0.0
    eighths = Melody([Event(64, 6)] * 64, 48, 0)
    assert onset_f1(QUARTERS, eighths) == 2 * 32 / (32 + 64)


def test_silence_where_the_source_sounds_counts_the_outputs_rests_under_its_notes():
    half_rests = Melody([Event(60, 6), Event(None, 6)] * 32, 48, 0)
    assert silent_where_sounding(QUARTERS, half_rests) == 0.5
    assert silent_where_sounding(QUARTERS, QUARTERS) == 0.0


def test_the_feature_judge_tells_a_genre_by_its_rhythm_and_intervals():
    def piece(genre: str, duration: int, leap: int, shift: int) -> Melody:
        events = [Event(60 + (step * leap + shift) % 12, duration) for step in range(64)]
        return Melody(events, 48, 0, genre=genre)

    pieces = [
        piece(genre, duration, leap, shift)
        for genre, duration, leap in (
            ("folk", 12, 2),
            ("jazz", 4, 5),
            ("pop", 6, 1),
            ("rock", 24, 7),
            ("classical", 3, 3),
        )
        for shift in range(6)
    ]
    judge = FeatureGenreJudge().fit(pieces)
    verdict = judge.classify(piece("jazz", 4, 5, 9))
    assert max(verdict, key=verdict.get) == "jazz"
    assert judge.accuracy(pieces) == 1.0
