"""Corpus readers on tiny files the tests write, music21's corpus, and the shared folders."""

import io
import logging
from pathlib import Path

import mido
import pytest

from server.generation.melody import Event
from training.corpora import default_specs, list_pieces, load_source
from training.corpora.rs200 import kern_to_midi

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

HUMDRUM_SONG = """!!!OTL: Test Song (Remastered)
**harm\t**kern\t**timestamp
!\t!OCT=4\t!
=1\t=1\t=1
*tb4\t*tb4\t*
*M4/4\t*M4/4\t*
*G:\t*G:\t*
I\tg\t0.0
.\ta\t.
.\tb\t.
.\t.\t.
=2\t=2\t=2
*tb8\t*tb8\t*
V\tdd\t.
.\tcc\t.
.\tb\t.
.\tr\t.
.\ta\t.
.\t.\t.
.\tg\t.
.\t.\t.
=3\t=3\t=3
*-\t*-\t*-
"""


def write_solo(folder: Path, base_name: str, rows: list[tuple[int, float, float]], bpm=120.0):
    """A WJD solo (no header: pitch, onset s, duration s) and its solos.csv row."""
    lines = [f"{p:.18e},{onset:.18e},{length:.18e}" for p, onset, length in rows]
    (folder / f"{base_name}_solo.csv").write_text("\n".join(lines) + "\n")
    with (folder / "solos.csv").open("a") as handle:
        if handle.tell() == 0:
            handle.write(",avgtempo,base_name,instrument,performer,title\n")
        handle.write(f"{base_name},{bpm},{base_name},ts,Someone,Something\n")


def write_song(folder: Path, name: str = "Artist_TestSong_1970.hum", bpm: int = 96) -> None:
    (folder / name).write_text(HUMDRUM_SONG)
    (folder / "Tempos.tsv").write_text(f"test_song.hum\tArtist\t{bpm}\n")


def write_pop_song(path: Path, pitches: list[int], offset_ticks: int = 37) -> None:
    """A POP909-like file: MELODY, BRIDGE and PIANO tracks, performed a little late."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90))]))
    for name, channel, length, notes in (
        ("MELODY", 0, 200, [(p, i * 240) for i, p in enumerate(pitches)]),
        ("BRIDGE", 1, 900, [(48, i * 960) for i in range(len(pitches) // 4)]),
        ("PIANO", 2, 100, [(p, i * 120) for i, p in enumerate([36, 43, 48, 52] * len(pitches))]),
    ):
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
        now = 0
        for pitch, start in notes:
            track.append(
                mido.Message(
                    "note_on",
                    channel=channel,
                    note=pitch,
                    velocity=90,
                    time=start + offset_ticks - now,
                )
            )
            track.append(mido.Message("note_off", channel=channel, note=pitch, time=length))
            now = start + offset_ticks + length
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    path.write_bytes(buffer.getvalue())


def test_jazz_solo_quantizes_each_interval_against_the_beat(tmp_path):
    beat = 0.5  # seconds, 120 bpm
    # eighths that drag a little, then eighth triplets, then a rest of a quarter
    intervals = [0.5, 0.52, 0.55, 0.33, 0.34, 0.33, 0.25, 1.25]
    rows, onset = [], 10.0
    for index, interval in enumerate(intervals):
        length = 0.1 if index == 6 else interval * 0.9
        rows.append((60 + index, onset, length * beat))
        onset += interval * beat
    rows.append((70, onset, 0.5 * beat))
    write_solo(tmp_path, "Someone_Tune_FINAL", rows)
    (melody,) = load_source(f"jazz:{tmp_path}")
    assert melody.genre == "jazz" and melody.tempo == 120.0
    assert [e.duration for e in melody.events] == [6, 6, 6, 4, 4, 4, 3, 15, 6]
    assert [e.pitch for e in melody.events] == [60, 61, 62, 63, 64, 65, 66, 67, 70]


def test_jazz_solo_without_metadata_is_skipped_with_a_count(tmp_path, caplog):
    write_solo(tmp_path, "Known_FINAL", [(60, 0.0, 0.2), (62, 0.25, 0.2), (64, 0.5, 0.2)])
    (tmp_path / "Unknown_FINAL_solo.csv").write_text("60,0.0,0.2\n62,0.25,0.2\n")
    with caplog.at_level(logging.WARNING):
        melodies = list(load_source(f"jazz:{tmp_path}"))
    assert [m.name for m in melodies] == ["Known_FINAL_solo.csv"]
    assert "skipped 1 of 2" in caplog.text


def test_rock_song_reads_timebase_changes_rests_meter_key_and_tempo(tmp_path):
    write_song(tmp_path)
    (melody,) = load_source(f"rock:{tmp_path}")
    assert melody.events == [
        Event(67, 12),
        Event(69, 12),
        Event(71, 24),
        Event(74, 6),
        Event(72, 6),
        Event(71, 6),
        Event(None, 6),
        Event(69, 12),
        Event(67, 12),
    ]
    assert (melody.tonic, melody.mode, melody.tempo, melody.bar_ticks) == (7, "major", 96.0, 48)


def test_kern_pitches():
    assert [kern_to_midi(t) for t in ("c", "cc", "C", "CC", "b-", "f#", "ccc##")] == [
        60,
        72,
        48,
        36,
        70,
        66,
        86,
    ]


def test_pop_song_takes_the_melody_track_on_the_grid(tmp_path):
    pitches = [64, 67, 69, 67, 64, 62, 60, 62, 64, 64]
    write_pop_song(tmp_path / "001.mid", pitches)
    (melody,) = load_source(f"pop:{tmp_path}")
    assert [n.pitch for n in melody.notes()] == pitches
    assert {e.duration for e in melody.events} == {6}
    assert melody.genre == "pop" and melody.tempo == 90.0


def test_midi_folder_maps_to_the_named_genre_and_skips_broken_files(tmp_path, caplog):
    write_pop_song(tmp_path / "good.mid", [60, 62, 64, 65])
    (tmp_path / "broken.mid").write_bytes(b"MThd garbage")
    with caplog.at_level(logging.WARNING):
        melodies = list(load_source(f"midi:rock={tmp_path}"))
    assert [(m.name, m.genre) for m in melodies] == [("good.mid", "rock")]
    assert "broken.mid" in caplog.text


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("salsa", ValueError, "unknown source"),
        ("jazz", ValueError, "needs a folder"),
        ("midi:polka=/tmp", ValueError, "GENRE"),
        ("pop:/no/such/folder", FileNotFoundError, "does not exist"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec, error, message):
    with pytest.raises(error, match=message):
        list_pieces(spec)


@pytest.mark.parametrize("spec", ["classical", "folk"])
def test_music21_corpus_sources(spec):
    melodies = list(load_source(spec, limit=2))
    assert len(melodies) == 2
    assert all(m.genre == spec and m.note_count >= 8 for m in melodies)


def test_folk_lists_every_tune_of_the_tune_books():
    names = [piece.name for piece in list_pieces("folk")]
    assert len(names) > 10_000
    assert any(name.startswith("oneills1850/") for name in names)
    assert any(name.startswith("ryansMammoth/") for name in names)


def test_default_specs_skip_missing_folders(tmp_path):
    (tmp_path / "wjazzd").mkdir()
    assert default_specs(tmp_path) == ["classical", "folk", f"jazz:{tmp_path / 'wjazzd'}"]


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="the shared corpora are not on this machine")
@pytest.mark.parametrize(
    ("genre", "folder"), [("pop", "pop909"), ("jazz", "wjazzd"), ("rock", "rs200")]
)
def test_shared_corpora_smoke(genre, folder):
    melodies = list(load_source(f"{genre}:{SHARED_DATA / folder}", limit=3))
    assert len(melodies) >= 2
    assert all(m.genre == genre and m.note_count >= 8 for m in melodies)
