"""Style transfer by guided re-generation: the genre-conditioned network writes a new melody
while every choice is pulled toward the source melody at the same position.

At each event the sampler draws from p_model(x | genre) * a(x)^w, where a is a source
affinity over pitch (semitones from the source pitch sounding at that tick) and over duration
(ending on a source onset, not skipping source onsets), and w = (1 - strength) / strength:
strength 0 copies the source, 1 ignores it. The source's length, bar grid, pickup and phrase
boundaries (rests of a beat or more) are kept exactly; the key is the source's or the user's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from server.generation.guidance import GenreGuidance
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, PITCH_NAMES, TICKS_PER_QUARTER, Event, Melody
from server.generation.sampler import (
    InvalidParamsError,
    MelodyStream,
    Note,
    SamplingParams,
    step_streams,
)
from server.generation.sampler import sample_next as draw
from server.generation.vocabulary import Vocabulary

DEFAULT_STRENGTH = 0.6  # measured trade-off in docs/style-transfer.md (58% in genre, content 0.74)
DEFAULT_TEMPERATURE = 0.8  # a little safer than free generation's 1.0: measured more in-genre
PITCH_PULL = 1.0  # log-probability per semitone away from the source's smoothed line
REST_PULL = 3.0  # log-probability against a rest where the source sounds, or a note in its rest
ONSET_PULL = 2.0  # log-probability against ending an event where the source has no onset
SKIP_PULL = 1.0  # log-probability per source onset an event passes over
# Rhythm is held more loosely than pitch: it carries much of a genre's style and little of the
# tune (the content measures compare pitch lines and per-bar pitch classes).
RHYTHM_SHARE = 0.2
CONTOUR_TICKS = 6  # the source line is followed as its mean over a beat around each tick
CHROMA_PULL = 1.0  # log-probability weight of the pitch classes the source bar uses
CHROMA_FLOOR = 0.05  # share given to pitch classes the bar does not use
MIN_GAP_TICKS = TICKS_PER_QUARTER // 4  # the shortest event written before a phrase rest or the end
PHRASE_REST_TICKS = TICKS_PER_QUARTER  # source rests this long or longer are phrase boundaries
GUIDANCE_SCALE = 4.0  # genre guidance (see guidance.py): 1 = the genre model as it is
MAX_BARS = 128  # the longest conversion; longer sources are cut at this bar
TEMPO_RANGE = (40.0, 240.0)  # quarter notes per minute the studio plays


@dataclass(frozen=True)
class TransferParams:
    """A conversion request: target genre, how freely to rewrite (0 = the source, 1 = free
    writing in the genre), output key (None keeps the source's), sampling and instrument."""

    genre: str
    strength: float = DEFAULT_STRENGTH
    key: str | None = None
    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = 0.95
    seed: int | None = None
    program: int = 0

    def __post_init__(self) -> None:
        if self.genre not in GENRES:
            raise InvalidParamsError("genre", f"expected one of {', '.join(GENRES)}")
        strength = self.strength
        if isinstance(strength, bool) or not isinstance(strength, int | float):
            raise InvalidParamsError("strength", f"must be a number from 0 to 1, got {strength!r}")
        if not 0.0 <= strength <= 1.0:
            raise InvalidParamsError("strength", f"must be a number from 0 to 1, got {strength!r}")


def spell_on_vocabulary(events: list[Event], vocabulary: Vocabulary) -> list[Event]:
    """Events the vocabulary spells exactly, every onset kept in place: a duration it lacks
    becomes the longest it has below, the remainder a rest; rests are split as needed."""
    durations = np.asarray(vocabulary.durations)
    spelled: list[Event] = []
    for event in events:
        pitch, remaining = event.pitch, event.duration
        while remaining > 0:
            ticks = int(durations[durations <= remaining].max())
            spelled.append(Event(None if pitch is None else vocabulary.fold_pitch(pitch), ticks))
            pitch, remaining = None, remaining - ticks
    return spelled


class SourcePlan:
    """The key-normalized source on the vocabulary, indexed by tick for the affinities."""

    def __init__(self, source: Melody, vocabulary: Vocabulary) -> None:
        normalized = source.key_normalized()
        moved = (normalized.tonic - source.tonic) % 12  # key_normalized's move, -6..+5
        self.source_shift = -(moved - 12 if moved > 5 else moved)  # back to the source's pitches
        self.bar_ticks, self.pickup_ticks = source.bar_ticks, source.pickup_ticks
        first_bar_line = self.pickup_ticks or self.bar_ticks  # the pickup bar counts as one
        limit = first_bar_line + (MAX_BARS - 1) * self.bar_ticks
        self.events = spell_on_vocabulary(_cut(normalized.events, limit), vocabulary)
        self.total_ticks = sum(event.duration for event in self.events)
        onsets = Melody(self.events).onsets()
        self.pitch_ids = np.zeros(self.total_ticks, dtype=np.int64)  # (ticks,) sounding pitch
        self.onset = np.zeros(self.total_ticks + 1, dtype=bool)  # (ticks + 1,) incl. the end
        self.event_at: dict[int, Event] = {}
        for tick, event in zip(onsets, self.events, strict=True):
            self.pitch_ids[tick : tick + event.duration] = vocabulary.pitch_id(event.pitch)
            self.onset[tick], self.event_at[tick] = True, event
        self.onset[self.total_ticks] = True
        self.onsets_before = np.concatenate(([0], np.cumsum(self.onset)))  # onsets in [0, t)
        self.boundaries = _phrase_rests(self.events, onsets)  # [(start, end)] ticks, in order
        self.boundary_starts = np.array([start for start, _ in self.boundaries], dtype=np.int64)
        self.contour = _smoothed(self.pitch_ids)
        self.chroma = self._bar_chroma(vocabulary)

    def bar_of(self, tick: int) -> int:
        return (tick + (self.bar_ticks - self.pickup_ticks) % self.bar_ticks) // self.bar_ticks

    def _bar_chroma(self, vocabulary: Vocabulary) -> np.ndarray:
        """(bars, 12) share of each pitch class in each bar's sounding ticks."""
        chroma = np.zeros((self.bars, 12))
        ticks = np.arange(self.total_ticks)
        sounding = self.pitch_ids != vocabulary.REST_ID
        classes = (self.pitch_ids[sounding] - 1 + vocabulary.pitch_low) % 12
        np.add.at(chroma, (self.bar_of(ticks[sounding]), classes), 1.0)
        totals = chroma.sum(axis=1, keepdims=True)
        return np.divide(chroma, totals, out=np.full_like(chroma, 1 / 12), where=totals > 0)

    @property
    def bars(self) -> int:
        before_first_bar = (self.bar_ticks - self.pickup_ticks) % self.bar_ticks
        return -(-(before_first_bar + self.total_ticks) // self.bar_ticks)

    def in_phrase_rest(self, tick: int) -> bool:
        index = int(np.searchsorted(self.boundary_starts, tick, side="right")) - 1
        return index >= 0 and tick < self.boundaries[index][1]

    def next_boundary(self, tick: int) -> int:
        """Start of the first phrase rest after `tick`, else the end."""
        index = int(np.searchsorted(self.boundary_starts, tick, side="right"))
        return self.total_ticks if index == len(self.boundaries) else self.boundaries[index][0]


def _cut(events: list[Event], limit: int) -> list[Event]:
    kept, now = [], 0
    for event in events:
        if now >= limit:
            break
        kept.append(Event(event.pitch, min(event.duration, limit - now)))
        now += event.duration
    return kept


def _phrase_rests(events: list[Event], onsets: list[int]) -> list[tuple[int, int]]:
    """Runs of rest events lasting PHRASE_REST_TICKS or more, merged."""
    spans: list[tuple[int, int]] = []
    for tick, event in zip(onsets, events, strict=True):
        if event.pitch is not None:
            continue
        if spans and spans[-1][1] == tick:
            spans[-1] = (spans[-1][0], tick + event.duration)
        else:
            spans.append((tick, tick + event.duration))
    return [(start, end) for start, end in spans if end - start >= PHRASE_REST_TICKS]


def _smoothed(pitch_ids: np.ndarray) -> np.ndarray:
    """(ticks,) mean sounding pitch id within CONTOUR_TICKS of each tick (rests left out),
    NaN where nothing sounds nearby: the line a rewrite follows, without its ornaments."""
    sounding = (pitch_ids > 0).astype(np.float64)
    window = np.ones(2 * CONTOUR_TICKS + 1)
    sums = np.convolve(pitch_ids * sounding, window, mode="same")
    counts = np.convolve(sounding, window, mode="same")
    return np.divide(sums, counts, out=np.full(len(pitch_ids), np.nan), where=counts > 0)


def pitch_affinity(plan: SourcePlan, vocabulary: Vocabulary, tick: int) -> np.ndarray:
    """(n_pitch,) log-affinity at `tick`: near the source's smoothed line, in the pitch classes
    of its bar, resting where it rests."""
    ids = np.arange(vocabulary.n_pitch)
    affinity = np.zeros(vocabulary.n_pitch)
    if not np.isnan(plan.contour[tick]):
        affinity -= PITCH_PULL * np.abs(ids - plan.contour[tick])
    shares = plan.chroma[min(plan.bar_of(tick), len(plan.chroma) - 1)]
    classes = (ids - 1 + vocabulary.pitch_low) % 12
    affinity += CHROMA_PULL * np.log(
        (shares[classes] + CHROMA_FLOOR) / (shares.max() + CHROMA_FLOOR)
    )
    resting = plan.pitch_ids[tick] == vocabulary.REST_ID
    affinity[vocabulary.REST_ID] = 0.0 if resting else -REST_PULL
    if resting:
        affinity[ids != vocabulary.REST_ID] -= REST_PULL
    return affinity


class TransferStream(MelodyStream):
    """A MelodyStream that rewrites `source` in `transfer.genre` (see the module doc)."""

    guided = True  # every event is chosen here, never by a batch sampler that ignores the source

    def __init__(
        self,
        source: Melody,
        transfer: TransferParams,
        vocabulary: Vocabulary,
        network: LstmNetwork | None = None,
    ) -> None:
        """With `network`, choices are guided toward the genre (GUIDANCE_SCALE); without,
        the genre model is used as it is."""
        self.plan = SourcePlan(source, vocabulary)
        if not self.plan.total_ticks:
            raise InvalidParamsError("source", "the source melody is empty")
        super().__init__(_sampling_params(source, transfer, self.plan.bars), vocabulary)
        self.transfer = replace(transfer, seed=self.params.seed)
        # Another key sits in the octave nearest the source, not nearest C major or A minor.
        self.shift += 12 * round((self.plan.source_shift - self.shift) / 12)
        self.total_ticks = self.plan.total_ticks
        self.source_name = source.name
        strength = transfer.strength
        self.weight = np.inf if strength == 0 else (1.0 - strength) / strength
        self.tick_offset = (self.plan.bar_ticks - self.plan.pickup_ticks) % self.plan.bar_ticks
        use_guidance = network is not None and strength > 0 and GUIDANCE_SCALE != 1
        self.guidance = GenreGuidance(network, GUIDANCE_SCALE) if use_guidance else None
        self.chosen_pitch = vocabulary.REST_ID  # of the event being written, when sampled

    def next_inputs(self) -> tuple[int, int, int, int, int]:
        position = (self.tick - self.plan.pickup_ticks) % self.plan.bar_ticks
        return (*self.previous, self.vocabulary.position_id(position), self.genre_id, self.mode_id)

    def copying(self) -> Event | None:
        """The source event to copy at this tick: all of them at strength 0, phrase rests
        always (strength below 1); None when the network chooses."""
        if self.transfer.strength < 1 and self.plan.in_phrase_rest(self.tick):
            return self.plan.event_at.get(self.tick)
        return self.plan.event_at.get(self.tick) if self.weight == np.inf else None

    def choose_pitch(self, pitch_logits: np.ndarray) -> int:
        if self.guidance is not None:  # the general state reads every event, copied or not
            pitch_logits = self.guidance.pitch_logits(pitch_logits, self.next_inputs())
        copied = self.copying()
        if copied is not None:
            return self.vocabulary.pitch_id(copied.pitch)
        affinity = pitch_affinity(self.plan, self.vocabulary, self.tick)
        self.chosen_pitch = self._draw(pitch_logits, affinity)
        return self.chosen_pitch

    def choose_duration(self, duration_logits: np.ndarray) -> int:
        copied = self.copying()
        if copied is not None:
            return self.vocabulary.duration_id(copied.duration)
        if self.guidance is not None:
            duration_logits = self.guidance.duration_logits(duration_logits, self.chosen_pitch)
        durations = np.asarray(self.vocabulary.durations)
        room = self.plan.next_boundary(self.tick) - self.tick  # ticks to the next phrase rest
        # End on it, or leave at least a sixteenth: no splinters of 1 or 2 ticks before it.
        allowed = (durations == room) | (durations <= room - MIN_GAP_TICKS)
        affinity = RHYTHM_SHARE * self.onset_affinity(durations)
        return self._draw(duration_logits, affinity, allowed)

    def onset_affinity(self, durations: np.ndarray) -> np.ndarray:
        """(n_duration,) log-affinity of ending the event after each duration."""
        ends = np.minimum(self.tick + durations, self.total_ticks)
        on_onset = self.plan.onset[ends]
        skipped = self.plan.onsets_before[ends] - self.plan.onsets_before[self.tick + 1]
        return -ONSET_PULL * ~on_onset - SKIP_PULL * skipped

    def _draw(self, logits: np.ndarray, affinity: np.ndarray, allowed=None) -> int:
        temperature = self.params.temperature
        # sample_next divides by the temperature; the affinity keeps its weight whatever it is.
        guided = logits.astype(np.float64) + temperature * self.weight * affinity
        return draw(guided, self.rng, temperature, self.params.top_p, allowed)

    def accept(self, pitch_id: int, duration_id: int) -> Note | None:
        """As MelodyStream.accept, with note starts counted from the bar line before the
        source's first note, so a pickup stays a pickup when the notes are saved."""
        note = super().accept(pitch_id, duration_id)
        if self.guidance is not None:
            self.guidance.advance()
        if note is None:
            return None
        pitch, start, duration = note
        return pitch, start + self.tick_offset / TICKS_PER_QUARTER, duration

    def song_fields(self) -> dict[str, object]:
        """What a saved song of this stream says beyond its notes: a title, that it is a
        conversion, and the source's bar length so the file keeps its meter."""
        title = f"{self.source_name or 'Melody'} as {self.transfer.genre}"
        return {"title": title[:100], "source_kind": "converted", "bar_ticks": self.plan.bar_ticks}

    def melody(self) -> Melody:
        """Everything written so far, in the output key, on the source's bar grid."""
        normalized_tonic = 0 if self.params.mode == "major" else 9
        normalized = Melody(
            list(self.events),
            self.plan.bar_ticks,
            self.plan.pickup_ticks,
            normalized_tonic,
            self.params.mode,
            self.params.tempo,
        )
        output = normalized.transposed(self.shift)
        output.genre = self.transfer.genre
        output.name = str(self.song_fields()["title"])
        return output


def run_to_end(network: LstmNetwork, streams: list[TransferStream]) -> list[list[Note]]:
    """Write every stream to its end, stepping the unfinished ones together; returns each
    stream's notes as `accept` gave them (pitch, start beats, duration beats)."""
    notes: list[list[Note]] = [[] for _ in streams]
    state = network.initial_state(len(streams))
    while active := [index for index, stream in enumerate(streams) if not stream.done]:
        rows = np.array(active)
        written, state[:, :, rows] = step_streams(
            network, [streams[index] for index in active], state[:, :, rows]
        )
        for index, note in zip(active, written, strict=True):
            if note is not None:
                notes[index].append(note)
    return notes


def _sampling_params(source: Melody, transfer: TransferParams, bars: int) -> SamplingParams:
    low, high = TEMPO_RANGE
    return SamplingParams(
        genre=transfer.genre,
        key=transfer.key or PITCH_NAMES[source.tonic],
        mode=source.mode,
        tempo=min(max(round(source.tempo, 3), low), high),
        bars=min(bars, MAX_BARS),
        temperature=transfer.temperature,
        top_p=transfer.top_p,
        seed=transfer.seed,
        program=transfer.program,
    )
