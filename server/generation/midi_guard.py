"""Structural checks of untrusted MIDI bytes before any parser reads them: chunk lengths,
variable-length quantities, format, timing, running status, meta events mido cannot decode,
data after the last track, and bounds on tracks, events and length. Errors are `MidiError`s a
person can read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from server.generation.midi_io import MidiError

MAX_VLQ_BYTES = 4  # the standard's limit: 28-bit quantities
HEADER_BYTES = 14  # "MThd", length, format, track count, division
CHUNK_HEADER_BYTES = 8  # four-byte id, four-byte big-endian length
SMPTE_DIVISION = 0x8000  # the top bit of the division selects SMPTE frames over ticks per beat
MIN_BPM, MAX_BPM = 10.0, 1000.0  # tempo events outside this range are not music
MICROSECONDS_PER_MINUTE = 60_000_000
MAX_METER_NUMERATOR, MAX_METER_EXPONENT = 32, 6  # up to 32 beats of 64th notes per bar
# Bytes that follow a channel status: 2 for note off/on, aftertouch, control, pitch bend,
# 1 for program change and channel pressure (indexed by the status byte's high nibble).
CHANNEL_DATA_BYTES = {0x8: 2, 0x9: 2, 0xA: 2, 0xB: 2, 0xC: 1, 0xD: 1, 0xE: 2}
# Meta events mido decodes field by field: the shortest body it can read without an IndexError.
META_MIN_LENGTH = {0x20: 1, 0x21: 1, 0x51: 3, 0x54: 5, 0x58: 4, 0x59: 2}
META_NAMES = {
    0x00: "sequence number",
    0x20: "channel prefix",
    0x21: "MIDI port",
    0x51: "tempo",
    0x54: "SMPTE offset",
    0x58: "time signature",
    0x59: "key signature",
}


@dataclass(frozen=True)
class MidiLimits:
    """How much of a file the studio reads; anything larger is refused before parsing."""

    max_bytes: int = 1024 * 1024
    max_tracks: int = 64
    max_events: int = 100_000  # channel, meta and sysex events over all tracks
    max_notes: int = 50_000  # note-ons with a velocity
    max_beats: int = 8192  # quarter notes from the first tick to the end of the longest track
    max_tempo_changes: int = 1000


@dataclass(frozen=True)
class MidiStructure:
    """What the checks learned: enough to report on a file without parsing it again."""

    format: int
    ticks_per_beat: int
    tracks: int
    events: int
    notes: int
    length_beats: float


@dataclass
class _Tally:
    events: int = 0
    notes: int = 0
    tempo_changes: int = 0
    longest_ticks: int = 0


def check_midi(data: bytes, limits: MidiLimits | None = None) -> MidiStructure:
    """Raise MidiError unless `data` is a standard MIDI file that mido reads exactly and
    safely within `limits`; returns its structure."""
    limits = limits or MidiLimits()
    if not data:
        raise MidiError("the file is empty")
    if len(data) > limits.max_bytes:
        raise MidiError(f"the file is larger than {limits.max_bytes // 1024} KB")
    midi_format, track_count, ticks_per_beat, offset = _check_header(data, limits)
    tally = _Tally()
    for index in range(track_count):
        body, offset = _next_track(data, offset, index, track_count)
        _check_track(body, index, tally, limits)
    if offset < len(data):  # what the parser would skip is refused, not stored
        extra = len(data) - offset
        raise MidiError(
            f"the file has {extra} byte{'s' if extra > 1 else ''} of other data after its last "
            f"track ({track_count} promised by its header)"
        )
    beats = tally.longest_ticks / ticks_per_beat
    if beats > limits.max_beats:
        raise MidiError(f"the song is longer than {limits.max_beats} beats")
    return MidiStructure(midi_format, ticks_per_beat, track_count, tally.events, tally.notes, beats)


def _check_header(data: bytes, limits: MidiLimits) -> tuple[int, int, int, int]:
    """(format, track count, ticks per beat, offset of the first track chunk)."""
    if not data.startswith(b"MThd"):
        raise MidiError("not a MIDI file (it does not start with a MIDI header)")
    if len(data) < HEADER_BYTES:
        raise MidiError("the MIDI header is cut short")
    length, midi_format, track_count, division = struct.unpack(">IHHH", data[4:HEADER_BYTES])
    if length < 6 or CHUNK_HEADER_BYTES + length > len(data):
        raise MidiError(f"the MIDI header claims a length of {length} bytes, which is wrong")
    if midi_format > 2:
        raise MidiError(f"unknown MIDI format {midi_format} (expected 0, 1 or 2)")
    if midi_format == 2:
        raise MidiError("MIDI format 2 (independent sequences) is not supported")
    if not 1 <= track_count <= limits.max_tracks:
        raise MidiError(f"a file may have 1 to {limits.max_tracks} tracks, this says {track_count}")
    if division & SMPTE_DIVISION:
        raise MidiError("MIDI files timed in SMPTE frames are not supported")
    if division == 0:
        raise MidiError("the file says 0 ticks per beat, so its timing means nothing")
    return midi_format, track_count, division, CHUNK_HEADER_BYTES + length


def _next_track(data: bytes, offset: int, index: int, count: int) -> tuple[bytes, int]:
    """The body of track chunk `index` starting at `offset`, and the offset after it."""
    if offset + CHUNK_HEADER_BYTES > len(data):
        raise MidiError(f"the file promises {count} tracks but ends after {index}")
    chunk_id, length = struct.unpack(">4sI", data[offset : offset + CHUNK_HEADER_BYTES])
    if chunk_id != b"MTrk":
        raise MidiError(f"track {index + 1} is corrupted (its chunk is not a track)")
    start = offset + CHUNK_HEADER_BYTES
    if start + length > len(data):
        raise MidiError(f"track {index + 1} is truncated (the file ends inside it)")
    return data[start : start + length], start + length


class _TrackReader:
    """A cursor over one track's bytes that names the track in its errors."""

    def __init__(self, body: bytes, index: int) -> None:
        self.body, self.index, self.position = body, index, 0

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.body)

    def error(self, problem: str) -> MidiError:
        return MidiError(f"track {self.index + 1} is corrupted ({problem})")

    def byte(self) -> int:
        if self.at_end:
            raise self.error("an event runs past the end of the track")
        value = self.body[self.position]
        self.position += 1
        return value

    def quantity(self, what: str) -> int:
        """A variable-length quantity of at most MAX_VLQ_BYTES bytes."""
        position = self.position
        if position < len(self.body) and self.body[position] < 0x80:  # one byte: most deltas
            self.position += 1
            return self.body[position]
        value = 0
        for _ in range(MAX_VLQ_BYTES):
            byte = self.byte()
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                return value
        raise self.error(f"a {what} is longer than {MAX_VLQ_BYTES} bytes")

    def take(self, count: int) -> bytes:
        if self.position + count > len(self.body):
            raise self.error("an event runs past the end of the track")
        chunk = self.body[self.position : self.position + count]
        self.position += count
        return chunk


def _check_track(body: bytes, index: int, tally: _Tally, limits: MidiLimits) -> None:
    """Walk every event the way mido will, so it never reads past the chunk."""
    reader, running, ticks = _TrackReader(body, index), None, 0
    while not reader.at_end:
        ticks += reader.quantity("delta time")
        status = reader.byte()
        if status < 0x80:  # running status: this byte is the first data byte
            if running is None:
                raise reader.error("running status with no earlier channel event")
            reader.position -= 1
            status = running
        if status == 0xFF:
            _check_meta(reader, tally, limits)
        elif status in (0xF0, 0xF7):
            reader.take(reader.quantity("system exclusive length"))
            running = None  # mido would carry 0xF0 on; a data byte after sysex is corruption
        else:
            running = _check_channel_event(reader, status, tally)
        tally.events += 1
        _check_counts(tally, limits)
    tally.longest_ticks = max(tally.longest_ticks, ticks)


def _check_counts(tally: _Tally, limits: MidiLimits) -> None:
    if tally.events > limits.max_events:
        raise MidiError(f"the file has more than {limits.max_events} events")
    if tally.notes > limits.max_notes:
        raise MidiError(f"the file has more than {limits.max_notes} notes")


def _check_channel_event(reader: _TrackReader, status: int, tally: _Tally) -> int:
    """Check a channel event's data bytes; returns its status for running status."""
    if status >= 0xF0:
        raise reader.error(f"status byte 0x{status:02X} does not belong in a MIDI file")
    data = reader.take(CHANNEL_DATA_BYTES[status >> 4])
    if max(data) >= 0x80:
        raise reader.error("a data byte is out of range")
    if status >> 4 == 0x9 and data[1] > 0:
        tally.notes += 1
    return status


def _check_meta(reader: _TrackReader, tally: _Tally, limits: MidiLimits) -> None:
    meta_type = reader.byte()
    body = reader.take(reader.quantity("meta event length"))
    name = META_NAMES.get(meta_type, "meta")
    if len(body) < META_MIN_LENGTH.get(meta_type, 0) or (meta_type == 0x00 and len(body) == 1):
        raise reader.error(f"an empty or short {name} event")
    if meta_type == 0x51:
        _check_tempo(reader, body, tally, limits)
    elif meta_type == 0x58 and not (
        1 <= body[0] <= MAX_METER_NUMERATOR and body[1] <= MAX_METER_EXPONENT
    ):
        raise reader.error(f"an impossible time signature {body[0]}/2^{body[1]}")
    elif meta_type == 0x59 and not (-7 <= _signed(body[0]) <= 7 and body[1] in (0, 1)):
        raise reader.error("a key signature that names no key")
    elif meta_type == 0x54 and body[0] >> 5 > 3:
        raise reader.error("an SMPTE offset with an unknown frame rate")


def _check_tempo(reader: _TrackReader, body: bytes, tally: _Tally, limits: MidiLimits) -> None:
    microseconds = int.from_bytes(body[:3], "big")  # per quarter note
    if microseconds == 0 or not MIN_BPM <= MICROSECONDS_PER_MINUTE / microseconds <= MAX_BPM:
        raise MidiError(
            f"the tempo map is not plausible (a tempo outside {MIN_BPM:g}-{MAX_BPM:g} bpm)"
        )
    tally.tempo_changes += 1
    if tally.tempo_changes > limits.max_tempo_changes:
        raise MidiError(f"the tempo map is not plausible (over {limits.max_tempo_changes} changes)")


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte
