"""Conversions over Socket.IO through a real Hypercorn: `generate:start` with a `source` upload
streams with the same protocol as generation and saves a converted song linked to the upload;
strength 0 streams the source itself; each bar is the style search's choice; another user's
upload and bad fields are refused."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import mido

from server.cli import DEFAULT_CLASSIFIER
from server.generation.classifier import GenreClassifier
from server.generation.lstm import LstmNetwork
from server.generation.sampler import run_to_end
from server.generation.style_search import StyleSearch
from server.generation.transfer import TransferStream
from server.generation.transfer_params import TransferParams
from server.generation.upload_analysis import analyse_midi
from server.generation.upload_chords import SourceChords
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER
from server.services.generation import MAX_STREAMS_PER_USER
from tests.conftest import LiveServer
from tests.generation.random_checkpoint import write_lively_checkpoint
from tests.generation.test_midi_io import meta, midi_bytes, note_messages
from tests.sockets.streaming import LONG, get_bytes, get_json, midi_notes

TUNE = [(64, 0, 1), (62, 1, 1), (60, 2, 1), (62, 3, 1), (64, 4, 1), (64, 5, 1), (64, 6, 2)]
TUNE_FILE = midi_bytes([meta(tempo=120, meter=(4, 4), key="C"), note_messages(TUNE)])


async def upload(server: LiveServer, cookie: str, data: bytes = TUNE_FILE) -> str:
    token = cookie.split(f"{CSRF_COOKIE}=")[1].split(";")[0]
    form = aiohttp.FormData()
    form.add_field("midi", data, filename="Mary.mid", content_type="audio/midi")
    headers = {"Cookie": cookie, CSRF_HEADER: token}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{server.base_url}/api/uploads", data=form) as response:
            assert response.status == 201, await response.text()
            return (await response.json())["id"]


async def test_a_conversion_streams_and_saves_a_song_linked_to_its_upload(
    unpaced_server, unpaced_cookie, listen
):
    source = await upload(unpaced_server, unpaced_cookie)
    listener = await listen(unpaced_server, unpaced_cookie)
    song_id, notes = await listener.stream(source=source, genre="jazz", strength=0.5, seed=3)
    assert notes and notes[-1][1] + notes[-1][2] <= 8
    song = await get_json(unpaced_server, unpaced_cookie, f"/api/songs/{song_id}")
    assert (song["source_kind"], song["genre"], song["title"]) == (
        "converted",
        "jazz",
        "Mary as jazz",
    )
    assert song["parameters"]["source"] == source and song["parameters"]["strength"] == 0.5
    assert song["parameters"]["source_name"] == "Mary.mid"
    midi = await get_bytes(unpaced_server, unpaced_cookie, song["midi_url"])
    assert midi_notes(without_chord_track(midi)) == notes
    # The tune's chords, heard in the melody alone (the file has no accompaniment), are kept.
    assert song["parameters"]["chords_from"] == "melody" and song["chords"]
    assert [span["symbol"] for span in song["chords"]][0].startswith("C")


async def test_a_streamed_conversion_sends_its_chords_before_its_notes_and_saves_them(
    unpaced_server, unpaced_cookie, listen
):
    source = await upload(unpaced_server, unpaced_cookie)
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(source=source, genre="jazz", seed=2)
    assert ack["ok"] and ack["chords"], ack
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    song = await get_json(unpaced_server, unpaced_cookie, f"/api/songs/{done['song_id']}")
    assert song["chords"] == ack["chords"]
    assert all("7" in chord["symbol"] for chord in ack["chords"])  # re-voiced for jazz


async def test_a_streamed_conversion_without_chords_says_why(
    unpaced_server, unpaced_cookie, listen
):
    waltz = midi_bytes([meta(tempo=90, meter=(3, 4), key="Dm"), note_messages(TUNE)])
    source = await upload(unpaced_server, unpaced_cookie, waltz)
    listener = await listen(unpaced_server, unpaced_cookie)
    ack = await listener.start(source=source, genre="folk", seed=2)
    assert ack["ok"] and "chords" not in ack, ack
    assert "4/4" in ack["chords_note"]
    await asyncio.wait_for(listener.done[ack["stream_id"]], 30)


def without_chord_track(data: bytes) -> bytes:
    midi = mido.MidiFile(file=io.BytesIO(data))
    midi.tracks = [track for track in midi.tracks if track.name != "Chords"]
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


async def test_strength_0_streams_the_source_melody(unpaced_server, unpaced_cookie, listen):
    source = await upload(unpaced_server, unpaced_cookie)
    listener = await listen(unpaced_server, unpaced_cookie)
    _, notes = await listener.stream(source=source, genre="folk", strength=0)
    assert notes == [(pitch, float(start), float(length)) for pitch, start, length in TUNE]


async def test_the_same_seed_streams_the_same_conversion(unpaced_server, unpaced_cookie, listen):
    source = await upload(unpaced_server, unpaced_cookie)
    listener = await listen(unpaced_server, unpaced_cookie)
    request = {"source": source, "genre": "rock", "strength": 0.8, "seed": 5}
    assert (await listener.stream(**request))[1] == (await listener.stream(**request))[1]


async def test_the_stream_is_the_style_searched_conversion(
    unpaced_server, unpaced_cookie, listen, tmp_path
):
    source = await upload(unpaced_server, unpaced_cookie)
    listener = await listen(unpaced_server, unpaced_cookie)
    _, notes = await listener.stream(source=source, genre="classical", strength=0.6, seed=11)
    network = LstmNetwork.load(write_lively_checkpoint(tmp_path / "melody"))  # the server's
    analysis, melody = analyse_midi(TUNE_FILE)
    chords = SourceChords.from_json(analysis.chords).progression  # the song's, kept

    def written(search: StyleSearch | None) -> list:
        params = TransferParams("classical", 0.6, seed=11)
        stream = TransferStream(melody, params, network.vocabulary, network, search, chords)
        notes = run_to_end(network, [stream])[0]
        return [(n.pitch, n.start_beats, n.duration_beats) for n in notes]

    assert notes == written(StyleSearch(network, GenreClassifier.load(DEFAULT_CLASSIFIER)))
    assert notes != written(None)


async def test_another_users_upload_and_bad_fields_are_refused(
    unpaced_server, unpaced_cookie, listen
):
    source = await upload(unpaced_server, unpaced_cookie)
    stranger = await listen(unpaced_server, await unpaced_server.session_cookie())
    ack = await stranger.start(source=source, genre="pop")
    assert ack["ok"] is False and ack["error"]["code"] == "unknown_source"
    mine = await listen(unpaced_server, unpaced_cookie)
    for payload, field in [
        ({"strength": 2}, "strength"),
        ({"genre": "any"}, "genre"),
        ({"track": -1}, "track"),
        ({"bars": 8}, "bars"),
    ]:
        ack = await mine.start(**{"source": source, "genre": "pop"} | payload)
        assert ack["ok"] is False, payload
        assert (ack["error"]["code"], ack["error"]["field"]) == ("invalid_params", field)


async def test_a_flood_of_conversions_is_refused_at_the_stream_limit_before_any_file_is_read(
    paced_server, listen
):
    """At the limit, a conversion of a track that is not in the file is refused for the limit,
    not for the track: the file is never read. Another user converts meanwhile."""
    cookie = await paced_server.session_cookie(source="127.0.0.10")
    source = await upload(paced_server, cookie)
    flooder = await listen(paced_server, cookie)
    for _ in range(MAX_STREAMS_PER_USER):
        assert (await flooder.start(**LONG))["ok"]
    flood = [flooder.start(source=source, genre="jazz", track=7) for _ in range(50)]
    codes = {ack["error"]["code"] for ack in await asyncio.gather(*flood)}
    assert codes == {"too_many_streams"}
    other_cookie = await paced_server.session_cookie(source="127.0.0.11")
    other = await listen(paced_server, other_cookie)
    ack = await other.start(source=await upload(paced_server, other_cookie), genre="folk")
    assert ack["ok"], ack
