"""Reading standard MIDI files: their parts and meta events, and the melody extracted from a
polyphonic file on the 12-tick grid (writing one is midi_writing.py).
"""

from __future__ import annotations

import io

import mido
import numpy as np

from server.generation.melody import (
    TICKS_PER_QUARTER,
    Melody,
    estimate_key,
    pitch_class_histogram,
)
from server.generation.melody_track import choose_melody_part
from server.generation.midi_parts import DRUM_CHANNEL, MidiMeta, MidiPart
from server.generation.midi_writing import melody_to_midi as melody_to_midi  # songs write here
from server.generation.voices import upper_voice

SIXTEENTH, TRIPLET = TICKS_PER_QUARTER // 4, TICKS_PER_QUARTER // 3  # grid ticks
ARTICULATION_GAP = 2 * SIXTEENTH  # in a performed file, silence shorter than an eighth is phrasing
MIN_BAR_TICKS = 2 * TICKS_PER_QUARTER
ON_GRID_TOLERANCE, ON_GRID_SHARE = 0.05, 0.95  # a sequenced file: 95% of times within 0.05 tick


class MidiError(ValueError):
    """A MIDI file that cannot give a melody; the message says why, for the user."""


def midi_to_melody(
    data: bytes, *, track: int | None = None, genre: str | None = None, name: str = ""
) -> Melody:
    """The melody of a MIDI file on the 12-tick grid: the upper voice of the track named
    melody/vocal/voice/lead, else of the track the melody chooser finds most tune-like (among
    the parts of `track` when given)."""
    midi, parts, meta = read_midi(data, track=track)
    pitched = pitched_parts(parts)
    choice = choose_melody_part(pitched, midi.ticks_per_beat)
    return part_to_melody(choice.part, meta, midi.ticks_per_beat, genre, name, file_parts=pitched)


def read_midi(
    data: bytes, *, track: int | None = None
) -> tuple[mido.MidiFile, list[MidiPart], MidiMeta]:
    """The parsed file, the notes of every (track, channel) pair (of `track` only when given)
    and the file's meta events; for callers that report on a file as well as reading it."""
    midi = _parse(data)
    parts, meta = _read_tracks(midi, track)
    return midi, parts, meta


def part_to_melody(
    part: MidiPart,
    meta: MidiMeta,
    ticks_per_beat: int,
    genre: str | None = None,
    name: str = "",
    *,
    file_parts: list[MidiPart] | None = None,
) -> Melody:
    """The upper voice of one part on the 12-tick grid, with the file's meter, tempo and key;
    the key is heard in the melody's pitch classes together with those of `file_parts` (the
    file's pitched parts) when given: the harmony names the key more surely than the tune."""
    spans = notes_to_grid(upper_voice(part.notes, ticks_per_beat), ticks_per_beat)
    bar_ticks = meter_to_bar_ticks(file_meter(meta))
    melody = Melody.from_spans(
        spans, bar_ticks=bar_ticks, tempo=meta.tempo or 120.0, genre=genre, name=name
    )
    histogram = None if file_parts is None else key_histogram(melody, file_parts)
    melody.tonic, melody.mode = estimate_key(melody, key_hint=meta.key, histogram=histogram)
    return melody


def key_histogram(melody: Melody, parts: list[MidiPart]) -> np.ndarray:
    """(12,) the melody's and the parts' duration-weighted pitch classes, each summing to 1."""
    in_parts = np.zeros(12)
    for part in parts:
        for start, end, pitch in part.notes:
            in_parts[pitch % 12] += end - start
    shares = [
        share / share.sum()
        for share in (pitch_class_histogram(melody), in_parts)
        if share.sum() > 0
    ]
    histogram: np.ndarray = sum(shares, np.zeros(12))
    return histogram


def _parse(data: bytes) -> mido.MidiFile:
    if not data:
        raise MidiError("the file is empty")
    if not data.startswith(b"MThd"):
        raise MidiError("not a MIDI file (it does not start with a MIDI header)")
    try:
        midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as error:
        raise MidiError(f"not a readable MIDI file: {error}") from None
    if midi.type == 2:
        raise MidiError("MIDI type 2 (independent sequences) is not supported")
    if midi.ticks_per_beat <= 0:
        raise MidiError("MIDI files timed in SMPTE frames are not supported")
    return midi


def _read_tracks(midi: mido.MidiFile, only_track: int | None) -> tuple[list[MidiPart], MidiMeta]:
    if only_track is not None and not 0 <= only_track < len(midi.tracks):
        raise MidiError(f"track {only_track} does not exist (the file has {len(midi.tracks)})")
    parts: list[MidiPart] = []
    meta = MidiMeta()
    for index, midi_track in enumerate(midi.tracks):
        track_parts = _read_track(midi_track, meta)
        for part in track_parts:
            part.track = index
        if only_track is None or index == only_track:
            parts.extend(track_parts)
    return parts, meta


def _read_track(midi_track: mido.MidiTrack, meta: MidiMeta) -> list[MidiPart]:
    """Notes per channel of one track; fills `meta` with the first tempo, meter and key."""
    name, now = midi_track.name, 0
    parts: dict[int, MidiPart] = {}
    sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> start tick
    programs: dict[int, int] = {}  # channel -> first program
    for message in midi_track:
        now += message.time
        if message.type == "program_change":
            programs.setdefault(message.channel, message.program)
        elif message.type == "note_on" and message.velocity > 0:
            _end_note(parts, sounding, message.channel, message.note, now, name)
            sounding[(message.channel, message.note)] = now
        elif message.type in ("note_on", "note_off"):
            _end_note(parts, sounding, message.channel, message.note, now, name)
        elif message.is_meta:
            _read_meta(message, meta)
    for channel, pitch in list(sounding):
        _end_note(parts, sounding, channel, pitch, now, name)
    for channel, part in parts.items():
        part.program = programs.get(channel)
    return list(parts.values())


def _end_note(
    parts: dict[int, MidiPart],
    sounding: dict[tuple[int, int], int],
    channel: int,
    pitch: int,
    now: int,
    name: str,
) -> None:
    start = sounding.pop((channel, pitch), None)
    if start is not None:
        parts.setdefault(channel, MidiPart(name, channel)).notes.append((start, now, pitch))


def _read_meta(message: mido.MetaMessage, meta: MidiMeta) -> None:
    if message.type == "set_tempo":
        meta.tempo_events += 1
        meta.tempo = meta.tempo or round(mido.tempo2bpm(message.tempo), 3)
    elif message.type == "time_signature" and meta.meter is None:
        meta.meter = (message.numerator, message.denominator)
    elif message.type == "key_signature" and meta.key is None:
        meta.key = midi_key_to_key(message.key)


def file_meter(meta: MidiMeta) -> tuple[int, int]:
    """The time signature the file writes (4/4 without one), as written: 12/8 stays 12/8.
    A 1/4 "meter" (most of POP909) marks beats, not bars, and reads as 4/4."""
    numerator, denominator = meta.meter or (4, 4)
    if meter_to_bar_ticks((numerator, denominator)) < MIN_BAR_TICKS:
        return 4, 4
    return numerator, denominator


def meter_to_bar_ticks(meter: tuple[int, int]) -> int:
    numerator, denominator = meter
    return round(numerator * 4 * TICKS_PER_QUARTER / denominator)


def pitched_parts(parts: list[MidiPart]) -> list[MidiPart]:
    """The parts a melody can come from: with notes, drums never."""
    pitched = [part for part in parts if part.channel != DRUM_CHANNEL and part.notes]
    if not pitched:
        raise MidiError("the file has no pitched notes (only drums or nothing at all)")
    return pitched


def notes_to_grid(
    notes: list[tuple[int, int, int]], ticks_per_beat: int
) -> list[tuple[int, int, int]]:
    """(start, end, pitch) in source ticks -> grid ticks.

    A sequenced file lands exactly on the grid. A performed one (POP909 is recorded against a
    click with a constant offset) is shifted by its mean phase against the sixteenth grid, then
    snapped to the nearest sixteenth or eighth-triplet; gaps under an eighth are articulation
    (singers breathe and release early) and are closed.
    """
    starts = np.array([n[0] for n in notes], dtype=float) * TICKS_PER_QUARTER / ticks_per_beat
    ends = np.array([n[1] for n in notes], dtype=float) * TICKS_PER_QUARTER / ticks_per_beat
    pitches = [n[2] for n in notes]
    both = np.concatenate([starts, ends])
    if np.mean(np.abs(both - np.rint(both)) < ON_GRID_TOLERANCE) >= ON_GRID_SHARE:
        grid_starts, grid_ends = np.rint(starts), np.rint(ends)
    else:
        grid_starts, grid_ends = _performance_to_grid(starts, ends)
    return [
        (int(start), int(end), pitch)
        for start, end, pitch in zip(grid_starts, grid_ends, pitches, strict=True)
        if start >= 0
    ]


def _performance_to_grid(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Onsets snapped to the nearest sixteenth or eighth triplet, ends to the same grid as
    their onset, after removing the constant phase offset; gaps under an eighth closed."""
    shift = _sixteenth_phase(starts)
    grid_starts = snap_to_performance_grid(starts - shift)
    step = np.where(grid_starts % SIXTEENTH == 0, SIXTEENTH, TRIPLET)
    grid_ends = np.maximum(np.rint((ends - shift) / step) * step, grid_starts + step)
    next_starts = np.append(grid_starts[1:], np.inf)
    gap = next_starts - grid_ends
    return grid_starts, np.where((gap > 0) & (gap < ARTICULATION_GAP), next_starts, grid_ends)


def _sixteenth_phase(starts: np.ndarray) -> float:
    """Mean offset of the onsets from the sixteenth grid, in grid ticks (-1.5..1.5)."""
    angles = starts * (2 * np.pi / SIXTEENTH)
    return float(np.angle(np.mean(np.exp(1j * angles)))) * SIXTEENTH / (2 * np.pi)


def snap_to_performance_grid(ticks: np.ndarray) -> np.ndarray:
    """Nearest multiple of a sixteenth (3 ticks) or an eighth-note triplet (4 ticks)."""
    by_sixteenth = np.rint(ticks / SIXTEENTH) * SIXTEENTH
    by_triplet = np.rint(ticks / TRIPLET) * TRIPLET
    nearer = np.abs(ticks - by_sixteenth) <= np.abs(ticks - by_triplet)
    return np.where(nearer, by_sixteenth, by_triplet).astype(np.int64)


def midi_key_to_key(name: str) -> tuple[int, str]:
    """mido's key name ('Bb', 'F#m') as (tonic pitch class, mode)."""
    mode = "minor" if name.endswith("m") else "major"
    letter = name.removesuffix("m")
    tonic = "C D EF G A B".index(letter[0]) + letter.count("#") - letter.count("b")
    return tonic % 12, mode
