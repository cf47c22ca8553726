"""What an ended live stream keeps: whether it is a song, a draft or nothing, its title, and
the parameters that make it again; and a gentle way to render it beside live notes."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any, TypeVar

from server.generation.live_stream import BEATS_PER_BAR, EndReason, LiveStream
from server.generation.sampling_params import SamplingParams
from server.models.song import SongStatus

T = TypeVar("T")


def status_to_keep(stream: LiveStream) -> SongStatus | None:
    """Complete streams and those stopped after at least a bar are songs; a disconnected or
    failed stream with any note is kept as a draft; anything else (discarded, stopped within
    its first bar) is dropped."""
    reason = stream.end_reason
    if reason is EndReason.COMPLETE:
        return SongStatus.COMPLETE
    if not stream.sent_notes:
        return None
    if reason is EndReason.STOPPED:
        return SongStatus.COMPLETE if stream.sent_beats >= BEATS_PER_BAR else None
    if reason in (EndReason.DISCONNECTED, EndReason.FAILED):
        return SongStatus.DRAFT
    return None


def song_title(params: SamplingParams) -> str:
    """E.g. "Jazz melody in D minor"."""
    return f"{(params.genre or 'Free').capitalize()} melody in {params.key} {params.mode}"


def params_to_json(params: SamplingParams, extra: dict[str, Any]) -> dict[str, Any]:
    """Everything needed to make the piece again (the seed is always concrete here); chords,
    when the piece has them, as the progression's storage rows (`Progression.to_storage`)."""
    fields = {field.name: getattr(params, field.name) for field in dataclasses.fields(params)}
    fields["primer"] = [list(note) for note in params.primer]
    chords, form = fields.pop("chords"), fields.pop("form")
    if chords is not None:
        fields["chords"] = chords.to_storage()
    if form is not None:
        fields["form"] = form.letters
    return fields | extra


def gently(work: Callable[[], T]) -> T:
    """Run `work`, then rest as long as it took: a burst of renders (many songs ending at once)
    then holds the interpreter at most half the time, and live notes keep flowing."""
    began = time.perf_counter()
    result = work()
    time.sleep(time.perf_counter() - began)
    return result
