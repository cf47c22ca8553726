"""One melody being sampled (`MelodyStream`): its RNG, the events so far in the normalized key,
the tick reached, the bar bookkeeping that makes it end on the final bar line, and the chords it
follows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from server.generation.calibration import genre_interval_table, genre_rhythm_table
from server.generation.chord_following import GENRE_SCALE, ChordFollowing
from server.generation.chord_inputs import (
    NO_CHORD_ID,
    progression_chord_ids,
    same_chord_ids_until,
)
from server.generation.lookback import History
from server.generation.melody import (
    TICKS_PER_QUARTER,
    Event,
    Melody,
    normalized_tonic,
    smallest_shift,
    spans_to_events,
)
from server.generation.notes import Note
from server.generation.onset_grid import duration_choices
from server.generation.phrase_returns import phrase_returns_for
from server.generation.progression import Progression
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import Vocabulary

BAR_TICKS = 4 * TICKS_PER_QUARTER  # 4/4


@dataclass(frozen=True)
class Steer:
    """A change to a stream from a bar line on: its genre (None: any), temperature and key (a
    note name; its chords are moved by `key_change`); a field left as None stays as it is
    (`genre` is changed only when `sets_genre`)."""

    tick: int
    sets_genre: bool = False
    genre: str | None = None
    temperature: float | None = None
    key: str | None = None


def _primer_events(params: SamplingParams, shift: int, vocabulary: Vocabulary) -> list[Event]:
    """Primer notes as events in the normalized key, a rest first if they start late."""
    spans = [
        (
            round(start * TICKS_PER_QUARTER),
            round((start + length) * TICKS_PER_QUARTER),
            pitch - shift,
        )
        for pitch, start, length in params.primer
    ]
    if not spans:
        return []
    events = spans_to_events(spans)
    first = min(start for start, _, _ in spans)
    return vocabulary.fit_events(([Event(None, first)] if first else []) + events)


def summed(*biases: np.ndarray | None) -> np.ndarray | None:
    """The sum of the biases given (None: none), None when none is."""
    parts = [bias for bias in biases if bias is not None]
    if len(parts) < 2:
        return parts[0] if parts else None
    total: np.ndarray = np.sum(parts, axis=0)
    return total


class MelodyStream:
    """One melody being sampled, in the normalized key (C major or A minor). The sampler's
    batched step asks it for `next_inputs()`, draws its ids (or lets it choose them itself,
    see `chooses_itself`), then calls `accept`. Bars its form returns bring earlier phrases
    back (`phrase_returns.py`), except in a subclass that turns `RETURNS_PHRASES` off."""

    RETURNS_PHRASES = True
    # How far past the bar of the melody's last written note the band is written, in bars
    # (`LiveStream.band_due`).
    BAND_BARS_AHEAD = 2

    def __init__(self, params: SamplingParams, vocabulary: Vocabulary) -> None:
        self.params = params.with_seed()
        assert self.params.seed is not None  # with_seed() gives every stream one
        self.seed = self.params.seed
        self.vocabulary = vocabulary
        self.rng = np.random.default_rng(self.seed)
        self.shift = smallest_shift(normalized_tonic(params.mode), params.tonic)
        self.total_ticks = params.bars * BAR_TICKS
        self.tick = 0
        self.tick_offset = 0  # the chords' tick at the melody's 0 (a conversion's pickup moves it)
        self.events: list[Event] = []
        self.history = History()  # what the lookback reads (a copied stream copies it too)
        self.no_lookback = (vocabulary.pitch_bos, vocabulary.duration_bos)
        self.primer = _primer_events(params, self.shift, vocabulary)
        self.genre_id = vocabulary.genre_id(params.genre)
        self.duration_choices = duration_choices(params.genre, vocabulary.durations)
        self.intervals = genre_interval_table(params.genre, vocabulary)
        self.rhythm = genre_rhythm_table(params.genre, vocabulary)
        self.last_pitch_id = 0  # the last sounded pitch (0: none yet), for `intervals`
        self.mode_id = vocabulary.mode_id(params.mode)
        self.previous = (vocabulary.pitch_bos, vocabulary.duration_bos)
        self.steers: list[Steer] = []  # changes still to come, in the order given
        # (chords, from tick, until tick, ids): the chord ids last read and where they hold
        self._chords_read: tuple[Progression, int, int, tuple[int, int]] | None = None
        self.follow(self.params.chords)
        self.returns = (
            phrase_returns_for(self.params, vocabulary, BAR_TICKS) if self.RETURNS_PHRASES else None
        )

    def follow(self, chords: Progression | None) -> None:
        """Write over `chords` (in the output key) from the next event on."""
        if chords is not self.params.chords:
            self.params = replace(self.params, chords=chords)
        # The chords move into the normalized key with the melody: minus the output's shift.
        self.chords = None if chords is None else chords.transposed(-self.shift)
        scale = GENRE_SCALE.get(self.params.genre or "", 0.0)
        self.chord_following = (
            None
            if self.chords is None or scale == 0
            else ChordFollowing(self.chords, self.vocabulary, BAR_TICKS, scale)
        )

    def chords_until(self, tick: int) -> None:
        """The band is about to write up to the bar that starts at `tick` (the piece's ticks):
        a stream whose chords are decided as it goes decides them that far here (these are
        decided from the start)."""

    @property
    def done(self) -> bool:
        return self.tick >= self.total_ticks

    @property
    def in_primer(self) -> bool:
        """Whether the next event is the primer's (the stream reads it, it does not choose)."""
        return len(self.events) < len(self.primer)

    @property
    def before_own_notes(self) -> bool:
        """Whether the next event is still the primer's, or the first the stream writes."""
        return len(self.events) <= len(self.primer)

    @property
    def chooses_itself(self) -> bool:
        """Whether the stream picks its next event with `choose_pitch` and `choose_duration`
        (while it plays its primer, or brings a bar back exactly) instead of taking the batch's
        nucleus draw."""
        if self.in_primer:
            return True
        return self.returns is not None and self.returns.copies(self.tick)

    def next_inputs(self) -> tuple[int, ...]:
        """The ids the network reads for the next event, in `lstm.INPUT_NAMES` order: previous
        pitch and duration, position, genre, mode, the chord sounding at the onset and the next
        different one (no chord without a progression), and the lookback."""
        self._apply_due_steers()
        position = self.vocabulary.position_id(self.bar_position())
        chords = (NO_CHORD_ID, NO_CHORD_ID) if self.chords is None else self._chord_ids()
        lookback = self.history.inputs(self.tick, BAR_TICKS, self.no_lookback)
        return (*self.previous, position, self.genre_id, self.mode_id, *chords, *lookback)

    def _chord_ids(self) -> tuple[int, int]:
        """`progression_chord_ids` at the next onset, read again only once the onset leaves
        the chord span it was last read in, or the chords change (a progression is immutable:
        another one is another object)."""
        assert self.chords is not None
        tick = self.tick + self.tick_offset
        read = self._chords_read
        if read is not None and read[0] is self.chords and read[1] <= tick < read[2]:
            return read[3]
        ids = progression_chord_ids(self.chords, tick)
        self._chords_read = (self.chords, tick, same_chord_ids_until(self.chords, tick), ids)
        return ids

    def steer(self, change: Steer) -> None:
        """Apply `change` to the events from its tick on (the engine's next step reads it)."""
        self.steers = [*self.steers, change]

    def _apply_due_steers(self) -> None:
        due = [change for change in self.steers if change.tick <= self.tick]
        if not due:
            return
        self.steers = [change for change in self.steers if change.tick > self.tick]
        for change in due:
            if change.sets_genre:
                self.params = replace(self.params, genre=change.genre)
                self.genre_id = self.vocabulary.genre_id(change.genre)
                self.duration_choices = duration_choices(change.genre, self.vocabulary.durations)
                self.intervals = genre_interval_table(change.genre, self.vocabulary)
                self.rhythm = genre_rhythm_table(change.genre, self.vocabulary)
            if change.temperature is not None:
                self.params = replace(self.params, temperature=change.temperature)
            if change.key is not None:
                self.params = replace(self.params, key=change.key)
                self.shift = smallest_shift(normalized_tonic(self.params.mode), self.params.tonic)
                self.follow(self.params.chords)  # into the normalized key by the new shift

    def bar_position(self) -> int:
        """Ticks into the bar at the next onset."""
        return self.tick % BAR_TICKS

    def pitch_bias(self) -> np.ndarray | None:
        """(n_pitch,) logits to add to the network's: toward the chord under the next note
        (with chords), the pull of a varied returning bar toward its source, and the genre's
        interval calibration from the last sounded pitch; None where none applies, and the
        network's logits are used as they are."""
        chord = None if self.chord_following is None else self.chord_following.pitch_bias(self.tick)
        echo = None if self.returns is None else self.returns.pitch_bias(self.tick)
        return summed(chord, echo, self.interval_bias())

    def interval_bias(self) -> np.ndarray | None:
        """(n_pitch,) the genre's interval calibration from the last sounded pitch; None before
        the first note, or in a genre left as the network writes it."""
        if self.intervals is None or not self.last_pitch_id:
            return None
        row: np.ndarray = self.intervals[self.last_pitch_id]
        return row

    def duration_bias(self) -> np.ndarray | None:
        """(n_duration,) logits to add to the network's for the next event's duration: the
        genre's rhythm calibration at the next onset's place in the beat; None without one."""
        if self.rhythm is None:
            return None
        row: np.ndarray = self.rhythm[self.bar_position() % TICKS_PER_QUARTER]
        return row

    def fitting_durations(self) -> np.ndarray:
        """(n_duration,) bool: the durations that end by the final bar line and, in a genre
        with an onset grid, on it (`onset_grid.py`); only the first where none does both (a
        primer that ended off the grid)."""
        return self.duration_choices.allowed(self.tick, self.total_ticks)

    def choose_pitch(self, pitch_logits: np.ndarray) -> int:
        """The next pitch id when the stream chooses itself: its primer's, or the returning
        bar's."""
        if len(self.events) >= len(self.primer) and self.returns is not None:
            return self.returns.choice(self.tick)[0]
        return self.vocabulary.pitch_id(self.primer[len(self.events)].pitch)

    def choose_duration(self, duration_logits: np.ndarray) -> int:
        """The next duration id when the stream chooses itself: its primer's, or the
        returning bar's."""
        if len(self.events) >= len(self.primer) and self.returns is not None:
            return self.returns.choice(self.tick)[1]
        return self.vocabulary.duration_id(self.primer[len(self.events)].duration)

    def accept(self, pitch_id: int, duration_id: int) -> Note | None:
        """Record the chosen event; returns it as a note in the output key (None for a rest).
        An event that would leave less than a sixteenth before the end is stretched to it."""
        ticks = min(self.vocabulary.duration_ticks(duration_id), self.total_ticks - self.tick)
        if self.total_ticks - self.tick - ticks < TICKS_PER_QUARTER // 4:
            ticks = self.total_ticks - self.tick
        pitch = self.vocabulary.pitch_of(pitch_id)
        self.events.append(Event(pitch, ticks))
        self.history.add(self.tick, pitch_id, duration_id)
        start, self.tick = self.tick, self.tick + ticks
        if self.returns is not None:
            self.returns.record(start, pitch, self.vocabulary.duration_id(ticks))
        self.previous = (pitch_id, duration_id)
        if pitch is None:
            return None
        self.last_pitch_id = pitch_id
        return Note(pitch + self.shift, start, ticks)

    def melody(self) -> Melody:
        """Everything sampled so far, in the requested key."""
        params = self.params
        tonic = normalized_tonic(params.mode)
        normalized = Melody(list(self.events), BAR_TICKS, 0, tonic, params.mode, params.tempo)
        output = normalized.transposed(self.shift)
        output.genre, output.name = params.genre, f"{params.genre or 'any'} in {params.key}"
        return output
