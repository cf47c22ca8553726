"""A saved melody owned by one user: its MIDI bytes (with its chords, when it has them) plus what
made it and how it sounds."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.generation.band.instruments import band_programs
from server.generation.instruments import instrument_named
from server.generation.melody import MODES, PITCH_NAMES, TICKS_PER_QUARTER, Melody
from server.generation.midi_io import melody_to_midi
from server.generation.midi_writing import BandParts, NamedPart
from server.generation.notes import BAND_PARTS, Note
from server.generation.progression import Progression
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
        chords: Progression | None = None,
        parts: Sequence[NamedPart] = (),
        **fields: Any,
    ) -> Song:
        """An unsaved song of `notes`, MIDI rendered with bars of `bar_ticks` (48 = 4/4, 36 = 3/4;
        starts count from a bar line) and the General MIDI program of the instrument named in
        `parameters`, so it exports as it was heard. `chords` (by default those recorded in
        `parameters["chords"]` as storage rows) are written as a chord track and markers, up to
        the end of the last bar played. The band's notes among `notes` (bass, comping, drums)
        get a track per part, with the genre's instruments (`band.instruments`), and make
        `parameters["band"]` true. `parts` are tracks of their own (a jam's members and the
        model's parts), timed from the file's start: give them with no melody `notes`, as the
        melody's file starts at the bar line before its first note. `note_count` counts the
        melody's notes and the parts'."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        notes = list(notes)
        band_notes = [note for note in notes if note.part in BAND_PARTS]
        melody_notes = [note for note in notes if note.part not in BAND_PARTS]
        melody = Melody.from_notes(
            melody_notes,
            tempo=tempo,
            tonic=tonic,
            mode=mode,
            genre=genre,
            name=title,
            bar_ticks=bar_ticks,
        )
        parameters = fields.get("parameters") or {}
        instrument = instrument_named(parameters.get("instrument"))
        if chords is None and parameters.get("chords"):
            chords = Progression.from_storage(parameters["chords"])
        if band_notes and not parameters.get("band"):  # a room's draft or copy: it has one
            fields["parameters"] = parameters | {"band": True}
        midi = melody_to_midi(
            melody,
            program=instrument.program,
            track_name=f"Melody ({instrument.label})",
            chords=None if chords is None else chords_under(notes, bar_ticks, chords),
            band=band_parts(band_notes, melody_notes, bar_ticks, genre),
            parts=parts,
        )
        part_notes = [note for part in parts for note in part.notes]
        return cls(
            owner=owner,
            title=title,
            genre=genre,
            key=PITCH_NAMES[tonic % 12],
            mode=mode,
            tempo=tempo,
            midi=midi,
            duration_seconds=max(
                melody_seconds(melody),
                band_seconds(band_notes, bar_ticks, tempo),
                notes_seconds(part_notes, tempo),
            ),
            note_count=melody.note_count + len(part_notes),
            **fields,
        )


def chords_under(notes: list[Note], bar_ticks: int, chords: Progression) -> Progression:
    """The chords of the bars the notes are in, from the bar line the MIDI file starts at (the
    one at or before the first note): a piece stopped early keeps only its own bars."""
    first_bar = min((note.start for note in notes), default=0) // bar_ticks
    end_bar = math.ceil(max((note.end for note in notes), default=0) / bar_ticks)
    end_bar = max(end_bar, first_bar + 1) if notes else chords.bars
    if (first_bar, end_bar) == (0, chords.bars):
        return chords
    played = chords.looped_to(end_bar)
    begin = first_bar * bar_ticks
    spans = tuple(
        replace(
            span, start=max(span.start, begin) - begin, duration=span.end - max(span.start, begin)
        )
        for span in played.spans
        if span.end > begin
    )
    return Progression(spans, end_bar - first_bar, chords.beats_per_bar)


def band_parts(
    band: list[Note], melody: list[Note], bar_ticks: int, genre: str | None
) -> BandParts | None:
    """The band's notes as a MIDI file holds them, from the bar line at or before the first
    note of any part, where the file starts; None without a band."""
    if not band:
        return None
    origin = min(note.start for note in band + melody) // bar_ticks * bar_ticks
    melody_bar = min((note.start for note in melody), default=origin) // bar_ticks * bar_ticks
    return BandParts(
        [note.shifted(-origin) for note in band], band_programs(genre), melody_bar - origin
    )


def band_seconds(band: list[Note], bar_ticks: int, tempo: float) -> float:
    """How long the band plays, from the bar line before its first note, in seconds."""
    if not band:
        return 0.0
    origin = min(note.start for note in band) // bar_ticks * bar_ticks
    ticks = max(note.end for note in band) - origin
    return ticks / TICKS_PER_QUARTER * 60.0 / tempo


def melody_seconds(melody: Melody) -> float:
    """Length in seconds: total beats at `tempo` quarter notes per minute."""
    return melody.total_ticks / TICKS_PER_QUARTER * 60.0 / melody.tempo


def notes_seconds(notes: Sequence[Note], tempo: float) -> float:
    """Seconds from the start to the end of the last of `notes` at `tempo`."""
    return max((note.end for note in notes), default=0) / TICKS_PER_QUARTER * 60.0 / tempo
