"""A studio stream's stored progress becomes its owner's draft with the notes exactly as
stored, rows kept in beats by the earlier release included, and a band's notes with their
parts; a worker's streams store their
progress together, and a row that cannot be stored fails alone."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from tortoise.exceptions import IntegrityError

from server.generation.midi_io import midi_to_melody
from server.generation.notes import BASS, CHORDS, DEFAULT_VELOCITY, DRUMS, Note, storage_rows
from server.generation.song_parts import song_midi_to_notes
from server.models.song import Song, SongStatus
from server.models.stream_progress import StreamProgress
from server.services.progress_writes import ProgressWrites
from server.services.studio_recovery import recover_stream

NOTES = [Note(62, 0, 6, velocity=100), Note(65, 6, 6), Note(69, 18, 30)]
OLD_ROWS = [[62, 0.0, 0.5], [65, 0.5, 0.5], [69, 1.5, 2.5]]  # the same notes, in beats
SONG_FIELDS = {"title": "Lost stream", "tempo": 100.0, "tonic": 2, "mode": "minor"}


@pytest.mark.parametrize("rows", [storage_rows(NOTES), OLD_ROWS], ids=["ticks", "old beats"])
async def test_a_lost_streams_progress_becomes_its_draft(make_user, rows):
    owner = await make_user()
    await StreamProgress.create(id="5" * 32, owner=owner, song_fields=SONG_FIELDS, notes=rows)
    await recover_stream("5" * 32)
    draft = await Song.get(id="5" * 32)
    assert (draft.status, draft.title, draft.key, draft.note_count) == (
        SongStatus.DRAFT,
        "Lost stream",
        "D",
        3,
    )
    assert midi_to_melody(draft.to_midi()).notes() == [
        Note(n.pitch, n.start, n.duration) for n in NOTES
    ]


async def test_a_lost_streams_band_is_stored_with_its_parts_and_drafted_a_track_per_part(
    make_user,
):
    owner = await make_user()
    band = [Note(38, 0, 24, 84, BASS), Note(50, 0, 24, 64, CHORDS), Note(36, 0, 3, 100, DRUMS)]
    rows = storage_rows(NOTES + band)
    assert rows[-3:] == [
        [38, 0, 24, 84, "bass"],
        [50, 0, 24, 64, "chords"],
        [36, 0, 3, 100, "drums"],
    ]
    fields = SONG_FIELDS | {"parameters": {"band": True}}
    await StreamProgress.create(id="6" * 32, owner=owner, song_fields=fields, notes=rows)
    assert (await StreamProgress.get(id="6" * 32)).stored_notes() == NOTES + band
    await recover_stream("6" * 32)
    draft = await Song.get(id="6" * 32)
    assert draft.note_count == len(NOTES)
    assert song_midi_to_notes(draft.to_midi()) == sorted(
        (replace(note, velocity=DEFAULT_VELOCITY) for note in NOTES + band),
        key=lambda note: (note.start, note.pitch),
    )


async def test_many_streams_progress_is_stored_together_and_each_row_holds_its_latest_notes(
    make_user,
):
    owner = await make_user()
    writes = ProgressWrites()
    ids = [f"{n:032x}" for n in range(40)]
    fields = {"owner_id": owner.id, "song_fields": SONG_FIELDS}
    await asyncio.gather(*(writes.store(i, storage_rows(NOTES[:1]), fields) for i in ids))
    await StreamProgress.filter(id=ids[0]).update(recovered_at=datetime.now(UTC))
    await asyncio.gather(*(writes.store(i, storage_rows(NOTES), None) for i in ids))
    rows = {row.id: row for row in await StreamProgress.filter(id__in=ids)}
    assert rows.keys() == set(ids)
    assert rows[ids[0]].stored_notes() == NOTES[:1]  # recovered by another worker: left alone
    assert all(rows[i].stored_notes() == NOTES for i in ids[1:])
    assert {rows[i].song_fields["title"] for i in ids} == {"Lost stream"}


async def test_a_row_that_cannot_be_stored_does_not_keep_the_others_from_being_stored(make_user):
    owner = await make_user()
    writes = ProgressWrites()
    fields = {"owner_id": owner.id, "song_fields": SONG_FIELDS}
    gone = {"owner_id": owner.id + 1000, "song_fields": SONG_FIELDS}  # no such user
    stored = await asyncio.gather(
        writes.store("a" * 32, storage_rows(NOTES), fields),
        writes.store("b" * 32, storage_rows(NOTES), gone),
        writes.store("c" * 32, storage_rows(NOTES), fields),
        return_exceptions=True,
    )
    assert stored[0] is None and stored[2] is None
    assert isinstance(stored[1], IntegrityError)
    assert {row.id for row in await StreamProgress.all()} == {"a" * 32, "c" * 32}
