"""The song library: newest-first pages, rename, delete, MIDI download, and owners only."""

from __future__ import annotations

import io

import mido
import pytest

from server.models.song import Song
from server.models.user import User
from server.services.songs import PAGE_SIZE


async def signed_up(auth) -> User:
    return await User.get(id=(await (await auth.signup()).get_json())["id"])


async def test_list_is_newest_first_and_paginated(auth, client, make_song):
    owner = await signed_up(auth)
    for number in range(PAGE_SIZE + 3):
        await make_song(owner, title=f"Song {number}")
    first = await (await client.get("/api/songs")).get_json()
    second = await (await client.get("/api/songs?page=2")).get_json()
    assert (first["total"], first["pages"], first["page"]) == (PAGE_SIZE + 3, 2, 1)
    assert len(first["songs"]) == PAGE_SIZE and len(second["songs"]) == 3
    assert first["songs"][0]["title"] == f"Song {PAGE_SIZE + 2}"
    assert second["songs"][-1]["title"] == "Song 0"
    beyond = await (await client.get("/api/songs?page=9")).get_json()
    assert beyond["songs"] == []


async def test_song_details(auth, client, make_song):
    owner = await signed_up(auth)
    song = await make_song(owner, title="Scale", tempo=90.0, tonic=2, mode="minor", genre="folk")
    body = await (await client.get(f"/api/songs/{song.id}")).get_json()
    assert body["title"] == "Scale" and body["key"] == "D" and body["mode"] == "minor"
    assert body["note_count"] == 7 and body["duration_seconds"] == pytest.approx(7 * 60 / 90)
    assert body["midi_url"] == f"/api/songs/{song.id}/midi"
    assert len(song.id) == 32


async def test_rename(auth, client, make_song):
    song = await make_song(await signed_up(auth))
    response = await client.patch(f"/api/songs/{song.id}", json={"title": "  Blue Morning "})
    assert (await response.get_json())["title"] == "Blue Morning"
    assert (await Song.get(id=song.id)).title == "Blue Morning"


@pytest.mark.parametrize(
    "body", [{"title": ""}, {"title": "   "}, {"title": "t" * 101}, {"title": "a\nb"}, {}]
)
async def test_bad_rename_is_refused(auth, client, make_song, body):
    song = await make_song(await signed_up(auth), title="Kept")
    response = await client.patch(f"/api/songs/{song.id}", json=body)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["message"].startswith("title:")
    assert (await Song.get(id=song.id)).title == "Kept"


async def test_delete(auth, client, make_song):
    song = await make_song(await signed_up(auth))
    assert (await client.delete(f"/api/songs/{song.id}")).status_code == 204
    assert not await Song.exists(id=song.id)
    assert (await client.get(f"/api/songs/{song.id}")).status_code == 404


async def test_midi_download(auth, client, make_song):
    song = await make_song(await signed_up(auth), title='Nocturne "No. 1" / draft')
    response = await client.get(f"/api/songs/{song.id}/midi")
    assert response.content_type == "audio/midi"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="Nocturne_No._1_draft.mid"'
    midi = mido.MidiFile(file=io.BytesIO(await response.get_data()))
    notes = [m.note for m in midi.tracks[1] if m.type == "note_on"]
    assert notes == [60, 62, 64, 65, 67, 69, 71]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"title": "Mine now"}),
        ("DELETE", "", None),
        ("GET", "/midi", None),
    ],
)
async def test_another_users_song_is_a_404(
    auth, client, new_client, make_user, make_song, method, suffix, body
):
    song = await make_song(await make_user(), title="Private")
    await signed_up(auth)
    response = await client.open(f"/api/songs/{song.id}{suffix}", method=method, json=body)
    missing = await client.open(f"/api/songs/{'0' * 32}{suffix}", method=method, json=body)
    assert response.status_code == missing.status_code == 404
    assert await response.get_json() == await missing.get_json()
    assert (await Song.get(id=song.id)).title == "Private"


async def test_list_shows_only_my_songs(auth, client, make_user, make_song):
    await make_song(await make_user(), title="Theirs")
    await make_song(await signed_up(auth), title="Mine")
    body = await (await client.get("/api/songs")).get_json()
    assert [song["title"] for song in body["songs"]] == ["Mine"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99999999999"])
async def test_bad_page_number_is_a_400(auth, client, page):
    await signed_up(auth)
    response = await client.get(f"/api/songs?page={page}")
    assert response.status_code == 400
    assert (await response.get_json())["error"]["message"].startswith("page:")


async def test_songs_need_login(client):
    assert (await client.get("/api/songs")).status_code == 401
