"""A downloaded song keeps the instrument it was made with: its melody track sets that
instrument's General MIDI program at time 0 and names it, whichever way the song was made."""

from __future__ import annotations

import io

import mido
import pytest

from server.generation.instruments import INSTRUMENTS
from server.models.user import User
from tests.conftest import config_for_tests, photo_file
from tests.generation.random_checkpoint import write_lively_checkpoint

WALTZ = [(62, 0, 1), (65, 1, 1), (69, 2, 1), (74, 3, 2)]  # (pitch, start beats, beats)


@pytest.fixture
def config(tmp_path, database_url):
    """The studio with a small random melody network, so conversions run."""
    checkpoint = write_lively_checkpoint(tmp_path / "melody")
    return config_for_tests(tmp_path, database_url, model_dir=checkpoint)


def melody_file(notes: list[tuple[int, int, int]]) -> bytes:
    """A one-track MIDI file of `notes` at 480 ticks per beat."""
    track = mido.MidiTrack()
    now = 0
    for pitch, start, length in notes:
        track.append(mido.Message("note_on", note=pitch, velocity=80, time=(start * 480) - now))
        track.append(mido.Message("note_off", note=pitch, time=length * 480))
        now = (start + length) * 480
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def melody_track(data: bytes) -> mido.MidiTrack:
    """The track that holds the notes."""
    tracks = mido.MidiFile(file=io.BytesIO(data)).tracks
    return next(track for track in tracks if any(m.type == "note_on" for m in track))


def program_at_start(track: mido.MidiTrack) -> int:
    """The program a player hears the first note with: the last change before it, at time 0."""
    programs = []
    for message in track:
        if message.type == "note_on":
            break
        assert message.time == 0, f"{message} comes after time 0"
        if message.type == "program_change":
            programs.append(message.program)
    assert programs, "no program_change before the first note"
    return programs[-1]


async def signed_up(auth) -> User:
    return await User.get(id=(await (await auth.signup()).get_json())["id"])


async def test_a_song_converted_with_fm_downloads_as_an_electric_piano(auth, client):
    await auth.signup()
    uploaded = await client.post(
        "/api/uploads", files={"midi": photo_file(melody_file(WALTZ), "Waltz.mid", "audio/midi")}
    )
    assert uploaded.status_code == 201, await uploaded.get_json()
    source = (await uploaded.get_json())["id"]
    body = {"source": source, "genre": "jazz", "strength": 0, "instrument": "fm"}
    response = await client.post("/api/songs/convert", json=body)
    song = await response.get_json()
    assert response.status_code == 201, song

    data = await (await client.get(song["midi_url"])).get_data()
    track = melody_track(data)
    assert program_at_start(track) == 4  # General MIDI "Electric Piano 1"
    assert track.name == "Melody (FM electric piano)"


@pytest.mark.parametrize(
    ("instrument", "program"), [("piano", 0), ("fm", 4), ("pad", 89), ("pluck", 45)]
)
async def test_every_instrument_downloads_with_its_program(
    auth, client, make_song, instrument, program
):
    song = await make_song(await signed_up(auth), parameters={"instrument": instrument})
    data = await (await client.get(f"/api/songs/{song.id}/midi")).get_data()
    track = melody_track(data)
    assert program_at_start(track) == program == INSTRUMENTS[instrument].program
    assert track.name == f"Melody ({INSTRUMENTS[instrument].label})"


@pytest.mark.parametrize("parameters", [{}, {"instrument": "theremin"}, {"instrument": None}])
async def test_a_song_without_a_known_instrument_downloads_as_a_piano(
    auth, client, make_song, parameters
):
    song = await make_song(await signed_up(auth), parameters=parameters)
    data = await (await client.get(f"/api/songs/{song.id}/midi")).get_data()
    assert program_at_start(melody_track(data)) == 0
