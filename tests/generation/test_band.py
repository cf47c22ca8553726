"""The band of a piece: bar by bar over its chords, seeded, never past its end."""

from server.generation.band.arrangement import Band
from server.generation.band.styles import style_for
from server.generation.notes import BASS, CHORDS, TICKS_PER_BEAT
from server.generation.progression_text import parse_progression

BAR = 4 * TICKS_PER_BEAT


def band(genre: str = "pop", seed: int = 7, bars: int = 8) -> Band:
    chords = parse_progression("C Am F G7")
    return Band(style_for(genre), chords, bars=bars, seed=seed, tempo=120, tonic=0, mode="major")


def test_bars_are_written_only_as_far_as_asked() -> None:
    piece = band()
    first = piece.notes_until(BAR + 1)
    assert piece.written_bars == 2
    assert all(note.start < 2 * BAR for note in first)
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
