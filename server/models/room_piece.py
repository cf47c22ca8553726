"""What a room plays now: one of the host's saved songs, or a melody the model writes live for
the room. Its notes are kept here (a live piece's as they are written) so that late joiners and
"save a copy" work from any worker; the room keeps only its current piece."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.generation.notes import Note, StoredNote, ticks_to_beats, wire_notes
from server.generation.progression import Progression, StoredSpan
from server.models.room import Room
from server.models.song import TITLE_MAX_LENGTH, Song
from server.models.user import User


class PieceKind(StrEnum):
    SONG = "song"  # a saved song of the host
    LIVE = "live"  # written live for the room


def new_piece_id() -> str:
    return uuid.uuid4().hex


class RoomPiece(Model):
    id = fields.CharField(max_length=32, primary_key=True, default=new_piece_id)
    room: fields.OneToOneRelation[Room] = fields.OneToOneField(
        "studio.Room", related_name="piece", on_delete=fields.CASCADE
    )
    room_id: str  # the column behind `room`
    kind = fields.CharEnumField(PieceKind, max_length=8)
    title = fields.CharField(max_length=TITLE_MAX_LENGTH)
    # The song played, or the song a live piece became once saved.
    song: fields.ForeignKeyNullableRelation[Song] = fields.ForeignKeyField(
        "studio.Song", related_name="room_pieces", null=True, on_delete=fields.SET_NULL
    )
    song_id: str | None  # the column behind `song`
    stream_id = fields.CharField(max_length=32, null=True)  # the live stream writing it
    # Who asked the model for a live piece: a draft made of it is theirs, wherever the host
    # role has moved since.
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="live_pieces", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None  # the column behind `owner`
    tempo = fields.FloatField()  # the piece's own quarter notes per minute
    key = fields.CharField(max_length=2, default="C")
    mode = fields.CharField(max_length=5, default="major")
    genre = fields.CharField(max_length=32, null=True)
    instrument = fields.CharField(max_length=16, default="piano")
    # Note.to_storage() rows; rows written before velocity was kept: [pitch, start, duration] beats
    notes: list[StoredNote] = fields.JSONField(default=list)
    # Progression.to_storage() rows of the chords under the melody; empty when it has none.
    chords: list[StoredSpan] = fields.JSONField(default=list, db_default=[])
    expected_beats = fields.FloatField(default=0.0)  # a live piece's planned length
    complete = fields.BooleanField(default=True)  # False while being written
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "room_pieces"

    def stored_notes(self) -> list[Note]:
        return [Note.from_storage(row) for row in self.notes]

    @property
    def length_beats(self) -> float:
        return ticks_to_beats(max((note.end for note in self.stored_notes()), default=0))

    def chords_json(self) -> dict[str, Any]:
        """`{"chords": [wire spans]}` when the piece has chords, else nothing."""
        if not self.chords:
            return {}
        return {"chords": Progression.from_storage(self.chords).to_wire()}

    def chords_parameters(self) -> dict[str, Any]:
        """What keeps the piece's chords in a song made of it: `parameters.chords` (the song
        writes them as its chord track too), or nothing when it has none."""
        return {"chords": self.chords} if self.chords else {}

    def to_json(self, notes: Sequence[Note] | None = None) -> dict[str, Any]:
        """The `room:piece` payload; `notes` overrides the stored ones (a live piece's latest)."""
        notes = self.stored_notes() if notes is None else notes
        return {
            "id": self.id,
            "kind": self.kind.value,
            "title": self.title,
            "song_id": self.song_id,
            "stream_id": self.stream_id,
            "tempo": self.tempo,
            "key": self.key,
            "mode": self.mode,
            "instrument": self.instrument,
            "expected_beats": self.expected_beats,
            "complete": self.complete,
            "notes": wire_notes(notes, 0),
        } | self.chords_json()
