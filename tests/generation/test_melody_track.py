"""Choosing the melody track: the tune above a busier accompaniment wins whatever the track
order and without names, a piano track's tune leaves its bass notes out, unsure files say so,
and the file's own time signature is reported as written."""

from __future__ import annotations

import pytest

from server.generation.melody_track import choose_melody_part
from server.generation.midi_io import midi_to_melody, read_midi
from server.generation.upload_analysis import analyse_midi
from tests.generation.test_midi_io import meta, midi_bytes, note_messages

# Eight bars of a tune in C major (beats, 4/4): steps and small leaps, a rest at each phrase end.
PHRASE = [(72, 0, 1), (74, 1, 1), (76, 2, 1.5), (74, 3.5, 0.5), (72, 4, 1), (71, 5, 1)]
PHRASE += [(69, 6, 2), (67, 8, 1), (69, 9, 0.5), (71, 9.5, 0.5), (72, 10, 1), (76, 11, 1)]
PHRASE += [(74, 12, 3)]
TUNE = PHRASE + [(pitch, start + 16, length) for pitch, start, length in PHRASE]
# Broken chords in eighths under it: more notes than the tune, lower, never resting.
CHORD_TONES = ((48, 55, 60, 64), (53, 57, 60, 65), (43, 50, 55, 59), (48, 55, 60, 64))
ACCOMPANIMENT = [
    (CHORD_TONES[bar % 4][step % 4], bar * 4 + step / 2, 0.5)
    for bar in range(8)
    for step in range(8)
]
# A left hand of bass notes on every beat, sounding while the tune rests too.
BASS = [(36 + (beat // 4 % 2) * 7, beat, 1) for beat in range(32)]


def tune_file(order: tuple[str, ...], names: bool = False) -> bytes:
    lines = {"tune": TUNE, "accompaniment": ACCOMPANIMENT}
    tracks = [meta(tempo=100, meter=(4, 4), key="C")]
    for channel, which in enumerate(order):
        tracks.append(note_messages(lines[which], channel=channel))
    return midi_bytes(tracks)


@pytest.mark.parametrize("order", [("tune", "accompaniment"), ("accompaniment", "tune")])
def test_the_tune_above_a_busier_accompaniment_is_chosen_in_any_track_order(order):
    data = tune_file(order)
    midi, parts, _ = read_midi(data)
    choice = choose_melody_part(parts, midi.ticks_per_beat)
    assert choice.part.track == 1 + order.index("tune")
    assert choice.confident
    assert [n.pitch for n in midi_to_melody(data).notes()] == [p for p, _, _ in TUNE]


def test_a_single_piano_track_gives_the_right_hand_tune_without_its_bass_notes():
    piano = note_messages(sorted(TUNE + BASS, key=lambda note: note[1]))
    melody = midi_to_melody(midi_bytes([meta(tempo=100, meter=(4, 4), key="C"), piano]))
    assert [n.pitch for n in melody.notes()] == [p for p, _, _ in TUNE]


def test_a_file_with_one_pitched_track_is_a_sure_choice():
    _, parts, _ = read_midi(midi_bytes([meta(), note_messages(TUNE)]))
    choice = choose_melody_part(parts, 96)
    assert choice.confident and choice.confidence == 1.0


def test_two_tracks_playing_the_same_line_leave_the_choice_to_the_person():
    data = midi_bytes([meta(), note_messages(TUNE), note_messages(TUNE, channel=1)])
    analysis, _ = analyse_midi(data)
    assert analysis.melody_choice["confident"] is False
    assert analysis.melody_choice["track"] == analysis.melody_track


def test_every_pitched_track_comes_with_a_short_preview_of_its_melody():
    analysis, _ = analyse_midi(tune_file(("accompaniment", "tune")))
    previews = {track.index: track.preview for track in analysis.tracks}
    assert previews[0] is None  # the conductor track has no notes
    tune_preview = previews[2]
    assert [pitch for pitch, _ in tune_preview["events"] if pitch is not None][:4] == [
        72,
        74,
        76,
        74,
    ]
    assert previews[1]["bar_ticks"] == 48 and previews[1]["events"]


@pytest.mark.parametrize(("meter", "bar_ticks"), [((12, 8), 72), ((6, 8), 36), ((9, 8), 54)])
def test_a_compound_meter_is_reported_as_the_file_writes_it(meter, bar_ticks):
    analysis, melody = analyse_midi(midi_bytes([meta(meter=meter), note_messages(TUNE)]))
    assert analysis.meter == f"{meter[0]}/{meter[1]}"
    assert melody.bar_ticks == bar_ticks
