"""Standard MIDI File bytes written directly, without building a message object per event: the
same bytes mido writes for the same messages (running status for repeated channel messages, one
end-of-track meta event closing each track), at a small fraction of its cost, since every song
saved is rendered on the server that streams live notes.
"""

from __future__ import annotations

import struct

# Meta event types
TEXT, TRACK_NAME, MARKER = 0x01, 0x03, 0x06
END_OF_TRACK, SET_TEMPO, TIME_SIGNATURE, KEY_SIGNATURE = 0x2F, 0x51, 0x58, 0x59
# Channel message kinds (the high nibble of the status byte)
NOTE_OFF, NOTE_ON, PROGRAM_CHANGE = 0x80, 0x90, 0xC0
RELEASE_VELOCITY = 64  # a note-off's velocity where none is meant (mido's default)
TEXT_ENCODING = "latin-1"  # meta texts, as mido writes them (a character outside it raises)
CLOCKS_PER_CLICK, THIRTY_SECONDS_PER_QUARTER = 24, 8  # the usual time signature extras


def variable_length(value: int) -> bytes:
    """`value` >= 0 in the file's variable-length form: 7 bits a byte, most significant first,
    the high bit set on every byte but the last."""
    if value < 0:
        raise ValueError(f"a delta time or length must not be negative, got {value}")
    if value < 0x80:
        return bytes((value,))
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


class Track:
    """One track's events in order, each `delta` ticks after the one before."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._running: int | None = None  # the status byte the next message may leave out

    def _delta(self, delta: int) -> None:
        if 0 <= delta < 0x80:
            self._data.append(delta)  # the usual case, one byte
        else:
            self._data += variable_length(delta)

    def meta(self, kind: int, payload: bytes, delta: int = 0) -> None:
        self._delta(delta)
        self._data += bytes((0xFF, kind))
        self._data += variable_length(len(payload))
        self._data += payload
        self._running = None

    def text(self, kind: int, text: str, delta: int = 0) -> None:
        """A text meta event: a name, a marker, a chord symbol."""
        self.meta(kind, text.encode(TEXT_ENCODING), delta)

    def channel(self, kind: int, channel: int, *data: int, delta: int = 0) -> None:
        """A channel message of `kind` (NOTE_ON, ...) on `channel` 0..15 with its data bytes."""
        if not (0 <= channel <= 15 and 0 <= min(data) and max(data) <= 127):
            raise ValueError(f"a MIDI channel is 0..15 and data 0..127, got {channel}, {data}")
        status = kind | channel
        self._delta(delta)
        if status != self._running:
            self._data.append(status)
            self._running = status
        self._data.extend(data)

    def chunk(self, delta: int = 0) -> bytes:
        """The finished track chunk, its end `delta` ticks after its last event."""
        self.meta(END_OF_TRACK, b"", delta)
        return b"MTrk" + struct.pack(">L", len(self._data)) + bytes(self._data)


def tempo_payload(bpm: float) -> bytes:
    """Microseconds per quarter note, rounded as mido's `bpm2tempo` rounds them."""
    tempo = round(60 * 1e6 / bpm)
    if not 0 <= tempo <= 0xFFFFFF:
        raise ValueError(f"a tempo of {bpm} bpm cannot be written in a MIDI file")
    return tempo.to_bytes(3, "big")


def time_signature_payload(numerator: int, denominator: int) -> bytes:
    """A meter whose denominator is a power of two."""
    power = denominator.bit_length() - 1
    if denominator != 1 << power or not 0 <= numerator <= 255:
        raise ValueError(f"{numerator}/{denominator} cannot be written as a time signature")
    return bytes((numerator, power, CLOCKS_PER_CLICK, THIRTY_SECONDS_PER_QUARTER))


def key_signature_payload(fifths: int, minor: bool) -> bytes:
    """Sharps (> 0) or flats (< 0), -7..7, and the mode."""
    if not -7 <= fifths <= 7:
        raise ValueError(f"a key signature has at most 7 sharps or flats, got {fifths}")
    return bytes((fifths & 0xFF, int(minor)))


def midi_file(tracks: list[bytes], ticks_per_beat: int, file_type: int = 1) -> bytes:
    """A whole file: its header, then the track chunks."""
    header = struct.pack(">hhh", file_type, len(tracks), ticks_per_beat)
    return b"MThd" + struct.pack(">L", len(header)) + header + b"".join(tracks)
