"""The signed-in user's song library: `/api/songs*` (list, show, rename, delete, download)."""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import validate_querystring, validate_request, validate_response

from server.api.schemas import PageQuery, SongOut, SongPageOut, SongPatch, song_out, song_page_out
from server.security.sessions import require_user
from server.services import songs, sounds_like
from server.services.registry import services

blueprint = Blueprint("songs", __name__, url_prefix="/api/songs")


@blueprint.get("")
@validate_querystring(PageQuery)
@validate_response(SongPageOut)
async def list_songs(query_args: PageQuery) -> SongPageOut:
    page = await songs.list_songs(await require_user(), query_args.page)
    return song_page_out(page, await sounds_like.verdicts(services().sounds_like, page.songs))


@blueprint.get("/<song_id>")
@validate_response(SongOut)
async def show_song(song_id: str) -> SongOut:
    song = await songs.get_song(await require_user(), song_id)
    return song_out(song, (await sounds_like.verdicts(services().sounds_like, [song])).get(song.id))


@blueprint.patch("/<song_id>")
@validate_request(SongPatch)
@validate_response(SongOut)
async def rename_song(song_id: str, data: SongPatch) -> SongOut:
    return song_out(await songs.rename_song(await require_user(), song_id, data.title))


@blueprint.delete("/<song_id>")
async def delete_song(song_id: str) -> tuple[str, int]:
    await songs.delete_song(await require_user(), song_id)
    return "", 204


@blueprint.get("/<song_id>/midi")
async def download_midi(song_id: str) -> Response:
    song = await songs.get_song(await require_user(), song_id)
    response = Response(song.to_midi(), content_type="audio/midi")
    filename = songs.midi_filename(song)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
