"""A conversion keeps the song's chords: the upload's chords are recognized (from its
accompaniment, or from the melody alone), re-voiced for the genre and saved with the song (its
`parameters.chords`, its `chords` and the chord track of its MIDI file); a song that cannot keep
them is still converted and says why."""

from __future__ import annotations

import io

import mido
import pytest

from server.generation.chords import parse_harte
from server.generation.progression import Progression
from server.models.song import Song
from server.models.upload import Upload
from tests.api.test_convert import WALTZ_FILE, config, convert, song_midi, uploaded  # noqa: F401
from tests.api.test_uploads import upload
from tests.generation.test_midi_io import meta, midi_bytes, note_messages

BARS = ("C", "Am", "F", "G", "C", "Am", "F", "G")  # one chord a bar, in C major
TRIADS = {"C": (48, 52, 55), "Am": (45, 48, 52), "F": (41, 45, 48), "G": (43, 47, 50)}
ROOTS = {"C": 0, "Am": 9, "F": 5, "G": 7}
# A tune of chord tones, a note a beat, from a one-beat pickup: (pitch, start, beats).
TUNE = [(67, 3, 1)] + [
    (pitch, 4 + 4 * bar + beat, 1)
    for bar, name in enumerate(BARS)
    for beat, pitch in enumerate(p + 24 for p in (*TRIADS[name], TRIADS[name][1]))
]
# Block chords under the pickup bar (the last chord) and under each bar of the tune.
CHORDS = [(pitch, 0, 4) for pitch in TRIADS["G"]] + [
    (pitch, 4 + 4 * bar, 4) for bar, name in enumerate(BARS) for pitch in TRIADS[name]
]
SONG_FILE = midi_bytes(
    [meta(tempo=110, meter=(4, 4), key="C"), note_messages(TUNE), note_messages(CHORDS, 1)]
)
TUNE_ONLY_FILE = midi_bytes([meta(tempo=110, meter=(4, 4), key="C"), note_messages(TUNE)])


def roots_per_beat(rows: list) -> list[int | None]:
    return [chord.root for chord in Progression.from_storage(rows).per_beat()]


async def converted(auth, client, data: bytes, genre: str, **body) -> dict:
    source = await uploaded(auth, client, data)
    response = await convert(client, source=source, genre=genre, seed=3, **body)
    song = await response.get_json()
    assert response.status_code == 201, song
    return song


async def test_the_upload_names_the_chords_of_its_accompaniment_under_the_melody(auth, client):
    await auth.signup()
    response = await upload(client, SONG_FILE, "Song.mid")
    chords = (await response.get_json())["analysis"]["chords"]
    assert chords["read_from"] == "arrangement" and chords["note"] is None
    # Tick 0 is the bar line before the pickup: the G of the pickup bar, then a chord a bar.
    roots = roots_per_beat(chords["progression"])
    assert roots[::4] == [7, *(ROOTS[name] for name in BARS)]


@pytest.mark.parametrize("genre", ["rock", "jazz", "classical", "pop", "folk"])
async def test_a_conversion_keeps_the_uploads_chord_roots_and_saves_them(auth, client, genre):
    song = await converted(auth, client, SONG_FILE, genre)
    saved = song["parameters"]["chords"]
    assert song["parameters"]["chords_from"] == "arrangement"
    upload = await Upload.get(id=song["parameters"]["source"])
    source = roots_per_beat(upload.analysis["chords"]["progression"])
    kept = roots_per_beat(saved)
    shared = sum(a == b for a, b in zip(source, kept, strict=True)) / len(source)
    assert shared >= 0.75  # jazz puts a ii on half of a dominant's bar; the rest keep theirs
    if genre in ("rock", "folk", "classical"):
        assert shared == 1.0
    symbols = [chord["symbol"] for chord in song["chords"]]
    if genre == "jazz":
        assert "Cmaj7" in symbols and "Am7" in symbols
    if genre in ("rock", "folk"):
        assert not any("7" in symbol for symbol in symbols)
    tracks = mido.MidiFile(file=io.BytesIO(await song_midi(client, song))).tracks
    chord_track = [track for track in tracks if track.name == "Chords"]
    assert chord_track, "the song's MIDI file plays its chords"
    markers = [m.text for m in tracks[0] if m.type == "marker"]
    assert markers[0] == song["chords"][0]["symbol"]


async def test_a_conversion_with_a_band_gets_the_target_genres_band_over_the_kept_chords(
    auth, client
):
    song = await converted(auth, client, SONG_FILE, "rock", band=True)
    assert song["parameters"]["band"] is True
    midi = mido.MidiFile(file=io.BytesIO(await song_midi(client, song)))
    tracks = {track.name: track for track in midi.tracks}
    programs = {
        name: [m.program for m in tracks[name] if m.type == "program_change"]
        for name in ("Chords", "Bass")
    }
    assert programs == {"Chords": [29], "Bass": [34]}  # rock's guitar and picked bass
    kept = Progression.from_storage(song["parameters"]["chords"])
    bass = [m.note % 12 for m in tracks["Bass"] if m.type == "note_on"]
    now, downbeats = 0, []  # the bass struck on each bar line, its chord's root in rock
    for message in tracks["Bass"]:
        now += message.time
        if message.type == "note_on" and message.velocity and now % (4 * midi.ticks_per_beat) == 0:
            if not downbeats or downbeats[-1] != message.note % 12:
                downbeats.append(message.note % 12)
    assert downbeats[:2] == [7, 0]  # the pickup bar's G, then the first bar's C
    assert len(bass) >= len(kept.changes())
    assert song["note_count"] == sum(
        1
        for track in midi.tracks
        if track.name.startswith("Melody")
        for m in track
        if m.type == "note_on"
    )


@pytest.mark.parametrize("band", ["yes", 1])
async def test_a_conversions_band_is_true_or_false(auth, client, band):
    source = await uploaded(auth, client, SONG_FILE)
    response = await convert(client, source=source, genre="rock", band=band)
    body = await response.get_json()
    assert response.status_code == 400 and "band" in body["error"]["message"], body


async def test_a_melody_alone_has_its_chords_heard_in_the_melody(auth, client):
    song = await converted(auth, client, TUNE_ONLY_FILE, "folk")
    assert song["parameters"]["chords_from"] == "melody"
    assert song["chords"], "chords recognized from the tune are kept"
    assert all(parse_harte(row[0]).is_chord for row in song["parameters"]["chords"])


async def test_a_song_in_another_meter_is_converted_without_chords_and_says_why(auth, client):
    song = await converted(auth, client, WALTZ_FILE, "jazz")
    assert "chords" not in song["parameters"] and song["chords"] is None
    assert "4/4" in song["parameters"]["chords_note"]
    assert song["parameters"]["chords_from"] is None


async def test_an_upload_read_before_chords_were_kept_is_read_again_for_them(auth, client):
    source = await uploaded(auth, client, SONG_FILE)
    upload = await Upload.get(id=source)
    upload.analysis = {k: v for k, v in upload.analysis.items() if k != "chords"}
    await upload.save()
    response = await convert(client, source=source, genre="rock", seed=1)
    song = await response.get_json()
    assert response.status_code == 201, song
    assert roots_per_beat(song["parameters"]["chords"])[4::4] == [ROOTS[n] for n in BARS]


async def test_a_drum_only_upload_is_refused_before_anything_is_converted(auth, client):
    await auth.signup()
    drums = midi_bytes([meta(meter=(4, 4)), note_messages([(36, b, 1) for b in range(8)], 9)])
    response = await upload(client, drums, "Drums.mid")
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "invalid_midi"
    assert await Song.all().count() == 0
