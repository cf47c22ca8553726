"""Style transfer by guided re-generation: the genre-conditioned network writes a new melody
while every choice is pulled toward the source melody at the same position.

Each choice is drawn from p_guided(x | genre) * a(x)^w: the genre model with guidance
(guidance.py) times the source affinity (transfer_affinity.py: pitch near the source's line,
rhythm on its onsets), w = (1 - strength) / strength; strength 0 copies the source, 1 ignores
it. The length, bar grid, pickup and phrase rests are kept (transfer_source.py), the song's
chords re-voiced for the genre (genre_harmony.py); the key is the source's or the user's.
The request and the stream's sampling parameters: transfer_params.py."""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import replace
from typing import Protocol

import numpy as np

from server.generation.chord_following import ChordFollowing, with_bias
from server.generation.genre_harmony import chords_for
from server.generation.guidance import GenreGuidance
from server.generation.lstm import LstmNetwork
from server.generation.melody import (
    TICKS_PER_QUARTER,
    Event,
    Melody,
    normalized_tonic,
)
from server.generation.melody_stream import MelodyStream, summed
from server.generation.notes import Note
from server.generation.nucleus import nucleus_draw
from server.generation.progression import Progression
from server.generation.sampling_params import InvalidParamsError, tonic_of
from server.generation.transfer_affinity import PULLS, Pulls, duration_affinity, pitch_affinity
from server.generation.transfer_params import TransferParams, sampling_params
from server.generation.transfer_source import MAX_BARS, SourcePlan
from server.generation.vocabulary import Vocabulary

MIN_GAP_TICKS = TICKS_PER_QUARTER // 4  # the shortest event written before a phrase rest or the end
GUIDANCE_SCALE = 4.0  # genre guidance (see guidance.py): 1 = the genre model as it is


class BarSearch(Protocol):
    """Chooses each bar of a transfer among candidates written from the same point (the style
    search, style_search.py), stepping its own `network`."""

    network: LstmNetwork

    def plan_bar(self, stream: TransferStream) -> list[tuple[int, int]]:
        """(pitch id, duration id) of each event of the bar kept, from the stream's tick."""
        ...


class TransferStream(MelodyStream):
    """A MelodyStream that rewrites `source` in `transfer.genre` (see the module doc)."""

    RETURNS_PHRASES = False  # the source's own phrases are the form

    def __init__(
        self,
        source: Melody,
        transfer: TransferParams,
        vocabulary: Vocabulary,
        network: LstmNetwork | None = None,
        search: BarSearch | None = None,
        chords: Progression | None = None,
        pulls: Pulls = PULLS,
    ) -> None:
        """With `network`, choices are guided toward the genre (GUIDANCE_SCALE); without,
        the genre model is used as it is. With `search`, each bar is the best of several
        candidates (style_search.py) and the stream replays the bar kept. The source's `chords`
        (its key, 4/4, tick 0 at the bar line before its first note) are re-voiced, moved to
        the output key and followed like typed chords: `params.chords`, as the song keeps them."""
        self.plan = SourcePlan(source, vocabulary)
        if not self.plan.total_ticks:
            raise InvalidParamsError("source", "the source melody is empty")
        bars = min(self.plan.bars, MAX_BARS)
        key = (source.tonic, source.mode)
        to_tonic = source.tonic if transfer.key is None else tonic_of(transfer.key)
        kept = None if chords is None else chords_for(chords, transfer.genre, key, to_tonic, bars)
        super().__init__(sampling_params(source, transfer, bars, kept), vocabulary)
        self.pulls = pulls
        self.transfer = replace(transfer, seed=self.params.seed)
        # Another key sits in the octave nearest the source, not nearest C major or A minor.
        self.shift += 12 * round((self.plan.source_shift - self.shift) / 12)
        self.total_ticks = self.plan.total_ticks
        self.source_name = source.name
        strength = transfer.strength
        self.weight = np.inf if strength == 0 else (1.0 - strength) / strength
        self.tick_offset = (self.plan.bar_ticks - self.plan.pickup_ticks) % self.plan.bar_ticks
        self.harmony = (
            None
            if kept is None
            else ChordFollowing(kept.transposed(-self.shift), vocabulary, kept.bar_ticks)
        )
        self.guidance: GenreGuidance | None = None
        if network is not None and strength > 0 and GUIDANCE_SCALE != 1:
            self.guidance = GenreGuidance(network, GUIDANCE_SCALE)
        self.chosen_pitch = vocabulary.REST_ID  # of the event being written, when sampled
        self.search = search if strength > 0 else None
        self.planned: deque[tuple[int, int]] = deque()  # (pitch id, duration id) still to send
        self.written: list[tuple[int, int]] = []  # every event's ids, in order
        if self.search is not None:
            # The search steps its own copy of the network from this state: (layers, 2, 1, hidden)
            self.network_state = self.search.network.initial_state(1)

    def candidate(self, index: int) -> TransferStream:
        """A copy that writes on from here with its own draws and no search of its own."""
        clone = copy.copy(self)
        clone.search, clone.planned, clone.written = None, deque(), []
        clone.events, clone.history = list(self.events), self.history.copy()
        clone.rng = np.random.default_rng([self.seed, self.tick, index])
        clone.guidance = None  # the search guides its candidates in one batch
        return clone

    def adopt(self, network_state: np.ndarray, general_state: np.ndarray | None) -> None:
        """Take on the network states (layers, 2, 1, hidden) the kept bar left: the genre
        model's and, with guidance, the general model's."""
        self.network_state = network_state
        if self.guidance is not None and general_state is not None:
            self.guidance.state = self.guidance.next_state = general_state

    @property
    def chooses_itself(self) -> bool:
        """Always: every event follows the source, which the batch's plain draw ignores."""
        return True

    def bar_position(self) -> int:
        return (self.tick - self.plan.pickup_ticks) % self.plan.bar_ticks

    def pitch_bias(self) -> np.ndarray | None:
        """Toward the chord under the next note, on the song's bar grid, and the target genre's
        interval calibration. A stream that guides its own logits adds them after the guidance
        (`choose_pitch`), which would scale them."""
        if self.guidance is not None and self.search is None:
            return None
        return self._own_bias()

    def _own_bias(self) -> np.ndarray | None:
        """The chord's bias under the next note plus the interval calibration; None without."""
        chord = (
            None if self.harmony is None else self.harmony.pitch_bias(self.tick + self.tick_offset)
        )
        return summed(chord, self.interval_bias())

    def copying(self) -> Event | None:
        """The source event to copy at this tick: all of them at strength 0, phrase rests
        always (strength below 1); None when the network chooses."""
        if self.transfer.strength < 1 and self.plan.in_phrase_rest(self.tick):
            return self.plan.event_at.get(self.tick)
        return self.plan.event_at.get(self.tick) if self.weight == np.inf else None

    def choose_pitch(self, pitch_logits: np.ndarray) -> int:
        if self.search is not None:  # the kept bar's events, planned at its first
            if not self.planned:
                self.planned.extend(self.search.plan_bar(self))
            return self.planned[0][0]
        if self.guidance is not None:  # the general state reads every event, copied or not
            inputs = np.array(self.next_inputs(), dtype=np.int64)[:, None]  # (ids, 1)
            pitch_logits = self.guidance.pitch_logits(pitch_logits[None], inputs)[0]
            bias = self._own_bias()
            if bias is not None:
                pitch_logits = with_bias(pitch_logits, bias)
        copied = self.copying()
        if copied is not None:
            return self.vocabulary.pitch_id(copied.pitch)
        last = self.written[-1][0] if self.written else None
        affinity = pitch_affinity(self.plan, self.vocabulary, self.tick, last, self.pulls)
        self.chosen_pitch = self._draw(pitch_logits, affinity)
        return self.chosen_pitch

    def choose_duration(self, duration_logits: np.ndarray) -> int:
        if self.search is not None:
            return self.planned.popleft()[1]
        copied = self.copying()
        if copied is not None:
            return self.vocabulary.duration_id(copied.duration)
        if self.guidance is not None:
            pitch = np.array([self.chosen_pitch])
            duration_logits = self.guidance.duration_logits(duration_logits[None], pitch)[0]
        durations = np.asarray(self.vocabulary.durations)
        room = self.plan.next_boundary(self.tick) - self.tick  # ticks to the next phrase rest
        # End on it, or leave at least a sixteenth: no splinters of 1 or 2 ticks before it.
        allowed = (durations == room) | (durations <= room - MIN_GAP_TICKS)
        resting = self.chosen_pitch == self.vocabulary.REST_ID
        affinity = duration_affinity(self.plan, self.tick, durations, resting, self.pulls)
        return self._draw(duration_logits, affinity, allowed)

    def _draw(
        self, logits: np.ndarray, affinity: np.ndarray, allowed: np.ndarray | None = None
    ) -> int:
        temperature = self.params.temperature
        # The draw divides by the temperature; the affinity keeps its weight whatever it is.
        guided = logits.astype(np.float64) + temperature * self.weight * affinity
        ids = nucleus_draw(
            guided[None],
            [self.rng],
            np.array([temperature], dtype=np.float64),
            np.array([self.params.top_p], dtype=np.float64),
            None if allowed is None else allowed[None],
        )
        return int(ids[0])

    def accept(self, pitch_id: int, duration_id: int) -> Note | None:
        """As MelodyStream.accept, with note starts counted from the bar line before the
        source's first note, so a pickup stays a pickup when the notes are saved."""
        note = super().accept(pitch_id, duration_id)
        self.written.append((pitch_id, duration_id))
        if self.guidance is not None and self.search is None:
            self.guidance.advance()
        if note is None:
            return None
        return note.shifted(self.tick_offset)

    def song_fields(self) -> dict[str, object]:
        """What a saved song of this stream says beyond its notes: a title, that it is a
        conversion, and the source's bar length so the file keeps its meter."""
        title = f"{self.source_name or 'Melody'} as {self.transfer.genre}"
        return {"title": title[:100], "source_kind": "converted", "bar_ticks": self.plan.bar_ticks}

    def melody(self) -> Melody:
        """Everything written so far, in the output key, on the source's bar grid."""
        normalized = Melody(
            list(self.events),
            self.plan.bar_ticks,
            self.plan.pickup_ticks,
            normalized_tonic(self.params.mode),
            self.params.mode,
            self.params.tempo,
        )
        output = normalized.transposed(self.shift)
        output.genre = self.transfer.genre
        output.name = str(self.song_fields()["title"])
        return output
