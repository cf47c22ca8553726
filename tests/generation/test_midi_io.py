"""MIDI <-> melody: round trip, melody track choice, skyline, meta events, clear errors."""

import io

import mido
import pytest

from server.generation.melody import Event, Melody
from server.generation.midi_io import MidiError, midi_to_melody
from server.generation.midi_writing import melody_to_midi

TPB = 96  # ticks per beat of the files the tests write


def note_messages(notes, channel=0):
    """(pitch, start beats, duration beats) notes -> delta-timed messages; chords allowed."""
    timeline = []
    for pitch, start, duration in notes:
        timeline.append(
            (
                round(start * TPB),
                1,
                mido.Message("note_on", note=pitch, velocity=80, channel=channel),
            )
        )
        timeline.append(
            (
                round((start + duration) * TPB),
                0,
                mido.Message("note_off", note=pitch, channel=channel),
            )
        )
    messages, now = [], 0
    for tick, _, message in sorted(timeline, key=lambda item: (item[0], item[1])):
        messages.append(message.copy(time=tick - now))
        now = tick
    return messages


def midi_bytes(tracks, midi_type=1):
    midi = mido.MidiFile(type=midi_type, ticks_per_beat=TPB)
    for messages in tracks:
        midi.tracks.append(mido.MidiTrack(messages))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def meta(tempo=100, meter=(3, 4), key="D"):
    return [
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo)),
        mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1]),
        mido.MetaMessage("key_signature", key=key),
    ]


D_MAJOR_LINE = [(62, 0, 1), (66, 1, 1), (69, 2, 1), (74, 3, 2), (73, 5, 1), (71, 6, 1), (69, 7, 2)]


def test_round_trip_keeps_pitches_sixteenths_triplets_pickup_and_meta():
    events = [Event(62, 3), Event(64, 3), Event(66, 6), Event(None, 12)]
    events += [
        Event(67, 4),
        Event(69, 4),
        Event(71, 4),
        Event(74, 2),
        Event(None, 10),
        Event(62, 36),
    ]
    original = Melody(events, bar_ticks=36, pickup_ticks=12, tonic=2, mode="major", tempo=132.0)
    back = midi_to_melody(melody_to_midi(original, program=40))
    assert back.events == original.events
    assert (back.bar_ticks, back.pickup_ticks, back.tempo) == (36, 12, 132.0)
    assert (back.tonic, back.mode) == (2, "major")


def test_written_file_carries_program_tempo_meter_and_key():
    melody = Melody([Event(57, 12), Event(60, 12), Event(64, 24)], tonic=9, mode="minor")
    midi = mido.MidiFile(file=io.BytesIO(melody_to_midi(melody, program=66, velocity=70)))
    messages = [message for track in midi.tracks for message in track]
    assert midi.type == 1
    assert any(m.type == "program_change" and m.program == 66 for m in messages)
    assert any(m.type == "key_signature" and m.key == "Am" for m in messages)
    assert any(m.type == "time_signature" and m.numerator == 4 for m in messages)


def test_type_0_file_reads_tempo_meter_and_key():
    data = midi_bytes([meta() + note_messages(D_MAJOR_LINE)], midi_type=0)
    melody = midi_to_melody(data, genre="folk", name="tune")
    assert [n.pitch for n in melody.notes()] == [p for p, _, _ in D_MAJOR_LINE]
    assert (melody.tempo, melody.bar_ticks, melody.tonic, melody.mode) == (100.0, 36, 2, "major")
    assert (melody.genre, melody.name) == ("folk", "tune")


def test_track_named_melody_wins_over_busier_accompaniment():
    chords = [(p, beat, 1) for beat in range(8) for p in (50, 57, 78)]
    data = midi_bytes(
        [
            meta(),
            [mido.MetaMessage("track_name", name="Piano")] + note_messages(chords, channel=1),
            [mido.MetaMessage("track_name", name="MELODY")] + note_messages(D_MAJOR_LINE),
        ]
    )
    assert [n.pitch for n in midi_to_melody(data).notes()] == [p for p, _, _ in D_MAJOR_LINE]


def test_without_a_named_track_the_highest_voice_is_kept():
    # a held top note over moving lower notes: the lower ones must not cut it
    notes = [(72, 0, 2), (60, 0, 1), (64, 1, 1), (74, 2, 1), (67, 2, 1), (71, 3, 1)]
    melody = midi_to_melody(midi_bytes([meta(), note_messages(notes)]))
    assert melody.events == [Event(72, 24), Event(74, 12), Event(71, 12)]


def test_performed_timing_with_a_constant_offset_lands_on_the_grid():
    offset = 0.1  # beats late, as in a recording against a click
    notes = [(60 + i % 5, i * 0.5 + offset, 0.45) for i in range(16)]
    melody = midi_to_melody(midi_bytes([meta(), note_messages(notes)]))
    assert {event.duration for event in melody.events} == {6}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"this is not music at all", "not a MIDI file"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02", "not a readable MIDI file"),
    ],
)
def test_unusable_bytes_raise_midi_error(data, message):
    with pytest.raises(MidiError, match=message):
        midi_to_melody(data)


def test_drum_only_file_has_no_pitched_notes():
    data = midi_bytes([meta(), note_messages([(36, 0, 1), (38, 1, 1)], channel=9)])
    with pytest.raises(MidiError, match="no pitched notes"):
        midi_to_melody(data)


def test_missing_track_number_is_reported():
    with pytest.raises(MidiError, match="track 5 does not exist"):
        midi_to_melody(midi_bytes([meta(), note_messages(D_MAJOR_LINE)]), track=5)
