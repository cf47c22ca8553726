"""The band's time: rhythms as written, the meter's strong beats and backbeats, and rhythm
tables that must fill their bars."""

import pytest

from server.generation.band.feel import (
    EIGHTH,
    TRIPLET,
    Hit,
    Rhythms,
    backbeats,
    grid,
    group_starts,
)


def test_a_rhythm_is_read_as_a_drummer_writes_it() -> None:
    assert grid("x-.x ....", EIGHTH) == (Hit(0, 12, "x"), Hit(18, 6, "x"))
    assert grid("x.. X.x", TRIPLET) == (Hit(0, 4, "x"), Hit(12, 4, "X"), Hit(20, 4, "x"))
    with pytest.raises(ValueError, match="hold"):
        grid("-x", EIGHTH)


@pytest.mark.parametrize(
    ("beats", "strong", "between"),
    [
        (1, (0,), ()),
        (2, (0,), (1,)),
        (3, (0,), (1, 2)),
        (4, (0, 2), (1, 3)),
        (5, (0, 2), (1, 3, 4)),
        (6, (0, 2, 4), (1, 3, 5)),
        (7, (0, 2, 4), (1, 3, 5, 6)),
        (9, (0, 3, 6), (1, 2, 4, 5, 7, 8)),
    ],
)
def test_every_meter_has_strong_beats_and_backbeats(
    beats: int, strong: tuple[int, ...], between: tuple[int, ...]
) -> None:
    assert group_starts(beats) == strong
    assert backbeats(beats) == between


def test_a_rhythm_that_does_not_fill_its_bar_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fill a bar of 4 beats"):
        Rhythms({4: ("x-x-x-",)}, EIGHTH)
    written = Rhythms({4: ("x-x-x-x-",)}, EIGHTH)
    assert 4 in written and 5 not in written
    assert written.for_meter(5, "R") == ((Hit(0, 24, "R"), Hit(24, 36, "R")),)
