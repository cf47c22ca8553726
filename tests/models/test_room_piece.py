"""A room's piece keeps its notes exactly (ticks and velocity) and still reads the rows that
databases hold from before, written as [pitch, start beats, duration beats]; it keeps the chords
under its melody, and the room hears them with the piece. A live piece whose worker was lost
becomes the draft of the member who asked for it."""

from __future__ import annotations

import pytest
import socketio

from server.generation.notes import Note, storage_rows
from server.generation.progression_text import parse_progression
from server.models.room import Room
from server.models.room_piece import PieceKind, RoomPiece
from server.models.song import Song, SongStatus
from server.services.stream_recovery import recover_piece

NOTES = [Note(60, 0, 12, velocity=70), Note(64, 12, 4), Note(67, 16, 20, velocity=110)]
OLD_ROWS = [[60, 0.0, 1.0], [64, 1.0, 1 / 3], [67, 1 + 1 / 3, 5 / 3]]  # the same notes, in beats


@pytest.fixture
async def piece(make_user) -> RoomPiece:
    owner = await make_user()
    room = await Room.create(name="Stored notes", owner=owner)
    return await RoomPiece.create(room=room, kind=PieceKind.SONG, title="Piece", tempo=90.0)


async def test_notes_are_stored_and_read_back_exactly(piece):
    await RoomPiece.filter(id=piece.id).update(notes=storage_rows(NOTES))
    stored = await RoomPiece.get(id=piece.id)
    assert stored.stored_notes() == NOTES
    assert stored.length_beats == pytest.approx(3.0)


async def test_rows_stored_in_beats_before_are_read_on_the_grid(piece):
    await RoomPiece.filter(id=piece.id).update(notes=OLD_ROWS)  # as the earlier release wrote
    stored = await RoomPiece.get(id=piece.id)
    assert stored.stored_notes() == [Note(n.pitch, n.start, n.duration) for n in NOTES]
    assert stored.length_beats == pytest.approx(3.0)


async def test_the_room_hears_the_notes_as_the_stream_sends_them(piece):
    await RoomPiece.filter(id=piece.id).update(notes=storage_rows(NOTES))
    payload = (await RoomPiece.get(id=piece.id)).to_json()
    assert payload["notes"] == [note.to_wire(index) for index, note in enumerate(NOTES)]
    assert payload["notes"][1] == {
        "index": 1,
        "pitch": 64,
        "start": 1.0,
        "duration": pytest.approx(1 / 3),
        "velocity": 90,
    }


async def test_a_piece_without_chords_sends_none(piece):
    stored = await RoomPiece.get(id=piece.id)
    assert piece.chords == stored.chords == []
    assert "chords" not in stored.to_json()


async def test_the_chords_are_stored_and_the_room_hears_them_as_spans(piece):
    progression = parse_progression("Dm7 G7 | Cmaj7 Bb/D")
    await RoomPiece.filter(id=piece.id).update(chords=progression.to_storage())
    payload = (await RoomPiece.get(id=piece.id)).to_json()
    assert payload["chords"] == progression.to_wire()
    assert [chord["symbol"] for chord in payload["chords"]] == ["Dm7", "G7", "Cmaj7", "Bb/D"]
    assert payload["chords"][1]["start"] == 2.0


async def test_a_lost_live_piece_is_drafted_for_whoever_asked_for_it_though_the_host_moved_on(
    make_user,
):
    starter, guest = await make_user(), await make_user()
    room = await Room.create(name="Lost piece", owner=starter, host=starter)
    stream_id = "7" * 32
    piece = await RoomPiece.create(
        room=room,
        kind=PieceKind.LIVE,
        title="Live",
        tempo=120.0,
        stream_id=stream_id,
        owner=starter,
        complete=False,
        notes=storage_rows(NOTES),
    )
    # The starter's worker died and the host role moved on before the piece was recovered.
    await Room.filter(id=room.id).update(host=guest)
    await recover_piece(socketio.AsyncServer(), piece.id)
    draft = await Song.get(id=stream_id)
    assert (draft.owner_id, draft.status, draft.note_count) == (starter.id, SongStatus.DRAFT, 3)
    assert (await RoomPiece.get(id=piece.id)).song_id == stream_id
