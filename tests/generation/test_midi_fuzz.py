"""Mutated MIDI bytes never get past the guard into a crash: whatever the mutation, the upload
analysis returns a report or raises MidiError, quickly, and a file the guard passes is one mido
reads without error. Bounded in examples and time so it runs in every suite."""

from __future__ import annotations

import io
import struct
import time

import mido
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.generation.midi_guard import check_midi
from server.generation.midi_io import MidiError
from server.generation.upload_analysis import analyse_midi
from tests.generation.test_midi_io import D_MAJOR_LINE, meta, midi_bytes, note_messages

SEEDS = [
    midi_bytes([meta() + note_messages(D_MAJOR_LINE)], midi_type=0),
    midi_bytes(
        [
            meta(tempo=140, meter=(6, 8), key="Em"),
            [mido.MetaMessage("track_name", name="Lead")] + note_messages(D_MAJOR_LINE),
            note_messages([(50, 0, 4), (54, 0, 4), (57, 2, 4)], channel=1),
            note_messages([(36, beat, 0.5) for beat in range(8)], channel=9),
        ]
    ),
]
FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,  # timing is asserted per example below, with room for a busy machine
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: the suite stays reproducible
)


def mutate(draw: st.DrawFn, data: bytearray, start: int = 0) -> bytearray:
    """A few bytes at `start` or later flipped, inserted or deleted, or the tail cut off."""
    for _ in range(draw(st.integers(1, 4))):
        if len(data) <= start:
            break
        position = draw(st.integers(start, len(data) - 1))
        action = draw(st.sampled_from(("set", "insert", "delete", "truncate")))
        if action == "set":
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=6))
        elif action == "delete":
            del data[position]
        else:
            del data[max(position, 1) :]
    return data


def track_bodies(data: bytes) -> tuple[bytes, list[bytes]]:
    """The 14-byte header and the body of every track chunk of a well-formed file."""
    bodies, offset = [], 14
    while offset < len(data):
        length = struct.unpack(">I", data[offset + 4 : offset + 8])[0]
        bodies.append(data[offset + 8 : offset + 8 + length])
        offset += 8 + length
    return data[:14], bodies


@st.composite
def mutated_midi(draw: st.DrawFn) -> bytes:
    """Either raw damage anywhere after the magic number, or damage inside one track's events
    with every chunk length rewritten to match, so the event reader itself is exercised."""
    seed = draw(st.sampled_from(SEEDS))
    if draw(st.booleans()):
        return bytes(mutate(draw, bytearray(seed), start=4))
    header, bodies = track_bodies(seed)
    index = draw(st.integers(0, len(bodies) - 1))
    bodies[index] = bytes(mutate(draw, bytearray(bodies[index])))
    return header + b"".join(b"MTrk" + struct.pack(">I", len(b)) + b for b in bodies)


@FUZZ_SETTINGS
@given(data=mutated_midi())
def test_mutated_files_give_a_report_or_a_clear_error_quickly(data):
    began = time.perf_counter()
    try:
        analysis, melody = analyse_midi(data)
    except MidiError as error:
        assert str(error)
    else:
        assert analysis.melody_notes == melody.note_count > 0
    assert time.perf_counter() - began < 2.0


@FUZZ_SETTINGS
@given(data=mutated_midi())
def test_whatever_the_guard_passes_mido_reads(data):
    try:
        check_midi(data)
    except MidiError:
        return
    midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    assert len(midi.tracks) >= 1
