"""What a `generate:start` or `room:generate` payload asks the model for: sampling parameters
checked one by one (an `invalid_params` error names the field), and the extra fields saved
with the song (the player's instrument)."""

from __future__ import annotations

from typing import Any

from server.errors import AppError
from server.generation.instruments import INSTRUMENTS
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
    unknown = sorted(set(data) - {*PARAM_FIELDS, "instrument", "primer"})
    if unknown:
        raise invalid_params(unknown[0], "is not a generation parameter")
    instrument = data.get("instrument", INSTRUMENT_NAMES[0])
    if instrument not in INSTRUMENT_NAMES:
        raise invalid_params("instrument", f"expected one of {', '.join(INSTRUMENT_NAMES)}")
    fields = {name: data[name] for name in PARAM_FIELDS if name in data}
    try:
        params = SamplingParams(**fields, primer=primer_from_payload(data.get("primer", [])))
    except InvalidParamsError as error:
        raise invalid_params(error.field, str(error)) from error
    return params, {"instrument": instrument}


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
