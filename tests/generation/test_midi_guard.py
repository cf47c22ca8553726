"""The MIDI guard: files mido writes pass with their structure counted; every known trap (bad
header, truncated or corrupted chunks, endless quantities, SMPTE, tick 0, bad meta events,
absurd tempo maps, files too big or too long) is refused with a readable reason."""

from __future__ import annotations

import struct
import time

import mido
import pytest

from server.generation.midi_guard import MidiLimits, check_midi
from server.generation.midi_io import MidiError, midi_to_melody
from tests.generation.test_midi_io import D_MAJOR_LINE, meta, midi_bytes, note_messages

NOTE_ON, NOTE_OFF = b"\x90\x3c\x40", b"\x80\x3c\x00"  # middle C, status byte first
END_OF_TRACK = b"\x00\xff\x2f\x00"


def header(midi_format: int = 0, tracks: int = 1, division: int = 96, length: int = 6) -> bytes:
    return b"MThd" + struct.pack(">IHHH", length, midi_format, tracks, division)


def track(body: bytes, chunk_id: bytes = b"MTrk", length: int | None = None) -> bytes:
    return chunk_id + struct.pack(">I", len(body) if length is None else length) + body


def one_track_file(body: bytes, **header_fields: int) -> bytes:
    return header(**header_fields) + track(body + END_OF_TRACK)


def meta_event(meta_type: int, body: bytes) -> bytes:
    return b"\x00\xff" + bytes([meta_type, len(body)]) + body


def test_a_type_1_file_passes_and_its_structure_is_counted():
    melody = note_messages(D_MAJOR_LINE)
    chords = note_messages([(50, 0, 4), (54, 0, 4), (57, 0, 4)], channel=1)
    data = midi_bytes([meta(), melody, chords])
    structure = check_midi(data)
    assert (structure.format, structure.tracks, structure.ticks_per_beat) == (1, 3, 96)
    assert structure.notes == len(D_MAJOR_LINE) + 3
    assert structure.length_beats == 9


def test_running_status_is_followed_across_events():
    body = b"\x00\x90\x3c\x40" + b"\x60\x3c\x00" + b"\x00\x3e\x40" + b"\x60\x3e\x00"
    structure = check_midi(one_track_file(body))
    assert structure.notes == 2 and structure.length_beats == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"RIFF\x00\x00\x00\x04WAVE", "not a MIDI file"),
        (b"MThd\x00\x00", "cut short"),
        (header(length=600) + track(NOTE_ON), "header claims"),
        (header(midi_format=3) + track(END_OF_TRACK), "unknown MIDI format 3"),
        (header(midi_format=2) + track(END_OF_TRACK), "format 2"),
        (header(tracks=0), "1 to 64 tracks"),
        (header(tracks=2) + track(END_OF_TRACK), "promises 2 tracks"),
        (one_track_file(b"", division=0), "0 ticks per beat"),
        (one_track_file(b"", division=0xE728), "SMPTE"),
        (header() + track(END_OF_TRACK, chunk_id=b"MTrX"), "not a track"),
        (header() + track(END_OF_TRACK, length=400), "truncated"),
        (one_track_file(b"\xff\xff\xff\xff\x7f" + NOTE_ON), "longer than 4 bytes"),
        (one_track_file(b"\x00\x3c\x40"), "running status"),
        (header() + track(b"\x00\x90\x3c"), "past the end of the track"),
        (one_track_file(b"\x00\x90\x3c\xc0"), "data byte"),
        (one_track_file(b"\x00\xf3\x01"), "0xF3"),
        (header() + track(b"\x00\xf0\x20\x7e\x3c\x40"), "past the end"),
        (one_track_file(b"\x00\xf0\x01\xf7\x00\x3c\x40"), "running status"),
        (one_track_file(meta_event(0x59, b"")), "key signature"),
        (one_track_file(meta_event(0x59, b"\x09\x00")), "names no key"),
        (one_track_file(meta_event(0x51, b"\x00\x00\x00")), "tempo map"),
        (one_track_file(meta_event(0x51, b"\x00\x00\x01")), "tempo map"),
        (one_track_file(meta_event(0x51, b"\xff\xff\xff")), "tempo map"),
        (one_track_file(meta_event(0x58, b"\x00\x02\x18\x08")), "time signature"),
        (one_track_file(meta_event(0x58, b"\x04\x40\x18\x08")), "time signature"),
        (one_track_file(meta_event(0x00, b"\x01")), "sequence number"),
        (one_track_file(meta_event(0x54, b"\xe0\x00\x00\x00\x00")), "frame rate"),
        (one_track_file(b"\x83\xff\xff\x7f" + NOTE_ON + b"\x00" + NOTE_OFF), "8192 beats"),
        (one_track_file(b"\x00" + NOTE_ON) + b"\x00", "1 byte of other data after its last"),
        (one_track_file(b"\x00" + NOTE_ON) + track(END_OF_TRACK), "after its last track"),
    ],
)
def test_broken_and_hostile_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(MidiError, match=reason):
        check_midi(data)


def test_limits_bound_size_tracks_events_notes_and_tempo_changes():
    notes = note_messages([(60 + step % 12, step / 4, 0.25) for step in range(400)])
    data = midi_bytes([meta(), notes])
    with pytest.raises(MidiError, match="larger than 1 KB"):
        check_midi(data, MidiLimits(max_bytes=1024))
    with pytest.raises(MidiError, match="more than 500 events"):
        check_midi(data, MidiLimits(max_events=500))
    with pytest.raises(MidiError, match="more than 100 notes"):
        check_midi(data, MidiLimits(max_notes=100))
    with pytest.raises(MidiError, match="tracks"):
        check_midi(midi_bytes([meta(), notes, notes]), MidiLimits(max_tracks=2))
    tempo_map = [mido.MetaMessage("set_tempo", tempo=500_000 + i, time=1) for i in range(20)]
    with pytest.raises(MidiError, match="over 10 changes"):
        check_midi(midi_bytes([tempo_map, notes]), MidiLimits(max_tempo_changes=10))


def test_every_file_the_guard_passes_is_read_the_same_by_the_melody_reader():
    data = midi_bytes([meta(tempo=90, meter=(3, 4), key="Bm"), note_messages(D_MAJOR_LINE)])
    check_midi(data)
    melody = midi_to_melody(data)
    assert melody.note_count == len(D_MAJOR_LINE) and melody.bar_ticks == 36


def test_a_megabyte_of_events_is_refused_at_the_event_limit_in_bounded_time():
    body = (b"\x00\x90\x3c\x40" + b"\x01\x3c\x00") * (1024 * 1024 // 8)
    began = time.perf_counter()
    with pytest.raises(MidiError, match="more than 100000 events"):
        check_midi(one_track_file(body), MidiLimits(max_bytes=2 * 1024 * 1024))
    assert time.perf_counter() - began < 3.0  # seconds, on two busy cores


def test_a_valid_file_followed_by_a_megabyte_of_junk_is_refused_naming_the_junk():
    data = midi_bytes([meta(), note_messages(D_MAJOR_LINE)])
    junk = bytes(range(256)) * 4096  # 1 MB
    with pytest.raises(MidiError, match=f"{len(junk)} bytes of other data after its last track"):
        check_midi(data + junk, MidiLimits(max_bytes=2 * 1024 * 1024))
