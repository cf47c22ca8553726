"""A studio stream's notes so far, stored about once a second by the worker writing it, so that
another worker can save them as the owner's draft if that one dies. Once saved that way the row
stays as a notice for the owner's next connection ("the stream was lost; here is its draft")."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.generation.notes import Note, StoredNote
from server.models.user import User


class StreamProgress(Model):
    id = fields.CharField(max_length=32, primary_key=True)  # the stream's id
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="stream_progress", on_delete=fields.CASCADE
    )
    owner_id: int  # the column behind `owner`
    # What the stream's song records besides its notes and status (title, tempo, parameters with
    # the chords it is written over...): a recovered draft is saved with these.
    song_fields: dict[str, Any] = fields.JSONField(default=dict)
    # Note.to_storage() rows; rows written before velocity was kept: [pitch, start, duration] beats
    notes: list[StoredNote] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Set when another worker saved the notes as a draft: the row is then a notice to deliver.
    recovered_at = fields.DatetimeField(null=True)
    song_id = fields.CharField(max_length=32, null=True)  # the draft (None: no notes were kept)

    class Meta:
        table = "stream_progress"

    def stored_notes(self) -> list[Note]:
        return [Note.from_storage(row) for row in self.notes]
