"""What `duet:start` and `duet:phrase` payloads may ask (docs/protocol.md, "Call and response"):
the duet's sampling parameters, the answer's length and when a phrase counts as over, and the
notes of one played phrase, each limit checked before any work is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.errors import AppError
from server.generation.melody_stream import BAR_TICKS
from server.generation.notes import PLAYED, TICKS_PER_BEAT, Note, NoteError
from server.generation.sampling_params import SamplingParams
from server.services.stream_params import invalid_params, params_from_payload

MAX_ANSWER_BARS = 8
MAX_PHRASE_NOTES = 64
MAX_PHRASE_BARS = 8  # from the bar line before its first note to where it is over
MAX_DUET_BARS = 256  # the whole duet, answers included: what one song holds
CHORD_BARS = 16  # the duet's chords, typed or written by the model, loop over this many bars
WAITS = {"beat": TICKS_PER_BEAT, "bar": BAR_TICKS}  # the silence that ends a phrase, at most
DUET_FIELDS = ("answer_bars", "wait")


@dataclass(frozen=True)
class DuetRequest:
    params: SamplingParams  # bars: CHORD_BARS, the length of its chords' loop
    extra: dict[str, Any]  # saved with the song (the player's instrument)
    answer_bars: int
    wait: str  # "beat": a beat of silence ends a phrase; "bar": the next bar line does


def duet_from_payload(data: Any) -> DuetRequest:
    """A `duet:start` payload checked: `generate:start`'s fields less `bars` and `primer`
    (a duet grows turn by turn), plus `answer_bars` and `wait`."""
    if not isinstance(data, dict):
        raise invalid_params("payload", "duet:start takes an object of parameters")
    for name in ("bars", "primer"):
        if name in data:
            raise invalid_params(name, "a duet grows turn by turn: leave it out")
    answer_bars = data.get("answer_bars", 2)
    if isinstance(answer_bars, bool) or not isinstance(answer_bars, int):
        raise invalid_params("answer_bars", f"must be a whole number 1..{MAX_ANSWER_BARS}")
    if not 1 <= answer_bars <= MAX_ANSWER_BARS:
        raise invalid_params("answer_bars", f"must be a whole number 1..{MAX_ANSWER_BARS}")
    wait = data.get("wait", "beat")
    if wait not in WAITS:
        raise invalid_params("wait", f"expected one of {', '.join(WAITS)}")
    fields = {name: value for name, value in data.items() if name not in DUET_FIELDS}
    params, extra = params_from_payload(fields | {"bars": CHORD_BARS})
    return DuetRequest(params.with_seed(), extra, answer_bars, wait)


def phrase_from_payload(data: Any, heard_until: int) -> list[Note]:
    """The played notes of a `duet:phrase` payload (beats on the duet's timeline), part
    "played", starting no earlier than `heard_until` (ticks: the end of the last answer)."""
    notes = data.get("notes") if isinstance(data, dict) else None
    if not isinstance(notes, list) or not 1 <= len(notes) <= MAX_PHRASE_NOTES:
        raise invalid_params("notes", f"a phrase is a list of 1 to {MAX_PHRASE_NOTES} notes")
    phrase = []
    for number, wire in enumerate(notes, 1):
        try:
            note = Note.from_wire(wire if not isinstance(wire, dict) else wire | {"part": PLAYED})
        except NoteError as error:
            raise invalid_params("notes", f"note {number}: {error}") from error
        phrase.append(note)
    first = min(note.start for note in phrase)
    if first < heard_until:
        beat = heard_until / TICKS_PER_BEAT
        raise invalid_params(
            "notes", f"a phrase starts once the last answer has ended, at beat {beat:g}"
        )
    if (
        max(note.end for note in phrase) - first // BAR_TICKS * BAR_TICKS
        > MAX_PHRASE_BARS * BAR_TICKS
    ):
        raise invalid_params("notes", f"a phrase lasts at most {MAX_PHRASE_BARS} bars")
    return sorted(phrase, key=lambda note: (note.start, note.pitch))


def phrase_end(phrase: list[Note], wait: str) -> int:
    """Where the phrase counts as over (ticks): a beat after its last note ends, or the bar line
    at or after that end."""
    last = max(note.end for note in phrase)
    step = WAITS[wait]
    return last + step if step == TICKS_PER_BEAT else -(-last // step) * step


def duet_full(end: int) -> AppError | None:
    """The refusal for an answer that would end past the longest duet, if it would."""
    if end <= MAX_DUET_BARS * BAR_TICKS:
        return None
    return AppError("duet_full", f"A duet holds {MAX_DUET_BARS} bars; stop it to save it.")
