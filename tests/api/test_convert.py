"""`POST /api/songs/convert`: a conversion saved as a song that links its upload and keeps its
meter; strength 0 is the source, a seed repeats, another user's upload is a 404, bad requests are
a 400 with nothing saved, a server without a model says so, and one account flooding it gets
`busy` past its share while others still sign in."""

from __future__ import annotations

import asyncio
import io

import mido
import pytest

from server.app import create_app
from server.errors import AppError
from server.generation.melody import GENRES
from server.models.song import Song
from server.models.user import User
from server.services.conversions import CONVERSIONS, stream_from_payload
from server.services.registry import services
from server.services.sounds_like import CLASSIFIER_DIR
from server.services.uploads import MIDI_PARSING
from tests.api.test_uploads import upload
from tests.conftest import AuthActions, StudioTestClient, config_for_tests, unique_email
from tests.generation.random_checkpoint import write_lively_checkpoint
from tests.generation.test_midi_io import meta, midi_bytes, note_messages
from tests.sockets.streaming import midi_notes

WALTZ = [(62, 0, 1), (65, 1, 1), (69, 2, 1), (74, 3, 2), (72, 5, 1), (70, 6, 1), (69, 7, 2)]
WALTZ_FILE = midi_bytes([meta(tempo=90, meter=(3, 4), key="Dm"), note_messages(WALTZ)])
LONG_BARS = 128
LONG_LINE = [(60 + (beat * 5) % 12, beat, 1) for beat in range(LONG_BARS * 4)]  # in 4/4
LONG_FILE = midi_bytes([meta(tempo=120, meter=(4, 4), key="C"), note_messages(LONG_LINE)])


@pytest.fixture
def config(tmp_path, database_url):
    """The studio with a small random melody network, so conversions run."""
    checkpoint = write_lively_checkpoint(tmp_path / "melody")
    return config_for_tests(tmp_path, database_url, model_dir=checkpoint)


async def uploaded(auth, client, data: bytes = WALTZ_FILE) -> str:
    await auth.signup()
    response = await upload(client, data, "Waltz.mid")
    assert response.status_code == 201
    return (await response.get_json())["id"]


async def convert(client, **body):
    return await client.post("/api/songs/convert", json=body)


async def song_midi(client, song: dict) -> bytes:
    return await (await client.get(song["midi_url"])).get_data()


async def test_strength_0_saves_the_source_melody_as_a_converted_song(auth, client):
    source = await uploaded(auth, client)
    response = await convert(client, source=source, genre="jazz", strength=0)
    song = await response.get_json()
    assert response.status_code == 201, song
    assert (song["source_kind"], song["genre"], song["title"]) == (
        "converted",
        "jazz",
        "Waltz as jazz",
    )
    assert song["parameters"]["source"] == source and song["parameters"]["strength"] == 0
    assert (song["key"], song["mode"], song["tempo"]) == ("D", "minor", 90)
    data = await song_midi(client, song)
    assert midi_notes(data) == [
        (pitch, float(start), float(length)) for pitch, start, length in WALTZ
    ]
    meters = [
        m
        for track in mido.MidiFile(file=io.BytesIO(data)).tracks
        for m in track
        if m.type == "time_signature"
    ]
    assert (meters[0].numerator, meters[0].denominator) == (3, 4)


async def test_the_same_seed_gives_the_same_song(auth, client):
    source = await uploaded(auth, client)
    songs = [
        await (await convert(client, source=source, genre="rock", strength=0.7, seed=4)).get_json()
        for _ in range(2)
    ]
    assert await song_midi(client, songs[0]) == await song_midi(client, songs[1])
    assert songs[0]["parameters"]["seed"] == 4


async def test_another_users_upload_is_a_404_and_nothing_is_saved(auth, client, new_client):
    source = await uploaded(auth, client)
    stranger = new_client()
    await auth.signup(client=stranger)
    response = await stranger.post("/api/songs/convert", json={"source": source, "genre": "pop"})
    assert response.status_code == 404
    assert (await response.get_json())["error"]["code"] == "unknown_source"
    assert await Song.all().count() == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"genre": "polka"}, 400, "invalid_params"),
        ({"genre": "jazz", "strength": 1.5}, 400, "invalid_params"),
        ({"genre": "jazz", "key": "H"}, 400, "invalid_params"),
        ({"genre": "jazz", "track": 7}, 400, "invalid_source"),
        ({"genre": "jazz", "instrument": "kazoo"}, 400, "invalid_params"),
        ({"genre": "jazz", "volume": 11}, 400, "invalid_input"),
        ({}, 400, "invalid_input"),
    ],
)
async def test_bad_requests_are_a_400_and_nothing_is_saved(auth, client, body, status, code):
    source = await uploaded(auth, client)
    response = await convert(client, **({"source": source} | body))
    assert response.status_code == status
    assert (await response.get_json())["error"]["code"] == code
    assert await Song.all().count() == 0


async def test_without_a_model_conversion_is_unavailable(tmp_path, database_url):
    app = create_app(config_for_tests(tmp_path, database_url, model_dir=tmp_path / "missing"))
    async with app.test_app():
        client = StudioTestClient(app)
        source = await uploaded(AuthActions(client), client)
        response = await convert(client, source=source, genre="jazz")
    assert response.status_code == 503
    assert (await response.get_json())["error"]["code"] == "model_unavailable"


@pytest.mark.skipif(not (CLASSIFIER_DIR / "weights.npz").exists(), reason="no shipped classifier")
async def test_songs_say_what_genre_they_sound_like(auth, client, make_song):
    user = (await (await auth.signup()).get_json())["id"]
    song = await make_song(
        await User.get(id=user), notes=[(60 + i % 5, i / 2, 0.5) for i in range(32)]
    )
    listed = (await (await client.get("/api/songs")).get_json())["songs"][0]
    shown = await (await client.get(f"/api/songs/{song.id}")).get_json()
    assert listed["sounds_like"] == shown["sounds_like"]
    assert listed["sounds_like"]["genre"] in GENRES
    assert 0.2 <= listed["sounds_like"]["confidence"] <= 1.0


async def test_one_account_flooding_conversions_gets_busy_and_another_still_signs_in(
    auth, client, new_client
):
    """Six 128-bar conversions at once from one account: past its share they are refused with
    `busy` before any work; another user's login, sent meanwhile, succeeds."""
    source = await uploaded(auth, client, LONG_FILE)
    email = unique_email()
    other = new_client()
    await auth.signup(email=email, client=other)
    await auth.logout(client=other)
    flood = [convert(client, source=source, genre="jazz", seed=seed) for seed in range(6)]
    *answers, login = await asyncio.gather(*flood, auth.login(email, client=other))
    assert login.status_code == 200
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) >= 1 and set(statuses) == {201, 429}
    refused = await next(answer for answer in answers if answer.status_code == 429).get_json()
    assert refused["error"]["code"] == "busy" and "conversions" in refused["error"]["message"]
    assert await Song.all().count() == statuses.count(201)
    assert CONVERSIONS.in_flight == 0


async def test_a_live_conversion_that_must_read_its_source_again_says_busy_past_the_share(
    app, auth, client
):
    """`generate:start` with a `source` and another `track` reads the file again: while the
    user's share of MIDI parsing is in use it is refused with `busy`, naming the source."""
    source = await uploaded(auth, client)
    user = await User.get(uploads__id=source)
    network = services(app).generation.engine.network
    with MIDI_PARSING.admitted(user.id), pytest.raises(AppError) as refused:
        await stream_from_payload(
            user.id, {"source": source, "genre": "jazz", "track": 0}, network, ("piano",)
        )
    assert (refused.value.code, refused.value.field) == ("busy", "source")
    assert "at its limit" in refused.value.message
