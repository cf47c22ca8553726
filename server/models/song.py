"""A saved melody owned by one user: its MIDI bytes plus what made it and how it sounds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.generation.instruments import instrument_named
from server.generation.melody import MODES, PITCH_NAMES, TICKS_PER_QUARTER, Melody
from server.generation.midi_io import melody_to_midi
from server.generation.notes import Note
from server.models.user import User

TITLE_MAX_LENGTH = 100


class SourceKind(StrEnum):
    GENERATED = "generated"
    CONVERTED = "converted"
    ROOM = "room"


class SongStatus(StrEnum):
    DRAFT = "draft"  # still being streamed
    COMPLETE = "complete"


def new_song_id() -> str:
    """128 random bits as hex: song URLs cannot be guessed or enumerated."""
    return uuid.uuid4().hex


class Song(Model):
    id = fields.CharField(max_length=32, primary_key=True, default=new_song_id)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="songs", on_delete=fields.CASCADE
    )
    owner_id: int  # the column behind `owner`
    title = fields.CharField(max_length=TITLE_MAX_LENGTH)
    genre = fields.CharField(max_length=32, null=True)
    key = fields.CharField(max_length=2, default="C")  # tonic name, e.g. "Eb"
    mode = fields.CharField(max_length=5, default="major")
    tempo = fields.FloatField(default=120.0)  # quarter notes per minute
    source_kind = fields.CharEnumField(SourceKind, max_length=16, default=SourceKind.GENERATED)
    status = fields.CharEnumField(SongStatus, max_length=16, default=SongStatus.COMPLETE)
    parameters: dict[str, Any] = fields.JSONField(default=dict)
    model_version = fields.CharField(max_length=64, null=True)
    midi = fields.BinaryField()
    duration_seconds = fields.FloatField(default=0.0)
    note_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "songs"
        indexes = (("owner_id", "created_at"),)  # the dashboard: one owner, newest first
        ordering = ["-created_at"]

    def to_midi(self) -> bytes:
        return bytes(self.midi)

    @property
    def tonic(self) -> int:
        return PITCH_NAMES.index(self.key)

    @classmethod
    def from_notes(
        cls,
        owner: User,
        notes: Iterable[Note],
        *,
        title: str,
        tempo: float = 120.0,
        tonic: int = 0,
        mode: str = "major",
        genre: str | None = None,
        bar_ticks: int = 48,
        **fields: Any,
    ) -> Song:
        """An unsaved song of `notes`, MIDI rendered with bars of `bar_ticks` (48 = 4/4, 36 = 3/4;
        starts count from a bar line) and the General MIDI program of the instrument named in
        `parameters`, so it exports as it was heard."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        melody = Melody.from_notes(
            notes, tempo=tempo, tonic=tonic, mode=mode, genre=genre, name=title, bar_ticks=bar_ticks
        )
        instrument = instrument_named((fields.get("parameters") or {}).get("instrument"))
        midi = melody_to_midi(
            melody, program=instrument.program, track_name=f"Melody ({instrument.label})"
        )
        return cls(
            owner=owner,
            title=title,
            genre=genre,
            key=PITCH_NAMES[tonic % 12],
            mode=mode,
            tempo=tempo,
            midi=midi,
            duration_seconds=melody_seconds(melody),
            note_count=melody.note_count,
            **fields,
        )


def melody_seconds(melody: Melody) -> float:
    """Length in seconds: total beats at `tempo` quarter notes per minute."""
    return melody.total_ticks / TICKS_PER_QUARTER * 60.0 / melody.tempo
