"""What an uploaded MIDI file holds: its tracks (name, instrument, notes, drums, a preview of
each one's melody), the melody chosen for conversion (melody_track's choice, with how sure it
is), key, meter, tempo and length in bars.

`analyse_midi` checks the bytes with the guard before mido reads them; it is meant to run in a
worker process with limits (server/services/uploads.py), never on the event loop.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

import mido

from server.generation.melody import TICKS_PER_QUARTER, Event, Melody, key_name
from server.generation.melody_track import TrackChoice, choose_melody_part
from server.generation.midi_guard import MidiLimits, check_midi
from server.generation.midi_io import (
    MidiError,
    file_meter,
    meter_to_bar_ticks,
    part_to_melody,
    pitched_parts,
    read_midi,
)
from server.generation.midi_parts import DRUM_CHANNEL, MidiMeta, MidiPart
from server.generation.midi_writing import bar_ticks_to_meter
from server.generation.upload_chords import source_chords

MIN_MELODY_NOTES = 4  # fewer is not a tune to convert
PREVIEW_BARS, PREVIEW_NOTES = 4, 24  # a track's preview: its first bars from its first note
# General MIDI program families, eight programs each (GM 1 sound set).
INSTRUMENT_FAMILIES = (
    "Piano",
    "Chromatic percussion",
    "Organ",
    "Guitar",
    "Bass",
    "Strings",
    "Ensemble",
    "Brass",
    "Reed",
    "Pipe",
    "Synth lead",
    "Synth pad",
    "Synth effects",
    "Ethnic",
    "Percussive",
    "Sound effects",
)


@dataclass(frozen=True)
class TrackSummary:
    index: int
    name: str
    instrument: str  # a General MIDI family, "Drums" or "Unknown"
    program: int | None  # General MIDI program 0..127 when the track sets one
    note_count: int
    is_drums: bool
    melody_probability: float | None  # the chooser's belief that it carries the tune
    # The start of its melody as melody_to_json gives it; None without notes.
    preview: dict[str, Any] | None


@dataclass(frozen=True)
class UploadAnalysis:
    """The report shown after an upload; `to_json` is what the API returns."""

    format: int
    tracks: list[TrackSummary]
    melody_track: int  # index into the file's tracks
    # {"track", "confidence" 0..1, "confident"}: unsure ones ask the person
    melody_choice: dict[str, Any]
    melody_notes: int
    key: str  # e.g. "D minor"
    meter: str  # e.g. "3/4"
    tempo: float  # first tempo, quarter notes per minute
    tempo_changes: int  # tempo events after the first
    bars: int
    pickup_beats: float  # length of the anacrusis, 0 when the melody starts on a bar line
    polyphonic: bool  # the chosen track has chords or overlapping notes (its top voice is used)
    # The chords under the melody (upload_chords.SourceChords.to_json): what a conversion keeps.
    chords: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def analyse_midi(
    data: bytes, *, track: int | None = None, limits: MidiLimits | None = None
) -> tuple[UploadAnalysis, Melody]:
    """The report and the melody of a MIDI file (from `track` when given); raises MidiError
    with a readable reason for anything that is not a usable song."""
    structure = check_midi(data, limits)
    midi, parts, meta = read_midi(data)
    everywhere = choose_melody_part(pitched_parts(parts), midi.ticks_per_beat)
    choice = everywhere
    if track is not None:  # the person's pick: sure, among that track's parts
        picked = pitched_parts(parts_of_track(parts, track, len(midi.tracks)))
        choice = choose_melody_part(picked, midi.ticks_per_beat)
        choice = replace(choice, confidence=1.0, confident=True)
    part = choice.part
    melody = _checked_melody(part, meta, midi.ticks_per_beat, everywhere.parts)
    numerator, denominator = melody_meter(melody, meta)
    analysis = UploadAnalysis(
        format=structure.format,
        tracks=track_summaries(midi.tracks, parts, everywhere, meta, midi.ticks_per_beat),
        melody_track=part.track,
        melody_choice={
            "track": part.track,
            "confidence": choice.confidence,
            "confident": choice.confident,
        },
        melody_notes=melody.note_count,
        key=key_name(melody.tonic, melody.mode),
        meter=f"{numerator}/{denominator}",
        tempo=melody.tempo,
        tempo_changes=max(meta.tempo_events - 1, 0),
        bars=melody_bars(melody),
        pickup_beats=melody.pickup_ticks / TICKS_PER_QUARTER,
        polyphonic=is_polyphonic(part),
        chords=source_chords(melody, part, pitched_parts(parts), midi.ticks_per_beat).to_json(),
    )
    return analysis, melody


def melody_meter(melody: Melody, meta: MidiMeta) -> tuple[int, int]:
    """The file's own time signature when the melody's bars follow it (12/8, not 6/4)."""
    written = file_meter(meta)
    if meter_to_bar_ticks(written) == melody.bar_ticks:
        return written
    return bar_ticks_to_meter(melody.bar_ticks)


def parts_of_track(parts: list[MidiPart], track: int | None, tracks: int) -> list[MidiPart]:
    """The parts of the track a person picked (all parts when they picked none)."""
    if track is None:
        return parts
    if not 0 <= track < tracks:
        raise MidiError(f"track {track} does not exist (the file has {tracks})")
    return [part for part in parts if part.track == track]


def _checked_melody(
    part: MidiPart, meta: MidiMeta, ticks_per_beat: int, file_parts: list[MidiPart]
) -> Melody:
    if all(end <= start for start, end, _ in part.notes):
        raise MidiError("every note in the melody has zero length")
    melody = part_to_melody(part, meta, ticks_per_beat, file_parts=file_parts)
    if melody.note_count < MIN_MELODY_NOTES:
        raise MidiError(f"the melody has fewer than {MIN_MELODY_NOTES} notes")
    try:
        bar_ticks_to_meter(melody.bar_ticks)
    except ValueError:
        numerator, denominator = meta.meter or (4, 4)
        raise MidiError(f"the time signature {numerator}/{denominator} is not supported") from None
    return melody


# A file's own text may hold anything; a name keeps its printable characters (it is one line on
# the page, and PostgreSQL's JSON cannot hold a NUL).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def track_summaries(
    midi_tracks: list[mido.MidiTrack],
    parts: list[MidiPart],
    choice: TrackChoice,
    meta: MidiMeta,
    ticks_per_beat: int,
) -> list[TrackSummary]:
    """One summary per MIDI track, from the parts (track, channel) midi_io read and the pitched
    ones the chooser scored: a track's probability is its parts' sum, its preview the melody
    of its likeliest part."""
    summaries = []
    for index, midi_track in enumerate(midi_tracks):
        own = [part for part in parts if part.track == index]
        drums = bool(own) and all(part.channel == DRUM_CHANNEL for part in own)
        program = next((part.program for part in own if part.program is not None), None)
        scored = zip(choice.probabilities, choice.parts, strict=True)
        pitched = [(probability, part) for probability, part in scored if part.track == index]
        likeliest = max(pitched, key=lambda pair: pair[0])[1] if pitched else None
        summaries.append(
            TrackSummary(
                index=index,
                name=_CONTROL_CHARACTERS.sub("", midi_track.name),
                instrument=instrument_name(program, drums),
                program=program,
                note_count=sum(len(part.notes) for part in own),
                is_drums=drums,
                melody_probability=round(float(sum(p for p, _ in pitched)), 4) if pitched else None,
                preview=None if likeliest is None else preview_of(likeliest, meta, ticks_per_beat),
            )
        )
    return summaries


def preview_of(part: MidiPart, meta: MidiMeta, ticks_per_beat: int) -> dict[str, Any] | None:
    """The first PREVIEW_BARS bars (at most PREVIEW_NOTES notes) of a part's melody, from its
    first note, as melody_to_json gives it; None when the part holds no usable notes."""
    try:
        melody = part_to_melody(part, meta, ticks_per_beat)
    except ValueError:  # notes of zero length only
        return None
    events = melody.events
    while events and events[0].pitch is None:
        events = events[1:]
    kept, ticks, notes = [], 0, 0
    for event in events:
        if ticks >= PREVIEW_BARS * melody.bar_ticks or notes == PREVIEW_NOTES:
            break
        kept.append(event)
        ticks, notes = ticks + event.duration, notes + (event.pitch is not None)
    preview = Melody(kept, melody.bar_ticks, 0, melody.tonic, melody.mode, melody.tempo)
    return melody_to_json(preview)


def instrument_name(program: int | None, drums: bool) -> str:
    if drums:
        return "Drums"
    return "Unknown" if program is None else INSTRUMENT_FAMILIES[program // 8]


def melody_bars(melody: Melody) -> int:
    """Bars the melody touches, the pickup bar counted as one."""
    before_first_bar = (melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks
    return math.ceil((before_first_bar + melody.total_ticks) / melody.bar_ticks)


def melody_to_json(melody: Melody) -> dict[str, Any]:
    """A melody as plain JSON: its grid, key and tempo, and events as [pitch or null, ticks]."""
    return {
        "bar_ticks": melody.bar_ticks,
        "pickup_ticks": melody.pickup_ticks,
        "tonic": melody.tonic,
        "mode": melody.mode,
        "tempo": melody.tempo,
        "events": [[event.pitch, event.duration] for event in melody.events],
    }


def json_to_melody(data: dict[str, Any], name: str = "") -> Melody:
    """The inverse of melody_to_json; raises ValueError (or KeyError) for a malformed one."""
    events = [
        Event(None if pitch is None else int(pitch), int(ticks)) for pitch, ticks in data["events"]
    ]
    fields = {key: data[key] for key in ("bar_ticks", "pickup_ticks", "tonic", "mode", "tempo")}
    return Melody(events, **fields, name=name)


def is_polyphonic(part: MidiPart) -> bool:
    """True when a note starts before the previous one has ended (chords, overlaps)."""
    notes = sorted(part.notes)
    return any(later[0] < earlier[1] for earlier, later in zip(notes, notes[1:], strict=False))
