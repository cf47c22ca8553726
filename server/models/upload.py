"""A MIDI file a user uploaded to convert: its bytes (in the database, so every worker reaches
them) and the analysis made when it arrived."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.models.user import User

FILENAME_MAX_LENGTH = 255


def new_upload_id() -> str:
    """128 random bits as hex: upload URLs cannot be guessed or enumerated."""
    return uuid.uuid4().hex


class Upload(Model):
    id = fields.CharField(max_length=32, primary_key=True, default=new_upload_id)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="uploads", on_delete=fields.CASCADE
    )
    owner_id: int  # the column behind `owner`
    filename = fields.CharField(max_length=FILENAME_MAX_LENGTH)
    midi = fields.BinaryField()
    size = fields.IntField()  # bytes
    analysis: dict[str, Any] = fields.JSONField(default=dict)  # UploadAnalysis.to_json()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "uploads"
        indexes = (("owner_id", "created_at"),)

    def to_midi(self) -> bytes:
        return bytes(self.midi)
