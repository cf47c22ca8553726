"""The band of a piece: bar by bar over its chords, seeded, never past its end."""

from server.generation.band.arrangement import Band
from server.generation.band.styles import style_for
from server.generation.notes import BASS, CHORDS, TICKS_PER_BEAT, Note
from server.generation.progression_text import parse_progression

BAR = 4 * TICKS_PER_BEAT


def band(genre: str = "pop", seed: int = 7, bars: int = 8) -> Band:
    chords = parse_progression("C Am F G7")
    return Band(style_for(genre), chords, bars=bars, seed=seed, tempo=120, tonic=0, mode="major")


def test_bars_are_written_only_as_far_as_asked() -> None:
    piece = band()
    first = piece.notes_until(BAR + 1)
    assert piece.written_bars == 3  # the bar after those returned is written and held
    assert {note.start // BAR for note in first} == {0, 1}
    assert piece.notes_until(BAR + 1) == []  # nothing twice
    rest = piece.rest()
    assert piece.done and min(note.start for note in rest) >= 2 * BAR


def test_the_same_seed_gives_the_same_band() -> None:
    assert band(seed=11).rest() == band(seed=11).rest()


def test_a_progression_shorter_than_the_piece_loops_and_no_note_outlasts_it() -> None:
    notes = band(bars=6).rest()
    roots = [note.pitch % 12 for note in notes if note.part == BASS and note.start % BAR == 0]
    assert roots[4:6] == roots[0:2] == [0, 9]
    assert max(note.end for note in notes) <= 6 * BAR


def test_chord_notes_carry_their_symbol() -> None:
    chords = [note for note in band().rest() if note.part == CHORDS]
    assert {note.chord for note in chords} == {"C", "Am", "F", "G7"}


class Ringing:
    """A writer that strikes E on beat 1, and again on beat 4 ringing two beats on, over the bar
    line into the next bar's beat 1; C twice at once."""

    def __init__(self, rng) -> None:
        self.part = CHORDS

    def bar(self, context):
        return [
            Note(60, 0, 12, part=self.part),
            Note(60, 0, 12, part=self.part),
            Note(64, 0, 12, part=self.part),
            Note(64, 36, 24, part=self.part),
        ]


class RingingBass(Ringing):
    def __init__(self, rng) -> None:
        self.part = BASS


def test_a_note_ringing_into_a_bar_that_strikes_it_again_is_cut_there() -> None:
    chords = parse_progression("C")
    style = {CHORDS: Ringing, BASS: RingingBass}
    piece = Band(style, chords, bars=3, seed=1, tempo=120, tonic=0, mode="major")
    notes = piece.notes_until(1) + piece.rest()
    for part in (CHORDS, BASS):  # each part on its own: a bass E does not cut a chord's E
        played = sorted((n.pitch, n.start, n.duration) for n in notes if n.part == part)
        assert played == [
            (60, 0, 12), (60, 48, 12), (60, 96, 12),  # C once a bar, not twice
            (64, 0, 12), (64, 36, 12),  # beat 4's E stops where the next bar strikes E
            (64, 48, 12), (64, 84, 12),
            (64, 96, 12), (64, 132, 12),  # the last bar's rings to the piece's end
        ]  # fmt: skip


def test_chords_changed_after_a_bar_was_written_ahead_are_played_from_that_bar() -> None:
    piece = band(bars=4)
    first = piece.notes_until(BAR + 1)  # bars 1-2 out; bar 3 written ahead, held
    assert {note.start // BAR for note in first} == {0, 1}
    piece.change_chords(parse_progression("C | Am | D | D"))  # decided late, as a room's are
    rest = piece.rest()
    roots = [n.pitch % 12 for n in rest if n.part == BASS and n.start % BAR == 0]
    assert roots == [2, 2]  # bars 3 and 4 over D, none over the F first written for bar 3
