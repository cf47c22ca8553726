"""Rooms over HTTP: creating with limits, listing mine, what an invite link shows, idle rooms
closing, and a member saving a copy of what the room plays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.generation.midi_io import midi_to_melody
from server.generation.progression_text import parse_progression
from server.models.room import Room
from server.models.room_member import RoomMember
from server.models.song import Song
from server.models.user import User
from server.services import room_playback
from server.services.rooms import EMPTY_ROOM_LIFETIME, MAX_OWNED_ROOMS, close_idle_rooms, utc_now
from tests.conftest import C_MAJOR_SCALE
from tests.models.test_song import chord_markers
from tests.notes import beat_notes


async def signed_up(auth, **fields) -> User:
    return await User.get(id=(await (await auth.signup(**fields)).get_json())["id"])


async def create(client, name: str = "Friday listening"):
    return await client.post("/api/rooms", json={"name": name})


async def test_a_new_room_has_an_unguessable_invite_link_and_its_creator_hosts(auth, client):
    user = await signed_up(auth)
    response = await create(client, "  Friday listening ")
    assert response.status_code == 201
    body = await response.get_json()
    assert body["name"] == "Friday listening"
    assert body["owner_id"] == body["host_id"] == user.id and body["mine"] is True
    token = body["invite_path"].removeprefix("/rooms/")
    assert len(token) >= 32 and token != body["id"]
    other = await (await create(client, "Another")).get_json()
    assert other["invite_path"] != body["invite_path"]


@pytest.mark.parametrize("name", ["", "   ", "n" * 61, "a\tb", None])
async def test_bad_names_are_refused(auth, client, name):
    await signed_up(auth)
    response = await client.post("/api/rooms", json={"name": name})
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] in {"invalid_params", "invalid_input"}


async def test_one_user_owns_a_bounded_number_of_rooms(auth, client):
    await signed_up(auth)
    for number in range(MAX_OWNED_ROOMS):
        assert (await create(client, f"Room {number}")).status_code == 201
    refused = await create(client, "One too many")
    assert refused.status_code == 409
    assert (await refused.get_json())["error"]["code"] == "too_many_rooms"


async def test_rooms_need_a_login(client):
    assert (await create(client)).status_code == 401
    assert (await client.get("/api/rooms")).status_code == 401


async def test_my_rooms_are_those_i_own_or_joined(auth, client, new_client, make_user):
    await signed_up(auth)
    mine = await (await create(client, "Mine")).get_json()
    stranger_client = new_client()
    stranger = await signed_up(auth, client=stranger_client)
    theirs = await (await create(stranger_client, "Theirs")).get_json()
    await RoomMember.create(room_id=theirs["id"], user=await User.get(id=mine["owner_id"]))
    await create(stranger_client, "Not joined")
    listed = (await (await client.get("/api/rooms")).get_json())["rooms"]
    assert [(room["name"], room["mine"]) for room in listed] == [("Theirs", False), ("Mine", True)]
    assert listed[0]["owner_id"] == stranger.id


async def test_an_invite_link_shows_the_room_to_logged_in_users_only(auth, client, new_client):
    owner = await signed_up(auth, display_name="Nadia")
    room = await (await create(client, "Boulanger class")).get_json()
    token = room["invite_path"].removeprefix("/rooms/")
    guest = new_client()
    assert (await guest.get(f"/api/rooms/invite/{token}")).status_code == 401
    await signed_up(auth, client=guest)
    shown = await (await guest.get(f"/api/rooms/invite/{token}")).get_json()
    assert shown == {
        "id": room["id"],
        "name": "Boulanger class",
        "owner_name": owner.display_name,
        "present_count": 0,
    }
    wrong = await guest.get(f"/api/rooms/invite/{token[:-2]}xx")
    assert wrong.status_code == 404
    assert (await wrong.get_json())["error"]["code"] == "room_not_found"


async def test_rooms_nobody_is_in_close_after_a_while(auth, client):
    await signed_up(auth)
    room = await (await create(client)).get_json()
    assert await close_idle_rooms(utc_now() + EMPTY_ROOM_LIFETIME / 2) == []
    assert await close_idle_rooms(utc_now() + EMPTY_ROOM_LIFETIME + timedelta(seconds=1)) == [
        room["id"]
    ]
    assert not await Room.exists(id=room["id"])
    assert (await (await client.get("/api/rooms")).get_json())["rooms"] == []


async def test_a_member_saves_a_copy_of_what_the_room_plays(auth, client, new_client, make_song):
    host = await signed_up(auth)
    room_json = await (await create(client, "Copy club")).get_json()
    room = await Room.get(id=room_json["id"])
    song = await make_song(host, title="Scale", tempo=96.0, mode="minor", tonic=2)
    member_client = new_client()
    member = await signed_up(auth, client=member_client)
    nothing = await member_client.post(f"/api/rooms/{room.id}/copy")
    assert nothing.status_code == 404  # not a member yet: as if there were no room
    await RoomMember.create(room=room, user=member)
    empty = await member_client.post(f"/api/rooms/{room.id}/copy")
    assert (await empty.get_json())["error"]["code"] == "nothing_playing"
    await room_playback.play_song(room, host, song.id)
    response = await member_client.post(f"/api/rooms/{room.id}/copy")
    assert response.status_code == 201
    copy = await response.get_json()
    assert copy["title"] == "Scale (from Copy club)" and copy["source_kind"] == "room"
    assert (copy["tempo"], copy["key"], copy["mode"], copy["note_count"]) == (96.0, "D", "minor", 7)
    assert await Song.filter(owner=member).count() == 1
    copied = midi_to_melody((await Song.get(id=copy["id"])).to_midi()).notes()
    assert copied == beat_notes(C_MAJOR_SCALE)


async def test_a_song_played_in_the_room_brings_its_chords_and_a_copy_keeps_them(
    auth, client, new_client, make_song
):
    host = await signed_up(auth)
    room = await Room.get(id=(await (await create(client, "Chord club")).get_json())["id"])
    chords = parse_progression("C | G").to_storage()
    song = await make_song(host, title="Walk", parameters={"chords": chords})  # 7 beats: 2 bars
    member_client = new_client()
    member = await signed_up(auth, client=member_client)
    await RoomMember.create(room=room, user=member)
    piece = await room_playback.play_song(room, host, song.id)
    assert piece.chords == chords
    heard = piece.to_json()["chords"]
    assert [(chord["symbol"], chord["start"]) for chord in heard] == [("C", 0.0), ("G", 4.0)]
    response = await member_client.post(f"/api/rooms/{room.id}/copy")
    assert response.status_code == 201
    copy = await Song.get(id=(await response.get_json())["id"])
    assert copy.parameters["chords"] == chords
    assert chord_markers(copy) == [("C", 0.0), ("G", 4.0)]


async def test_a_song_without_chords_plays_in_the_room_without_them(auth, client, make_song):
    host = await signed_up(auth)
    room = await Room.get(id=(await (await create(client, "Plain club")).get_json())["id"])
    piece = await room_playback.play_song(room, host, (await make_song(host)).id)
    assert piece.chords == [] and "chords" not in piece.to_json()
