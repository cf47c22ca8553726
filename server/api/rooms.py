"""Listening rooms over HTTP: `POST /api/rooms` (create), `GET /api/rooms` (mine),
`GET /api/rooms/invite/{token}` (what a link leads to) and `POST /api/rooms/{id}/copy` (a
member saves what the room plays). Everything live happens over the socket (`room:*`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints
from quart import Blueprint
from quart_schema import validate_request, validate_response

from server.api.schemas import SongOut, Strict, song_out
from server.models.room import ROOM_NAME_MAX_LENGTH, Room
from server.models.user import User
from server.security.sessions import require_user
from server.services import room_playback, rooms

blueprint = Blueprint("rooms", __name__, url_prefix="/api/rooms")


class RoomIn(Strict):
    name: Annotated[str, StringConstraints(max_length=ROOM_NAME_MAX_LENGTH * 2)]


class RoomOut(BaseModel):
    id: str
    name: str
    invite_path: str  # the link to share: /rooms/{invite token}
    owner_id: int
    host_id: int | None
    mine: bool  # the signed-in user owns it
    present_count: int  # people in it now
    created_at: datetime


class RoomListOut(BaseModel):
    rooms: list[RoomOut]


class InviteOut(BaseModel):
    id: str
    name: str
    owner_name: str
    present_count: int


def room_out(room: Room, user: User, present_count: int = 0) -> RoomOut:
    return RoomOut(
        id=room.id,
        name=room.name,
        invite_path=f"/rooms/{room.invite_token}",
        owner_id=room.owner_id,
        host_id=room.host_id,
        mine=room.owner_id == user.id,
        present_count=present_count,
        created_at=room.created_at,
    )


@blueprint.post("")
@validate_request(RoomIn)
@validate_response(RoomOut, 201)
async def create_room(data: RoomIn) -> tuple[RoomOut, int]:
    user = await require_user()
    return room_out(await rooms.create_room(user, data.name), user), 201


@blueprint.get("")
@validate_response(RoomListOut)
async def list_rooms() -> RoomListOut:
    user = await require_user()
    listed = await rooms.list_rooms(user)
    return RoomListOut(rooms=[room_out(room, user, count) for room, count in listed])


@blueprint.get("/invite/<token>")
@validate_response(InviteOut)
async def show_invite(token: str) -> InviteOut:
    await require_user()
    room = await rooms.room_for_token(token)
    owner = await room.owner
    count = (await rooms.present_counts([room.id])).get(room.id, 0)
    return InviteOut(id=room.id, name=room.name, owner_name=owner.display_name, present_count=count)


@blueprint.post("/<room_id>/copy")
@validate_response(SongOut, 201)
async def copy_piece(room_id: str) -> tuple[SongOut, int]:
    user = await require_user()
    room = await rooms.room_of_member(user, room_id)
    return song_out(await room_playback.copy_piece(room, user)), 201
