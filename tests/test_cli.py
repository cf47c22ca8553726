"""`python -m server.cli generate`: a MIDI file that music21 and mido read back as asked for
(over typed chords or the model's, with their track and markers), and one-line errors (exit
status 2) for bad options, bad chords or a broken checkpoint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mido
import pytest

from server import cli
from server.generation.lstm import LstmNetwork
from server.generation.vocabulary import default_vocabulary


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    network = LstmNetwork.random(default_vocabulary(), hidden=16, layers=2, duration_hidden=8)
    network.save(tmp_path / "melody")
    return tmp_path / "melody"


def run_generate(*options: str) -> int:
    try:
        return cli.main(["generate", *options])
    except SystemExit as exit_:
        return int(exit_.code)


def test_generate_writes_midi_with_key_tempo_program_and_bars(tmp_path, checkpoint) -> None:
    out = tmp_path / "song.mid"
    options = "--genre jazz --key D --mode minor --tempo 140 --bars 6 --temperature 0.9 --seed 7"
    status = run_generate(
        *options.split(), "--program", "66", "--checkpoint", str(checkpoint), "--out", str(out)
    )
    assert status == 0

    midi = mido.MidiFile(out)
    messages = [message for track in midi.tracks for message in track]
    tempos = [m.tempo for m in messages if m.type == "set_tempo"]
    assert [round(mido.tempo2bpm(t)) for t in tempos] == [140]
    programs = [m.program for m in messages if m.type == "program_change"]
    assert programs == [66, 89]  # the melody, then the chord track the model wrote (a pad)
    assert [m.key for m in messages if m.type == "key_signature"] == ["Dm"]

    music21 = pytest.importorskip("music21")
    score = music21.converter.parse(str(out))
    key = score.recurse().getElementsByClass(music21.key.KeySignature).first()
    assert key.sharps == -1  # D minor: one flat
    assert score.parts[0].highestTime == 6 * 4  # six bars of 4/4, in quarter notes
    assert len(score.parts[0].getElementsByClass("Measure")) == 6


def test_same_seed_writes_the_same_file(tmp_path: Path, checkpoint: Path) -> None:
    for name in ("a.mid", "b.mid"):
        run_generate("--seed", "3", "--checkpoint", str(checkpoint), "--out", str(tmp_path / name))
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


@pytest.mark.parametrize(
    "options, message",
    [
        (["--tempo", "500"], "tempo"),
        (["--bars", "0"], "bars"),
        (["--key", "X"], "key"),
        (["--top-p", "2"], "top_p"),
        (["--seed", "-4"], "seed"),
        (["--genre", "polka"], "invalid choice"),
        (["--bars", "many"], "invalid int"),
    ],
)
def test_bad_options_exit_2_with_a_message(tmp_path, checkpoint, capsys, options, message) -> None:
    out = tmp_path / "song.mid"
    status = run_generate(*options, "--checkpoint", str(checkpoint), "--out", str(out))
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
def test_broken_checkpoint_exits_2_without_traceback(tmp_path, checkpoint, broken) -> None:
    if broken == "corrupt":
        (checkpoint / "weights.npz").write_bytes(b"\x00garbage")
    folder = checkpoint if broken == "corrupt" else tmp_path / "missing"
    out = tmp_path / "song.mid"
    command = [sys.executable, "-m", "server.cli", "generate", "--checkpoint", str(folder)]
    result = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "checkpoint" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_unwritable_output_folder_is_reported(tmp_path, checkpoint, capsys) -> None:
    out = tmp_path / "no" / "such" / "song.mid"
    assert run_generate("--checkpoint", str(checkpoint), "--out", str(out)) == 2
    assert "does not exist" in capsys.readouterr().err


def test_shipped_checkpoint_generates_with_the_general_model(tmp_path: Path) -> None:
    out = tmp_path / "any.mid"
    assert run_generate("--genre", "any", "--bars", "2", "--seed", "1", "--out", str(out)) == 0
    assert mido.MidiFile(out).length > 0


def test_generate_over_typed_chords_writes_a_chord_track(tmp_path, checkpoint, capsys) -> None:
    out = tmp_path / "song.mid"
    options = ["--genre", "jazz", "--chords", "Dm7 G7 Cmaj7 Cmaj7", "--bars", "16", "--seed", "2"]
    assert run_generate(*options, "--checkpoint", str(checkpoint), "--out", str(out)) == 0
    assert "over 12 chord changes" in capsys.readouterr().out

    midi = mido.MidiFile(out)
    names = [track.name for track in midi.tracks]
    assert "Chords" in names
    markers = [m.text for m in midi.tracks[0] if m.type == "marker"]
    assert markers == ["Dm7", "G7", "Cmaj7"] * 4  # the four bars loop over sixteen
    chord_notes = [m for m in midi.tracks[names.index("Chords")] if m.type == "note_on"]
    assert chord_notes and midi.length == pytest.approx(16 * 4 * 0.5)


def test_without_chords_the_model_writes_them_ending_on_the_tonic(tmp_path, checkpoint, capsys):
    out = tmp_path / "song.mid"
    options = ["--genre", "pop", "--key", "A", "--bars", "8", "--seed", "4"]
    assert run_generate(*options, "--checkpoint", str(checkpoint), "--out", str(out)) == 0
    assert "written by the model in the form" in capsys.readouterr().out
    midi = mido.MidiFile(out)
    assert "Chords" in [track.name for track in midi.tracks]
    markers = [m.text for m in midi.tracks[0] if m.type == "marker"]
    assert len(markers) >= 2 and markers[-1] in {"A", "Amaj7", "A6"}


def test_chords_none_writes_a_bare_melody(tmp_path, checkpoint) -> None:
    out = tmp_path / "song.mid"
    options = ["--chords", "none", "--bars", "4", "--seed", "4"]
    assert run_generate(*options, "--checkpoint", str(checkpoint), "--out", str(out)) == 0
    assert "Chords" not in [track.name for track in mido.MidiFile(out).tracks]


def test_a_broken_progression_checkpoint_exits_2(tmp_path, checkpoint, capsys) -> None:
    out = tmp_path / "song.mid"
    options = ["--progressions", str(tmp_path / "missing"), "--checkpoint", str(checkpoint)]
    assert run_generate(*options, "--out", str(out)) == 2
    assert "cannot read progression checkpoint" in capsys.readouterr().err
    assert not out.exists()


def test_roman_numeral_chords_are_read_in_the_requested_key(tmp_path, checkpoint) -> None:
    out = tmp_path / "song.mid"
    options = ["--key", "Eb", "--chords", "ii7 | V7 | Imaj7", "--bars", "3", "--seed", "1"]
    assert run_generate(*options, "--checkpoint", str(checkpoint), "--out", str(out)) == 0
    markers = [m.text for m in mido.MidiFile(out).tracks[0] if m.type == "marker"]
    assert markers == ["Fm7", "Bb7", "Ebmaj7"]


@pytest.mark.parametrize(
    "chords, bars, message",
    [
        ("Dm7 H7 Cmaj7", "16", 'The chord "H7" (chord 2, column 5) is not one we know'),
        ("C D E F G", "4", "the chords last 5 bars, longer than the 4 bars asked for"),
        ("", "4", "The progression is empty"),
    ],
)
def test_bad_chords_exit_2_with_the_message(tmp_path, checkpoint, chords, bars, message) -> None:
    out = tmp_path / "song.mid"
    command = [sys.executable, "-m", "server.cli", "generate", "--checkpoint", str(checkpoint)]
    options = ["--chords", chords, "--bars", bars, "--out", str(out)]
    result = subprocess.run([*command, *options], capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_jazz_chorus_the_seed_makes_a_blues_is_written_over_the_blues(
    tmp_path, checkpoint, capsys
):
    out = tmp_path / "blues.mid"
    options = ["--genre", "jazz", "--key", "F", "--bars", "12", "--seed", "7"]
    assert run_generate(*options, "--checkpoint", str(checkpoint), "--out", str(out)) == 0
    assert "as a 12-bar blues" in capsys.readouterr().out
    markers = [m.text for m in mido.MidiFile(out).tracks[0] if m.type == "marker"]
    assert markers[0] == "F7" and markers[-2:] == ["C7", "F7"]  # I7 ... V7 | I7


def test_generate_with_a_band_writes_a_track_per_part(tmp_path, checkpoint, capsys) -> None:
    out = tmp_path / "song.mid"
    options = ["--genre", "rock", "--chords", "C | Am | F | G", "--bars", "4", "--seed", "2"]
    assert run_generate(*options, "--band", "--checkpoint", str(checkpoint), "--out", str(out)) == 0
    midi = mido.MidiFile(out)
    tracks = {track.name: track for track in midi.tracks}
    assert {"Chords", "Bass"} <= set(tracks)
    assert [m.program for m in tracks["Chords"] if m.type == "program_change"] == [29]
    assert [m.program for m in tracks["Bass"] if m.type == "program_change"] == [34]
    assert [m.text for m in tracks["Chords"] if m.type == "text"] == ["C", "Am", "F", "G"]
    now, downbeats = 0, []  # the bass note struck on each bar's first beat: its chord's root
    for message in tracks["Bass"]:
        now += message.time
        if message.type == "note_on" and message.velocity and now % (4 * midi.ticks_per_beat) == 0:
            downbeats.append(message.note % 12)
    assert downbeats == [0, 9, 5, 7]
    assert midi.length == pytest.approx(4 * 4 * 0.5)


def test_a_band_with_no_chords_exits_2_naming_the_band(tmp_path, checkpoint, capsys) -> None:
    out = tmp_path / "song.mid"
    options = ["--chords", "none", "--band", "--checkpoint", str(checkpoint), "--out", str(out)]
    assert run_generate(*options) == 2
    assert "band: a band plays chords" in capsys.readouterr().err
    assert not out.exists()
