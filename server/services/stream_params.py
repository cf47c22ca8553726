"""What a `generate:start` or `room:generate` payload asks the model for: sampling parameters
checked one by one (an `invalid_params` error names the field), the chords to write over and
whether a band plays them, and the extra fields saved with the song (the player's instrument)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from server.errors import AppError
from server.generation.instruments import INSTRUMENTS
from server.generation.progression import ProgressionError
from server.generation.progression_text import progression_from_input
from server.generation.progression_writer import AUTO_CHORDS, NO_CHORDS
from server.generation.sampler import InvalidParamsError, SamplingParams

PARAM_FIELDS = ("genre", "key", "mode", "tempo", "bars", "temperature", "top_p", "seed")
INSTRUMENT_NAMES = tuple(INSTRUMENTS)  # the player's instruments, the default (piano) first
MAX_PRIMER_NOTES = 256
# (pitch, start beats, duration beats) as the client sent them: `SamplingParams` checks each.
Primer = tuple[Any, ...]


def params_from_payload(data: Any) -> tuple[SamplingParams, dict[str, Any]]:
    """Validated sampling parameters and the extra fields saved with the song."""
    if not isinstance(data, dict):
        raise invalid_params("payload", "generate:start takes an object of parameters")
    unknown = sorted(set(data) - {*PARAM_FIELDS, "instrument", "primer", "chords", "band"})
    if unknown:
        raise invalid_params(unknown[0], "is not a generation parameter")
    instrument = data.get("instrument", INSTRUMENT_NAMES[0])
    if instrument not in INSTRUMENT_NAMES:
        raise invalid_params("instrument", f"expected one of {', '.join(INSTRUMENT_NAMES)}")
    fields = {name: data[name] for name in PARAM_FIELDS if name in data}
    try:
        params = SamplingParams(**fields, primer=primer_from_payload(data.get("primer", [])))
        params = with_chords(params, data.get("chords"))
        params = replace(params, band=data.get("band", False))  # checked over its chords
    except InvalidParamsError as error:
        raise invalid_params(error.field, str(error)) from error
    return params, {"instrument": instrument}


def with_chords(params: SamplingParams, chords: Any) -> SamplingParams:
    """`params` over `chords` as the payload gives them (typed text, or a list of bars of
    symbols), Roman numerals read in the request's key and mode; left out (or null), the model
    writes them, and "none" is a bare melody. The `ProgressionError` message, which names the
    token and its place, is the `invalid_params` message as is."""
    if chords is None or chords == AUTO_CHORDS:
        return replace(params, write_chords=True)
    if chords == NO_CHORDS:
        return params
    try:
        progression = progression_from_input(chords, key=params.key, mode=params.mode)
    except ProgressionError as error:
        raise invalid_params("chords", str(error)) from error
    return replace(params, chords=progression)


def refuse_chords_with_source(data: dict[str, Any]) -> None:
    """A conversion keeps its upload's music: typed chords are for new melodies (for now)."""
    if "chords" in data:
        raise invalid_params(
            "chords",
            "A conversion follows its upload, not typed chords: leave out the chords, or "
            "generate a new melody over them.",
        )


def primer_from_payload(primer: Any) -> Primer:
    """Primer notes given as [{pitch, start, duration}, ...] (beats), at most MAX_PRIMER_NOTES;
    the sampling parameters check each value."""
    if not isinstance(primer, list) or len(primer) > MAX_PRIMER_NOTES:
        raise invalid_params("primer", f"expected a list of at most {MAX_PRIMER_NOTES} notes")
    if not all(isinstance(note, dict) for note in primer):
        raise invalid_params("primer", "each note is an object {pitch, start, duration}")
    return tuple((n.get("pitch"), n.get("start"), n.get("duration")) for n in primer)


def invalid_params(field: str, message: str) -> AppError:
    return AppError("invalid_params", message, field=field)
