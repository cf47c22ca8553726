"""A song with a band exports a track per part that other software reads with the right
instrument, channel and notes (checked with both mido and music21): the melody on channel 1,
the comping with the chord symbols on the "Chords" track, "Bass" on channel 3 and "Drums" on
channel 10, each part's General MIDI program the genre's; without a band, nothing changes."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

import mido
import music21
import pytest

from server.generation.band.instruments import BAND_PROGRAMS, DRUM_CHANNEL
from server.generation.band.piece_band import band_for
from server.generation.midi_writing import WRITE_TICKS_PER_BEAT
from server.generation.notes import BASS, CHORDS, DRUMS, MELODY, TICKS_PER_BEAT, Note
from server.generation.progression_text import progression_from_input
from server.generation.sampling_params import SamplingParams
from server.models.song import Song

TRACKS = {"Chords": (CHORDS, 1), "Bass": (BASS, 2), "Drums": (DRUMS, DRUM_CHANNEL)}
KICK, SNARE = 36, 38  # General MIDI drum notes
SCALE = WRITE_TICKS_PER_BEAT // TICKS_PER_BEAT


def band_notes(genre: str, bars: int = 4) -> tuple[list[Note], SamplingParams]:
    """The genre's band over four chords, with a kick and snare backbeat where its style plays
    no kit (so the drum track is checked whatever the genre)."""
    chords = progression_from_input("C | Am | F | G", key="C", mode="major")
    params = SamplingParams(genre=genre, bars=bars, chords=chords, band=True, seed=4)
    band = band_for(params)
    assert band is not None
    notes = band.rest()
    if any(note.part == DRUMS for note in notes):
        return notes, params
    drums = [
        Note(KICK if beat % 2 == 0 else SNARE, beat * TICKS_PER_BEAT, 3, 100, DRUMS)
        for beat in range(bars * 4)
    ]
    return notes + drums, params


MELODY_NOTES = [Note(72 + step % 5, 24 + 12 * step, 12) for step in range(12)]  # from beat 3


def mido_tracks(data: bytes) -> dict[str, tuple[set[int], set[int], list[tuple[int, int, int]]]]:
    """Each track's (channels, programs, (start, end, pitch) notes in note-grid ticks)."""
    tracks = {}
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks:
        channels, programs, notes = set(), set(), []
        now, sounding = 0, defaultdict(list)
        for message in track:
            now += message.time
            if message.type == "program_change":
                programs.add(message.program)
            if message.type == "note_on" and message.velocity:
                channels.add(message.channel)
                sounding[message.note].append(now)
            elif message.type in ("note_on", "note_off"):
                start = sounding[message.note].pop(0)
                notes.append((start // SCALE, now // SCALE, message.note))
        tracks[track.name] = (channels, programs, sorted(notes))
    return tracks


def expected(notes: list[Note]) -> list[tuple[int, int, int]]:
    return sorted((note.start, note.end, note.pitch) for note in notes)


@pytest.mark.parametrize("genre", sorted(BAND_PROGRAMS))
async def test_each_part_is_a_track_with_the_genres_instrument(make_user, genre):
    owner = await make_user()
    band, params = band_notes(genre)
    parameters = {"chords": params.chords.to_storage(), "instrument": "fm"}
    song = Song.from_notes(
        owner, MELODY_NOTES + band, title="Band", genre=genre, parameters=parameters
    )
    assert song.note_count == len(MELODY_NOTES) and song.parameters["band"] is True
    tracks = mido_tracks(song.to_midi())
    # A part the genre's band does not play (a classical keyboard has no bass or kit) has no track.
    played = [name for name, (part, _) in TRACKS.items() if any(n.part == part for n in band)]
    assert "Chords" in played and (genre == "classical" or "Bass" in played)
    assert list(tracks)[1:] == ["Melody (FM electric piano)", *played]
    assert tracks["Melody (FM electric piano)"][:2] == ({0}, {4})
    assert tracks["Melody (FM electric piano)"][2] == expected(MELODY_NOTES)
    for name in played:
        part, channel = TRACKS[name]
        channels, programs, notes = tracks[name]
        assert channels == {channel} and programs == {BAND_PROGRAMS[genre][part]}, name
        assert notes == expected([note for note in band if note.part == part]), name
    symbols = [
        m.text for m in mido.MidiFile(file=io.BytesIO(song.to_midi())).tracks[2] if m.type == "text"
    ]
    assert symbols == ["C", "Am", "F", "G"]
    assert song.duration_seconds == pytest.approx(8.0)  # the band's four bars at 120


async def test_music21_reads_the_parts_instruments_and_notes(make_user):
    owner = await make_user()
    band, params = band_notes("rock")
    parameters = {"chords": params.chords.to_storage()}
    song = Song.from_notes(
        owner, MELODY_NOTES + band, title="Band", genre="rock", parameters=parameters
    )
    score = music21.converter.parse(song.to_midi(), format="midi")
    parts = {part.partName: part for part in score.parts}
    # overdriven guitar, picked bass; the kit on channel 10
    assert sounding(parts["Chords"]) == (29, 1) and sounding(parts["Bass"]) == (34, 2)
    drums = parts["Drums"]
    assert sounding(drums)[1] == DRUM_CHANNEL
    # music21 reads every hit as the kit's piece it is (hits struck together as one chord)
    hits = Counter(
        piece.storedInstrument.percMapPitch
        for hit in drums.recurse().notes
        for piece in (hit.notes if isinstance(hit, music21.percussion.PercussionChord) else [hit])
    )
    assert hits == Counter(note.pitch for note in band if note.part == DRUMS)
    assert hits[36] and hits[38]  # kick and snare
    bass = [n.pitch.midi for n in parts["Bass"].flatten().notes]
    assert bass == [note.pitch for note in sorted(band, key=lambda n: n.start) if note.part == BASS]
    meter = score.recurse().getElementsByClass("TimeSignature")[0]
    assert meter.ratioString == "4/4"
    assert score.metronomeMarkBoundaries()[0][2].number == 120


def sounding(part: music21.stream.Part) -> tuple[int, int]:
    """The (program, channel) music21 reads for a part from its program change (it may add an
    instrument guessed from the track's name before it)."""
    instruments = part.recurse().getElementsByClass("Instrument")
    chosen = [i for i in instruments if i.midiProgram is not None and i.midiChannel is not None]
    return chosen[-1].midiProgram, chosen[-1].midiChannel


async def test_a_band_that_starts_before_the_melody_keeps_the_melody_in_its_bar(make_user):
    owner = await make_user()
    band, _ = band_notes("pop")
    late = [note.shifted(2 * 48) for note in MELODY_NOTES]  # the melody enters in bar 3
    song = Song.from_notes(owner, late + band, title="Late", genre="pop")
    melody = mido_tracks(song.to_midi())["Melody (Grand piano)"][2]
    assert melody == expected(late)


async def test_without_a_band_the_file_is_as_before(make_user):
    owner = await make_user()
    _, params = band_notes("pop")
    parameters = {"chords": params.chords.to_storage()}
    song = Song.from_notes(owner, MELODY_NOTES, title="Bare", genre="pop", parameters=parameters)
    tracks = mido_tracks(song.to_midi())
    assert list(tracks)[1:] == ["Melody (Grand piano)", "Chords"]
    assert tracks["Chords"][1] == {89}  # the warm pad's block chords
    assert all(note.part == MELODY for note in MELODY_NOTES)
