"""The Song model: building from streamed notes, its MIDI (with its chords), ids and ownership
cascade."""

from __future__ import annotations

import io

import mido
import pytest

from server.generation.midi_writing import NamedPart
from server.generation.progression_text import parse_progression
from server.models.song import Song, SongStatus, SourceKind
from tests.notes import beat_notes

BEATS = [(67, 0.0, 0.5), (69, 0.5, 0.5), (71, 1.0, 1.0), (72, 3.0, 1.0)]  # a rest at beat 2
NOTES = beat_notes(BEATS)


async def test_from_notes_renders_midi_and_counts(make_user):
    owner = await make_user()
    song = Song.from_notes(owner, NOTES, title="Walk", tempo=120.0, tonic=7, mode="major")
    assert (song.key, song.mode, song.note_count) == ("G", "major", 4)
    assert song.duration_seconds == pytest.approx(2.0)  # 4 beats at 120 per minute
    midi = mido.MidiFile(file=io.BytesIO(song.to_midi()))
    assert [m.note for m in midi.tracks[1] if m.type == "note_on"] == [67, 69, 71, 72]


async def test_saved_song_round_trips(make_user, make_song):
    owner = await make_user()
    song = await make_song(
        owner,
        BEATS,
        title="Saved",
        source_kind=SourceKind.ROOM,
        status=SongStatus.DRAFT,
        parameters={"temperature": 0.9, "seed": 7},
        model_version="lstm-1",
    )
    loaded = await Song.get(id=song.id)
    assert loaded.to_midi() == song.to_midi()
    assert loaded.parameters == {"temperature": 0.9, "seed": 7}
    assert (loaded.source_kind, loaded.status) == (SourceKind.ROOM, SongStatus.DRAFT)


async def test_ids_are_unguessable(make_user, make_song):
    owner = await make_user()
    ids = {(await make_song(owner)).id for _ in range(3)}
    assert len(ids) == 3 and all(len(song_id) == 32 for song_id in ids)


async def test_deleting_the_owner_deletes_the_songs(make_user, make_song):
    owner = await make_user()
    await make_song(owner)
    await owner.delete()
    assert await Song.all().count() == 0


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        Song.from_notes(None, NOTES, title="x", mode="dorian")


@pytest.mark.parametrize(("instrument", "program"), [("fm", 4), ("pad", 89), ("pluck", 45)])
async def test_midi_sets_the_instruments_program(make_user, instrument, program):
    owner = await make_user()
    song = Song.from_notes(owner, NOTES, title="Walk", parameters={"instrument": instrument})
    track = mido.MidiFile(file=io.BytesIO(song.to_midi())).tracks[1]
    changes = [m for m in track if m.type == "program_change"]
    assert [(m.program, m.time) for m in changes] == [(program, 0)]


def chord_markers(song: Song) -> list[tuple[str, float]]:
    """(symbol, beat) of each chord marker in the song's MIDI."""
    midi = mido.MidiFile(file=io.BytesIO(song.to_midi()))
    markers, now = [], 0
    for message in midi.tracks[0]:
        now += message.time
        if message.type == "marker":
            markers.append((message.text, now / midi.ticks_per_beat))
    return markers


async def test_midi_writes_the_chords_given_or_recorded(make_user):
    owner = await make_user()
    chords = parse_progression("C | G")
    given = Song.from_notes(owner, NOTES, title="Walk", chords=chords.looped_to(1))
    assert chord_markers(given) == [("C", 0.0)]
    notes = beat_notes([(60, 0.0, 4.0), (62, 4.0, 4.0)])
    recorded = Song.from_notes(
        owner, notes, title="Walk", parameters={"chords": chords.to_storage()}
    )
    assert chord_markers(recorded) == [("C", 0.0), ("G", 4.0)]
    names = [track.name for track in mido.MidiFile(file=io.BytesIO(recorded.to_midi())).tracks]
    assert names[-1] == "Chords"
    assert chord_markers(Song.from_notes(owner, notes, title="Walk")) == []


async def test_chords_follow_the_bars_the_notes_are_in(make_user):
    owner = await make_user()
    chords = parse_progression("C - - - | - - - - | F | G | Am")  # C held over two bars
    # Stopped in bar 2, then a piece whose first note is in bar 2: its file starts at bar 2.
    stopped = Song.from_notes(owner, beat_notes([(60, 0.0, 5.0)]), title="x", chords=chords)
    assert chord_markers(stopped) == [("C", 0.0)]
    late = Song.from_notes(owner, beat_notes([(65, 5.0, 8.0)]), title="x", chords=chords)
    assert chord_markers(late) == [("C", 0.0), ("F", 4.0), ("G", 8.0)]


async def test_a_song_with_named_parts_writes_a_track_per_part_overlaps_kept(make_user):
    owner = await make_user()
    chord = beat_notes([(60, 0.0, 2.0), (64, 0.0, 2.0), (67, 1.0, 1.0)])  # held together
    parts = [NamedPart("Cadenza", NOTES), NamedPart("Clara", chord)]
    song = Song.from_notes(owner, [], title="Jam", tempo=120.0, parts=parts)
    assert song.note_count == 7
    assert song.duration_seconds == pytest.approx(2.0)
    midi = mido.MidiFile(file=io.BytesIO(song.to_midi()))
    named = {track.name: track for track in midi.tracks}
    assert [m.note for m in named["Cadenza"] if m.type == "note_on"] == [67, 69, 71, 72]
    sounding, most = set(), 0
    for message in named["Clara"]:
        if message.type == "note_on":
            sounding.add(message.note)
        elif message.type == "note_off":
            sounding.discard(message.note)
        most = max(most, len(sounding))
    assert most == 3  # a chord, not a line
