"""A studio stream's stored progress becomes its owner's draft with the notes exactly as
stored, rows kept in beats by the earlier release included."""

from __future__ import annotations

import pytest

from server.generation.midi_io import midi_to_melody
from server.generation.notes import Note, storage_rows
from server.models.song import Song, SongStatus
from server.models.stream_progress import StreamProgress
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
