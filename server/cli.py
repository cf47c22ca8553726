"""Command line: `python -m server.cli generate --genre jazz --key D --bars 16 --out song.mid`
(the model writes the chords, a chord track beside the melody; `--chords "Dm7 G7 Cmaj7 Cmaj7"`
writes the melody over those instead, `--chords none` a bare melody) and
`python -m server.cli convert --in song.mid --genre jazz --strength 0.6 --out out.mid`; `--band`
adds the genre's band over the chords, a MIDI track per part.

Each subcommand is a `<name>_command(args) -> str` that returns a summary or raises
CommandError; `main` maps errors to a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from server.generation.band.instruments import band_programs
from server.generation.band.piece_band import band_for
from server.generation.classifier import GenreClassifier
from server.generation.form_plan import BLUES
from server.generation.lstm import CheckpointError, LstmNetwork
from server.generation.melody import GENRES, MODES, key_name
from server.generation.midi_writing import BandParts, melody_to_midi
from server.generation.progression import Progression
from server.generation.progression_network import CHECKPOINT_DIR as PROGRESSION_CHECKPOINT
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_text import progression_from_input
from server.generation.progression_writer import AUTO_CHORDS, NO_CHORDS, with_written_chords
from server.generation.sampler import generate, run_to_end
from server.generation.sampling_params import SamplingParams
from server.generation.style_search import StyleSearch
from server.generation.transfer import TransferStream
from server.generation.transfer_params import (
    DEFAULT_STRENGTH,
    DEFAULT_TEMPERATURE,
    TransferParams,
)
from server.generation.upload_analysis import analyse_midi
from server.generation.upload_chords import SourceChords
from server.generation.vocabulary import ANY_GENRE

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "melody"
DEFAULT_CLASSIFIER = DEFAULT_CHECKPOINT.parent / "classifier"
BAND_HELP = "add the genre's band (bass, comping, drums) over the chords, a track per part"


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


def generate_command(args: argparse.Namespace) -> str:
    """Sample one melody (over `--chords` when given) and write it as a standard MIDI file."""
    try:
        chords = typed_chords(args)
        params = SamplingParams(
            genre=None if args.genre == ANY_GENRE else args.genre,
            key=args.key,
            mode=args.mode,
            tempo=args.tempo,
            bars=args.bars,
            temperature=args.temperature,
            top_p=args.top_p,
            seed=args.seed,
            program=args.program,
            chords=chords,
            write_chords=chords is None and args.chords != NO_CHORDS,
            band=args.band,
        )
        network = LstmNetwork.load(args.checkpoint)
        if params.write_chords:
            params = with_written_chords(params, ProgressionNetwork.load(args.progressions))
        params = params.with_seed()
    except (ValueError, CheckpointError) as error:  # ProgressionError too: it names the token
        raise CommandError(str(error)) from error
    melody = generate(network, [params])[0]
    midi = melody_to_midi(
        melody, program=params.program, chords=params.chords, band=band_tracks(params)
    )
    write_atomically(args.out, midi)
    over = "" if params.chords is None else f" over {len(params.chords.changes())} chord changes"
    if params.form is not None:
        form = params.form
        shape = "as a 12-bar blues" if form.harmony == BLUES else f"in the form {form.letters}"
        over += f" written by the model {shape}"
    return (
        f"wrote {args.out}: {params.bars} bars of {args.genre} in "
        f"{key_name(melody.tonic, melody.mode)} at {params.tempo:g} bpm{over}, "
        f"{melody.note_count} notes, seed {params.seed}"
    )


def band_tracks(params: SamplingParams) -> BandParts | None:
    """The whole band of a piece of `params`, for its MIDI file; None without one. The band
    starts at the file's start, the melody's first bar line."""
    band = band_for(params)
    return None if band is None else BandParts(band.rest(), band_programs(params.genre))


def typed_chords(args: argparse.Namespace) -> Progression | None:
    """The `--chords` progression read in the melody's key, or None ("auto" or "none")."""
    if args.chords in (AUTO_CHORDS, NO_CHORDS):
        return None
    return progression_from_input(args.chords, key=args.key, mode=args.mode)


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file so a failed run never leaves half a file."""
    if not path.parent.is_dir():
        raise CommandError(f"cannot write {path}: folder {path.parent} does not exist")
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {error.strerror}") from error


def add_generate_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("generate", help="sample a melody into a MIDI file")
    parser.add_argument("--genre", default=ANY_GENRE, choices=(*GENRES, ANY_GENRE))
    parser.add_argument("--key", default="C", help="tonic: C, F#, Bb, ...")
    parser.add_argument("--mode", default="major", choices=MODES)
    parser.add_argument("--tempo", type=float, default=120.0, help="quarter notes per minute")
    parser.add_argument("--bars", type=int, default=8, help="length in 4/4 bars, 1..128")
    parser.add_argument("--temperature", type=float, default=1.0, help="0.1..2, higher = wilder")
    parser.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling, 0..1")
    parser.add_argument("--seed", type=int, help="same seed and options, same melody")
    parser.add_argument("--program", type=int, default=0, help="General MIDI instrument 0..127")
    parser.add_argument(
        "--chords",
        default=AUTO_CHORDS,
        help='chords to write over, e.g. "Dm7 G7 Cmaj7 Cmaj7", "C Am | F G" or "ii7 V7 Imaj7", '
        'looped to fill --bars; "auto" (the default): the model writes them; "none": no chords',
    )
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--progressions", type=Path, default=PROGRESSION_CHECKPOINT)
    parser.add_argument("--band", action="store_true", help=BAND_HELP)
    parser.add_argument("--out", type=Path, required=True, help="MIDI file to write")
    parser.set_defaults(handler=generate_command)


def convert_command(args: argparse.Namespace) -> str:
    """Rewrite the melody of a MIDI file in another genre and write it as a MIDI file."""
    try:
        data = args.input.read_bytes()
        analysis, source = analyse_midi(data, track=args.track)
        chords = SourceChords.from_json(analysis.chords)
        source.name = args.input.stem
        transfer = TransferParams(
            genre=args.genre,
            strength=args.strength,
            key=args.key,
            temperature=args.temperature,
            seed=args.seed,
            program=args.program,
            band=args.band,
        )
        network = LstmNetwork.load(args.checkpoint)
        search = StyleSearch(network, GenreClassifier.load(args.classifier))
        vocabulary = network.require_vocabulary()
        stream = TransferStream(source, transfer, vocabulary, network, search, chords.progression)
    except OSError as error:
        raise CommandError(f"cannot read {args.input}: {error.strerror}") from error
    except (ValueError, CheckpointError) as error:  # MidiError, ClassifierError, bad params
        raise CommandError(str(error)) from error
    run_to_end(network, [stream])
    melody = stream.melody()
    kept = stream.params.chords
    band = band_tracks(stream.params)
    midi = melody_to_midi(melody, program=transfer.program, chords=kept, band=band)
    write_atomically(args.out, midi)
    harmony = chords.note if kept is None else f"over {len(kept.changes())} chord changes"
    return (
        f"wrote {args.out}: {stream.plan.bars} bars of {args.input.name} as {args.genre} at "
        f"strength {args.strength:g} in {key_name(melody.tonic, melody.mode)}, "
        f"{melody.note_count} notes, seed {stream.params.seed}; {harmony}"
    )


def add_convert_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("convert", help="rewrite a MIDI file's melody in another genre")
    parser.add_argument("--in", dest="input", type=Path, required=True, help="MIDI file to read")
    parser.add_argument("--genre", required=True, choices=GENRES)
    parser.add_argument(
        "--strength", type=float, default=DEFAULT_STRENGTH, help="0 = the source, 1 = free"
    )
    parser.add_argument("--track", type=int, help="track to take the melody from")
    parser.add_argument("--key", help="tonic of the result (default: the source's)")
    parser.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE, help="0.1..2")
    parser.add_argument("--seed", type=int, help="same seed and options, same result")
    parser.add_argument("--program", type=int, default=0, help="General MIDI instrument 0..127")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument(
        "--classifier", type=Path, default=DEFAULT_CLASSIFIER, help="genre classifier folder"
    )
    parser.add_argument("--band", action="store_true", help=BAND_HELP)
    parser.add_argument("--out", type=Path, required=True, help="MIDI file to write")
    parser.set_defaults(handler=convert_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server.cli", description="Cadenza tools")
    commands = parser.add_subparsers(dest="command", required=True)
    add_generate_parser(commands)
    add_convert_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], str] = args.handler
    try:
        print(handler(args))
    except CommandError as error:
        parser.exit(2, f"{parser.prog} {args.command}: error: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
