"""What the engine says about one live stream: the stream itself (its LSTM state, its notes, its
playhead), the sink they go to, why it ended, and how it is paced.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from server.generation.band.arrangement import Band
from server.generation.melody import TICKS_PER_QUARTER
from server.generation.melody_stream import BAR_TICKS, MelodyStream
from server.generation.notes import Note
from server.generation.sampling_params import SamplingParams

BEATS_PER_BAR = BAR_TICKS / TICKS_PER_QUARTER


class EndReason(StrEnum):
    COMPLETE = "complete"  # reached its final bar line
    STOPPED = "stopped"  # the listener asked for it to end early, keeping what exists
    DISCARDED = "discarded"  # the listener asked for it to end and be thrown away
    DISCONNECTED = "disconnected"  # the listener went away
    FAILED = "failed"  # the step raised; the stream cannot go on


class StreamSink(Protocol):
    """Where a stream's output goes; both calls run on the event loop and must not block."""

    def stream_notes(self, stream: LiveStream, notes: Sequence[Note], first_index: int) -> None:
        """`notes` are the stream's next notes; the first is its note number `first_index`."""

    def stream_ended(self, stream: LiveStream) -> None: ...


@dataclass(frozen=True)
class Pacing:
    """How far ahead of its playhead a stream is written, in beats (seconds where stated).

    A stream is topped up when it is less than `lead_beats` (and `lead_seconds`) ahead, then
    written `refill_beats` further in one go, so each top-up is one frame of a few notes.
    """

    lead_beats: float = 4.0
    lead_seconds: float = 2.0  # covers network and scheduling hiccups at fast tempos
    refill_beats: float = 2.0

    def low_water(self, tempo: float) -> float:
        """Beats ahead below which a stream at `tempo` quarter notes per minute needs notes."""
        return max(self.lead_beats, self.lead_seconds * tempo / 60.0)

    def high_water(self, tempo: float) -> float:
        return self.low_water(tempo) + self.refill_beats


@dataclass(eq=False)
class LiveStream:
    """A stream the engine is writing: its melody, and its band when it has one. `notes` are
    what it has written in the order its listener gets them (the first `sent` went out): the
    melody's notes, each frame's band notes among them; a note's index is its place here."""

    id: str
    owner: Hashable
    melody: MelodyStream
    sink: StreamSink
    paced: bool
    state: np.ndarray  # (layers, 2, hidden) float32: h and c of every LSTM layer
    band: Band | None = None
    notes: list[Note] = field(default_factory=list)  # written so far
    sent: int = 0  # how many of `notes` went to the sink
    sent_beats: float = 0.0  # beats of music written when notes last went to the sink
    started_at: float | None = None  # monotonic seconds when its opening lead went out
    end_reason: EndReason | None = None
    filling: bool = True  # being topped up to the high water mark

    @property
    def params(self) -> SamplingParams:
        return self.melody.params

    @property
    def written_beats(self) -> float:
        """Beats of music written so far, rests included."""
        return self.melody.tick / TICKS_PER_QUARTER

    def band_due(self) -> list[Note]:
        """The band's notes to go out with the melody written so far: every bar up to the one
        after the melody's last written bar (a bar ahead, as its chords go; only that bar, not
        the one after it, for a melody whose chords are decided as it goes), and the rest of
        the piece once the melody is done; each bar once."""
        if self.band is None:
            return []
        if self.melody.done:
            return self.band.rest()
        bar = self.band.bar_ticks
        written = self.melody.tick + self.melody.tick_offset  # the piece's ticks, as the chords'
        until = (max(written - 1, 0) // bar + self.melody.BAND_BARS_AHEAD) * bar
        self.melody.chords_until(until)
        return self.band.notes_until(until)

    @property
    def sent_notes(self) -> list[Note]:
        """The notes the listener has been given: what a saved song holds."""
        return self.notes[: self.sent]

    @property
    def ended(self) -> bool:
        return self.end_reason is not None

    def beats_ahead(self, now: float) -> float:
        """How far the written music runs ahead of the real-time playhead, in beats."""
        if self.started_at is None:
            return 0.0
        return self.written_beats - (now - self.started_at) * self.params.tempo / 60.0
