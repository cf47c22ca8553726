"""Four bars of a band in each genre, written by hand the way the genre's players would play
them (melody, comping, bass, drums; drums as General MIDI drum notes), saved as a song with a
band is: a MIDI track per part (docs/music-representation.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from server.generation.melody import PITCH_NAMES
from server.generation.notes import Note, beats_to_ticks
from server.generation.progression_text import progression_from_input

KICK, SIDE_STICK, SNARE, CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 36, 37, 38, 42, 44, 46
CRASH, RIDE, LOW_TOM, MID_TOM, HIGH_TOM, TAMBOURINE, SHAKER = 49, 51, 45, 47, 50, 54, 82


class PartNote(NamedTuple):
    part: str
    pitch: int
    start: float  # beats
    duration: float  # beats
    velocity: int


class BandPiece(NamedTuple):
    genre: str
    key: str
    tempo: float
    chords: str  # one chord a bar, in the progression syntax
    notes: list[PartNote]


def _part(part: str, rows: list[tuple[int, float, float, int]]) -> list[PartNote]:
    return [
        PartNote(part, pitch, start, duration, velocity)
        for pitch, start, duration, velocity in rows
    ]


def _bars(
    pattern: list[tuple[int, float, float, int]], bars: int = 4
) -> list[tuple[int, float, float, int]]:
    """A one-bar pattern of (pitch, beat, beats, velocity) repeated over `bars` bars."""
    return [
        (pitch, bar * 4 + beat, length, vel)
        for bar in range(bars)
        for pitch, beat, length, vel in pattern
    ]


def _per_chord(
    voicings: list[list[int]], rhythm: list[tuple[float, float, int]]
) -> list[tuple[int, float, float, int]]:
    """Each bar's voicing struck on the rhythm (beat, beats, velocity) of one bar."""
    return [
        (pitch, bar * 4 + beat, length, vel)
        for bar, voicing in enumerate(voicings)
        for beat, length, vel in rhythm
        for pitch in voicing
    ]


MELODY = [  # a four-bar phrase in C over the progressions below
    (72, 0.0, 1.0, 96),
    (76, 1.0, 0.5, 90),
    (74, 1.5, 0.5, 88),
    (72, 2.0, 1.5, 94),
    (71, 3.5, 0.5, 84),
    (74, 4.0, 1.0, 96),
    (79, 5.0, 1.0, 92),
    (77, 6.0, 0.5, 88),
    (76, 6.5, 0.5, 86),
    (74, 7.0, 1.0, 90),
    (76, 8.0, 1.5, 96),
    (72, 9.5, 0.5, 86),
    (69, 10.0, 1.0, 90),
    (72, 11.0, 1.0, 88),
    (77, 12.0, 1.0, 94),
    (76, 13.0, 1.0, 90),
    (74, 14.0, 2.0, 92),
]


def pop() -> BandPiece:
    voicings = [[60, 64, 67], [59, 62, 67], [60, 64, 69], [60, 65, 69]]  # C G/B Am F, close voiced
    comping = _per_chord(voicings, [(0, 1.5, 70), (1.5, 0.5, 62), (2, 1.5, 68), (3.5, 0.5, 60)])
    roots = [36, 31, 33, 29]
    bass = [
        (r + dx, bar * 4 + b, d, v)
        for bar, r in enumerate(roots)
        for dx, b, d, v in [(0, 0, 1.5, 96), (0, 1.5, 0.5, 84), (7, 2, 1, 90), (0, 3, 1, 86)]
    ]
    drums = _bars(
        [
            (KICK, 0, 0.25, 110),
            (KICK, 2.5, 0.25, 96),
            (KICK, 2, 0.25, 104),
            (SNARE, 1, 0.25, 106),
            (SNARE, 3, 0.25, 108),
        ]
        + [(CLOSED_HAT, i / 2, 0.25, 76 if i % 2 else 88) for i in range(8)]
    )
    return BandPiece(
        "pop",
        "C",
        100,
        "C G/B Am F",
        _part("melody", MELODY)
        + _part("chords", comping)
        + _part("bass", bass)
        + _part("drums", drums),
    )


def rock() -> BandPiece:
    roots = [40, 48, 43, 45]  # E C G A power chords on the low strings
    guitar = [
        (r + dx, bar * 4 + i / 2, 0.45, 100)
        for bar, r in enumerate(roots)
        for i in range(8)
        for dx in (0, 7, 12)
    ]
    bass = [(r - 12, bar * 4 + i / 2, 0.45, 100) for bar, r in enumerate(roots) for i in range(8)]
    groove = [
        (KICK, 0, 0.25, 112),
        (KICK, 2, 0.25, 110),
        (KICK, 2.5, 0.25, 100),
        (SNARE, 1, 0.25, 112),
        (SNARE, 3, 0.25, 114),
    ] + [(CLOSED_HAT, i / 2, 0.25, 90) for i in range(8)]
    drums = [(CRASH, 0, 1, 110)] + _bars(groove, 3)
    drums += [
        (KICK, 12, 0.25, 112),
        (SNARE, 13, 0.25, 112),
        (CLOSED_HAT, 12, 0.25, 90),
        (CLOSED_HAT, 12.5, 0.25, 90),
    ]
    drums += [
        (tom, 14 + i / 4, 0.25, 104)
        for i, tom in enumerate(
            [HIGH_TOM, HIGH_TOM, MID_TOM, MID_TOM, LOW_TOM, LOW_TOM, SNARE, SNARE]
        )
    ]
    melody = [(p - 12 + 4, s, d, v) for p, s, d, v in MELODY]  # in E, an octave lower: a rock lead
    return BandPiece(
        "rock",
        "E",
        120,
        "E5 C5 G5 A5",
        _part("melody", melody)
        + _part("chords", guitar)
        + _part("bass", bass)
        + _part("drums", drums),
    )


SWING = 2 / 3  # the swung eighth lands two thirds into the beat


def jazz() -> BandPiece:
    shells = [
        [53, 60, 64],
        [53, 59, 64],
        [52, 59, 62],
        [52, 59, 62],
    ]  # Dm7 G7 Cmaj7 Cmaj7, rootless
    comping = _per_chord(shells, [(1 + SWING, 0.5, 66), (3, 0.6, 62)])
    walk = [
        38,
        41,
        45,
        48,
        43,
        47,
        50,
        49,
        48,
        40,
        43,
        45,
        47,
        45,
        43,
        37,
    ]  # quarters, approach notes
    bass = [(pitch, float(i), 0.95, 92) for i, pitch in enumerate(walk)]
    ride = [
        (RIDE, 0, 0.5, 92),
        (RIDE, 1, 0.5, 96),
        (RIDE, 1 + SWING, 0.3, 78),
        (RIDE, 2, 0.5, 92),
        (RIDE, 3, 0.5, 96),
        (RIDE, 3 + SWING, 0.3, 78),
        (PEDAL_HAT, 1, 0.25, 80),
        (PEDAL_HAT, 3, 0.25, 80),
        (KICK, 0, 0.25, 60),
        (KICK, 2, 0.25, 56),
    ]
    melody = [(p, s if s % 1 != 0.5 else s - 0.5 + SWING, d, v) for p, s, d, v in MELODY]
    return BandPiece(
        "jazz",
        "C",
        140,
        "Dm7 G7 Cmaj7 Cmaj7",
        _part("melody", melody)
        + _part("chords", comping)
        + _part("bass", bass)
        + _part("drums", _bars(ride)),
    )


def classical() -> BandPiece:
    alberti = [[48, 55, 52, 55], [47, 55, 50, 55], [45, 52, 48, 52], [45, 53, 48, 53]]  # C G/B Am F
    left_hand = [
        (pattern[i % 4], bar * 4 + i / 2, 0.5, 62)
        for bar, pattern in enumerate(alberti)
        for i in range(8)
    ]
    bass = [(root, bar * 4.0, 4.0, 70) for bar, root in enumerate([36, 35, 33, 29])]
    return BandPiece(
        "classical",
        "C",
        90,
        "C G/B Am F",
        _part("melody", MELODY) + _part("chords", left_hand) + _part("bass", bass),
    )


def folk() -> BandPiece:
    shapes = [
        [43, 47, 50, 55, 59, 67],
        [48, 52, 55, 60, 64],
        [50, 57, 62, 66],
        [43, 47, 50, 55, 59, 67],
    ]  # G C D G
    strums = [
        (0, 1, 86, 1),
        (1, 0.5, 76, 1),
        (1.5, 0.5, 64, -1),
        (2.5, 0.5, 62, -1),
        (3, 0.5, 78, 1),
        (3.5, 0.5, 64, -1),
    ]
    guitar = [
        (pitch, bar * 4 + beat + 0.012 * (i if way > 0 else len(shape) - 1 - i), length, vel)
        for bar, shape in enumerate(shapes)
        for beat, length, vel, way in strums
        for i, pitch in enumerate(shape)
    ]
    bass = [
        (r + dx, bar * 4 + b, 1, 84)
        for bar, r in enumerate([31, 36, 38, 31])
        for dx, b in [(0, 0), (7, 2)]
    ]
    drums = _bars(
        [(SHAKER, i / 2, 0.25, 70 if i % 2 else 58) for i in range(8)]
        + [(TAMBOURINE, 1, 0.25, 70), (TAMBOURINE, 3, 0.25, 70)]
    )
    melody = [(p - 5, s, d, v) for p, s, d, v in MELODY]  # in G
    return BandPiece(
        "folk",
        "G",
        100,
        "G C D G",
        _part("melody", melody)
        + _part("chords", guitar)
        + _part("bass", bass)
        + _part("drums", drums),
    )


BAND_PIECES = {piece.genre: piece for piece in (pop(), rock(), jazz(), classical(), folk())}


def insert_band_song(
    insert_song: Callable[..., str], email: str, genre: str, title: str | None = None
) -> str:
    """Saves the hand-written band piece of `genre` as `email`'s song, as a stream with a band
    saves it (a MIDI track per part), titled `title`."""
    piece = BAND_PIECES[genre]
    notes = [
        Note(
            note.pitch,
            beats_to_ticks(note.start),
            beats_to_ticks(note.duration),
            note.velocity,
            note.part,
        )
        for note in piece.notes
    ]
    chords = progression_from_input(piece.chords, key=piece.key, mode="major")
    return insert_song(
        email,
        notes,
        title=title or f"{genre} band",
        genre=genre,
        tonic=PITCH_NAMES.index(piece.key),
        tempo=piece.tempo,
        parameters={"chords": chords.to_storage(), "instrument": "piano", "band": True},
    )
