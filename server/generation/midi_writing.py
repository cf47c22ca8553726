"""Writing a melody as a standard MIDI file: a type-1 file with tempo, meter, key and
instrument, on a grid every melody tick lands on exactly, its chords when it has them, and a
track for each part of its band when one plays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.generation import smf
from server.generation.band.instruments import PART_TRACKS
from server.generation.chord_track import (
    CHORD_CHANNEL,
    CHORD_TRACK_NAME,
    chord_markers,
    chord_track,
)
from server.generation.melody import MODES, TICKS_PER_QUARTER, Melody, key_to_fifths
from server.generation.notes import CHORDS, DEFAULT_VELOCITY, Note
from server.generation.part_tracks import note_events, timed_track
from server.generation.progression import Progression

WRITE_TICKS_PER_BEAT = 480  # a multiple of TICKS_PER_QUARTER, so every grid tick is exact
MELODY_CHANNEL = 0
# Channels for named parts: all but the melody's, the chords' and the band's (the drums' among
# them: General MIDI's percussion channel is never given to a pitched part).
BAND_CHANNELS = tuple(channel for _, channel in PART_TRACKS.values())
PART_CHANNELS = tuple(
    c for c in range(16) if c not in (MELODY_CHANNEL, CHORD_CHANNEL, *BAND_CHANNELS)
)


@dataclass(frozen=True)
class NamedPart:
    """A track of its own beside the melody: a person's notes in a jam, named after them. The
    notes may overlap (chords, held notes); times in ticks from the file's start."""

    name: str
    notes: Sequence[Note]
    program: int = 0  # General MIDI instrument, 0-based


def bar_ticks_to_meter(bar_ticks: int) -> tuple[int, int]:
    """A time signature for a bar length in ticks: quarters when whole, else eighths, else 16ths."""
    for denominator in (4, 8, 16):
        beat = 4 * TICKS_PER_QUARTER // denominator
        if bar_ticks % beat == 0:
            return bar_ticks // beat, denominator
    raise ValueError(f"a bar of {bar_ticks} ticks has no time signature on the 16th grid")


@dataclass(frozen=True)
class BandParts:
    """The band's notes in a file, in ticks from the file's start (a bar line), the General MIDI
    program of each of its parts, and how far the melody's first bar line is from the file's
    start (ticks: the band may play bars before the melody's first note)."""

    notes: Sequence[Note]
    programs: Mapping[str, int]
    melody_lead: int = 0


def melody_to_midi(
    melody: Melody,
    *,
    program: int = 0,
    velocity: int = DEFAULT_VELOCITY,
    track_name: str = "Melody",
    chords: Progression | None = None,
    band: BandParts | None = None,
    parts: Sequence[NamedPart] = (),
) -> bytes:
    """A type-1 standard MIDI file: a conductor track (tempo, meter, key) and one melody track
    named `track_name` that sets General MIDI `program` (0-based) before its first note.

    With `chords`, the conductor track also marks each chord change with its symbol and a
    "Chords" track plays them; the progression starts at the file's start, the bar line at or
    before the melody's first note (or the band's). With a `band`, the Chords track plays its
    comping, and its bass and drums have a track each (`band.instruments.PART_TRACKS`). Each of
    `parts` (a jam's players) is a track of its own, on a channel of its own while there are
    channels left (`PART_CHANNELS`, then shared in turn)."""
    conductor = smf.Track()
    conductor.text(smf.TRACK_NAME, melody.name or "Cadenza")
    conductor.meta(smf.SET_TEMPO, smf.tempo_payload(melody.tempo))
    meter = smf.time_signature_payload(*bar_ticks_to_meter(melody.bar_ticks))
    conductor.meta(smf.TIME_SIGNATURE, meter)
    fifths, minor = key_to_fifths(melody.tonic, melody.mode), melody.mode != MODES[0]
    conductor.meta(smf.KEY_SIGNATURE, smf.key_signature_payload(fifths, minor))
    lead = 0 if band is None else band.melody_lead
    tracks = [_melody_track(melody, program, velocity, track_name, lead)]
    if chords is not None:
        chord_markers(conductor, chords, WRITE_TICKS_PER_BEAT)
    tracks += _chord_tracks(chords, band)
    if band is not None:
        tracks += _band_tracks(band)
    for number, part in enumerate(parts):
        channel = PART_CHANNELS[number % len(PART_CHANNELS)]
        timed = note_events(part.notes)
        tracks.append(timed_track(part.name, channel, part.program, timed, WRITE_TICKS_PER_BEAT))
    return smf.midi_file([conductor.chunk(), *tracks], WRITE_TICKS_PER_BEAT)


def _chord_tracks(chords: Progression | None, band: BandParts | None) -> list[bytes]:
    """The "Chords" track: the band's comping with the chord symbols, or the block chords."""
    comping = [] if band is None else [note for note in band.notes if note.part == CHORDS]
    if band is None or not comping:
        return [] if chords is None else [chord_track(chords, WRITE_TICKS_PER_BEAT)]
    program = band.programs[CHORDS]
    if chords is None:  # comping whose chords were not kept: no symbols to show
        timed = note_events(comping)
        return [timed_track(CHORD_TRACK_NAME, CHORD_CHANNEL, program, timed, WRITE_TICKS_PER_BEAT)]
    return [chord_track(chords, WRITE_TICKS_PER_BEAT, comping=comping, program=program)]


def _band_tracks(band: BandParts) -> list[bytes]:
    """A track for each of the band's parts besides the comping that plays any note."""
    tracks = []
    for part, (name, channel) in PART_TRACKS.items():
        notes = [note for note in band.notes if note.part == part]
        if notes:
            timed = note_events(notes)
            tracks.append(
                timed_track(name, channel, band.programs[part], timed, WRITE_TICKS_PER_BEAT)
            )
    return tracks


def _melody_track(melody: Melody, program: int, velocity: int, name: str, lead: int) -> bytes:
    scale = WRITE_TICKS_PER_BEAT // TICKS_PER_QUARTER
    # Silence before the first event puts the pickup where it belongs relative to bar lines.
    delay = ((melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks + lead) * scale
    track = smf.Track()
    track.text(smf.TRACK_NAME, name)
    track.channel(smf.PROGRAM_CHANGE, MELODY_CHANNEL, program)
    for event in melody.events:
        if event.pitch is None:
            delay += event.duration * scale
            continue
        track.channel(smf.NOTE_ON, MELODY_CHANNEL, event.pitch, velocity, delta=delay)
        release = smf.RELEASE_VELOCITY
        track.channel(
            smf.NOTE_OFF, MELODY_CHANNEL, event.pitch, release, delta=event.duration * scale
        )
        delay = 0
    return track.chunk(delay)
