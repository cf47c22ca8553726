"""Songs of one owner: listing page by page, finding, renaming, deleting and creating from notes."""

from __future__ import annotations

import asyncio
import functools
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import not_found
from server.generation.notes import Note
from server.models.ids import is_token
from server.models.song import Song
from server.models.user import User

Render = Callable[[Callable[[], Song]], Awaitable[Song]]  # runs a song's MIDI rendering
PAGE_SIZE = 20  # songs per dashboard page
# Everything a listing shows; the MIDI bytes stay in the database until downloaded.
SUMMARY_FIELDS = (
    "id",
    "owner_id",
    "title",
    "genre",
    "key",
    "mode",
    "tempo",
    "source_kind",
    "status",
    "parameters",
    "model_version",
    "duration_seconds",
    "note_count",
    "created_at",
)


@dataclass(frozen=True)
class SongPage:
    songs: list[Song]
    page: int
    pages: int
    total: int
    page_size: int = PAGE_SIZE


async def list_songs(owner: User, page: int) -> SongPage:
    """Newest first; a page past the end is simply empty."""
    query = Song.filter(owner=owner)
    total = await query.count()
    songs = (
        await query.order_by("-created_at", "-id")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .only(*SUMMARY_FIELDS)
    )
    return SongPage(songs=songs, page=page, pages=math.ceil(total / PAGE_SIZE), total=total)


async def get_song(owner: User, song_id: str) -> Song:
    """The owner's song; anyone else's (or none) is the same 404, so ids leak nothing."""
    song = await Song.get_or_none(id=song_id, owner=owner) if is_token(song_id) else None
    if song is None:
        raise not_found("No such song in your library.")
    return song


async def rename_song(owner: User, song_id: str, title: str) -> Song:
    song = await get_song(owner, song_id)
    song.title = title.strip()
    await song.save(update_fields=["title"])
    return song


async def delete_song(owner: User, song_id: str) -> None:
    song = await get_song(owner, song_id)
    await song.delete()


Claim = Callable[[], Awaitable[None]]  # runs in the save's transaction; raising writes nothing


async def save_song(
    owner: User,
    notes: Sequence[Note],
    *,
    render: Render = asyncio.to_thread,
    claim: Claim | None = None,
    **fields: Any,
) -> Song:
    """The one way a melody becomes `owner`'s song: `fields` as `Song.from_notes` takes them
    (title, tempo, status, ...), its MIDI rendered by `render` (CPU work: a thread by default,
    a pool's for conversions), then written in one transaction. `claim` (a recovered stream's
    claim on its row) runs first in that transaction: when it raises, nothing is written."""
    render_song = functools.partial(Song.from_notes, owner, notes, **fields)
    song = await render(render_song)
    async with in_transaction():
        if claim is not None:
            await claim()
        await song.save()
    return song


def midi_filename(song: Song) -> str:
    """An ASCII filename safe in any Content-Disposition header, e.g. `Blue_Morning.mid`."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", song.title).strip("._") or "song"
    return f"{stem[:60]}.mid"
