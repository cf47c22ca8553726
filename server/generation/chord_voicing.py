"""How a chord sounds: the MIDI pitches it is struck with, the one voicing that the chord track
of an exported song writes and the studio plays while a piece streams."""

from __future__ import annotations

from server.generation.chords import INTERVALS, Chord

ROOT_REGISTER = 48  # C3: roots lie in C3..B3, so each chord sounds around C3-C4
BASS_REGISTER = 36  # C2: a slash chord's bass sounds in the octave below


def chord_pitches(chord: Chord) -> tuple[int, ...]:
    """MIDI pitches of the chord in root position, the root in C3..B3 and a bass other than
    the root an octave lower; none for no chord."""
    if chord.root is None or chord.quality is None:
        return ()
    root = ROOT_REGISTER + chord.root
    bass = () if chord.bass is None else (BASS_REGISTER + chord.bass,)
    return bass + tuple(root + step for step in INTERVALS[chord.quality])
