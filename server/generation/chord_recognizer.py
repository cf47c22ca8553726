"""The chord recognizer: one chord per beat under a piece's notes, from the whole arrangement or
from the melody alone, in NumPy (it labels every upload on the server, and the corpora without
chord labels for training).

Each beat is described by pitch-class profiles (the beat, its lowest notes, its neighbours, its
half-bar and bar) and the piece's key. From an arrangement a root-invariant linear model scores
every chord of the vocabulary (weights per quality in the root's frame); from a melody alone a
bidirectional LSTM (`chord_network`) scores them with the whole tune in view. Both are fitted on
POP909 by `training.chords --fit`. A Viterbi pass then keeps a chord until a change pays for
itself, a change priced by where in the bar it falls (and, for the linear model, by how likely
the move is in the piece's key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from server.generation.chord_linear import RecognizerWeights
from server.generation.chord_network import ChordNetwork, key_frame
from server.generation.chords import INTERVALS, VOCABULARY_SIZE, Chord, Quality
from server.generation.melody import Melody, estimate_key
from server.generation.midi_io import file_meter, meter_to_bar_ticks, pitched_parts, read_midi
from server.generation.notes import TICKS_PER_BEAT, Note

Span = tuple[int, int, int]  # (start tick, end tick, MIDI pitch), as midi_parts writes notes
ARRANGEMENT, MELODY_ONLY = "arrangement", "melody"
MODES = (ARRANGEMENT, MELODY_ONLY)
CHECKPOINT_DIR = Path(__file__).resolve().parents[2] / "checkpoints" / "chords"
SLOT_TICKS = 3  # profiles are summed on a sixteenth-note grid
# Bar positions at which a chord change is priced: downbeat, half-bar, any other beat.
DOWNBEAT, HALF_BAR, OFF_BEAT = 0, 1, 2


Recognizer = RecognizerWeights | ChordNetwork


@cache
def shipped_weights(mode: str) -> Recognizer:
    """The fitted model of a mode: the linear one for an arrangement, the network for a
    melody alone."""
    if mode not in MODES:
        raise ValueError(f"the recognizer reads the {' or the '.join(MODES)}, not {mode!r}")
    path = CHECKPOINT_DIR / f"{mode}.npz"
    return ChordNetwork.load(path) if mode == MELODY_ONLY else RecognizerWeights.load(path)


def label_melody(melody: Melody) -> list[Chord]:
    """A chord for every beat of a melody alone (its own bar layout and key), for corpora that
    come without chord labels (jazz solos, folk tunes). Chord i sounds from the melody's tick
    12 * i - melody_lead(melody): beats are counted from the beat line at or before the first
    note, which need not fall on one."""
    lead = melody_lead(melody)
    spans = [(note.start + lead, note.end + lead, note.pitch) for note in melody.notes()]
    return recognize(
        spans,
        mode=MELODY_ONLY,
        bar_ticks=melody.bar_ticks,
        pickup_ticks=melody.pickup_ticks + lead,
        key=(melody.tonic, melody.mode),
    )


def melody_lead(melody: Melody) -> int:
    """Ticks from the beat line at or before a melody's first note to that note."""
    return -melody.pickup_ticks % TICKS_PER_BEAT


def label_notes(
    notes: Iterable[Note], *, bar_ticks: int = 48, pickup_ticks: int = 0
) -> list[Chord]:
    """A chord for every beat under the notes of a whole arrangement (every part together)."""
    spans = [(note.start, note.end, note.pitch) for note in notes]
    return recognize(spans, mode=ARRANGEMENT, bar_ticks=bar_ticks, pickup_ticks=pickup_ticks)


def midi_to_chords(data: bytes) -> list[Chord]:
    """A chord for every beat of a MIDI file (an upload), from all its pitched parts together:
    chord i sounds from the file's beat i."""
    midi, parts, meta = read_midi(data)
    scale = TICKS_PER_BEAT / midi.ticks_per_beat
    spans = [
        (round(start * scale), max(round(end * scale), round(start * scale) + 1), pitch)
        for part in pitched_parts(parts)
        for start, end, pitch in part.notes
    ]
    return recognize(spans, mode=ARRANGEMENT, bar_ticks=meter_to_bar_ticks(file_meter(meta)))


def recognize(
    spans: Sequence[Span],
    *,
    mode: str = ARRANGEMENT,
    bar_ticks: int = 48,
    pickup_ticks: int = 0,
    beats: int | None = None,
    key: tuple[int, str] | None = None,
    weights: Recognizer | None = None,
) -> list[Chord]:
    """One chord per beat (TICKS_PER_BEAT ticks from tick 0) for `beats` beats (as many as the
    notes last when None). Bar lines fall at `pickup_ticks` + k * `bar_ticks`; the key is
    estimated from the notes when not given."""
    model = weights or shipped_weights(mode)
    features, loudness = beat_features(spans, bar_ticks, pickup_ticks, beats=beats, key=key)
    scores = model.scores(features, loudness, bar_ticks, pickup_ticks)
    costs = model.change_cost[bar_positions(len(scores), bar_ticks, pickup_ticks)]
    path = decode(scores, costs, model.moves(key_of_features(features)))
    return [Chord.from_id(int(chord_id)) for chord_id in path]


def decode(
    scores: np.ndarray, change_cost: np.ndarray, transitions: np.ndarray | None = None
) -> np.ndarray:
    """(beats,) chord ids from (beats, chords) log-probabilities: the triad under each beat
    (a major or a minor one, its sevenths and sixths counted with it, or a chord of another
    quality on its own) smoothed over the summed probability of its chords, then the likeliest
    chord of that triad at each beat."""
    path = smooth(by_triad(scores), change_cost, transitions)
    members = np.where(TRIADS[None, :] == path[:, None], scores, -np.inf)
    result: np.ndarray = np.argmax(members, axis=1)
    return result


def _triads() -> np.ndarray:
    """(VOCABULARY_SIZE,) the id of each chord's triad: the major or minor chord on its root
    for a chord whose tones below the minor sixth make one, the chord itself otherwise."""
    triads = np.arange(VOCABULARY_SIZE)
    for chord_id in range(1, VOCABULARY_SIZE):
        chord = Chord.from_id(chord_id)
        assert chord.quality is not None
        low = frozenset(step for step in INTERVALS[chord.quality] if step < 8)
        for quality in (Quality.MAJ, Quality.MIN):
            if low == frozenset(INTERVALS[quality]):
                triads[chord_id] = Chord(chord.root, quality).id
    return triads


TRIADS = _triads()


def by_triad(scores: np.ndarray) -> np.ndarray:
    """(beats, chords) log of each triad's summed probability, in its own chord's column
    (-inf in the columns of the sevenths and sixths counted with it)."""
    summed = np.zeros_like(scores)
    np.add.at(summed.T, TRIADS, np.exp(scores).T)
    with np.errstate(divide="ignore"):
        result: np.ndarray = np.log(summed)
    return result


def merge_beats(chords: Sequence[Chord]) -> list[tuple[int, int, Chord]]:
    """Runs of one chord as (start tick, end tick, chord) spans."""
    runs: list[tuple[int, int, Chord]] = []
    for beat, chord in enumerate(chords):
        start = beat * TICKS_PER_BEAT
        if runs and runs[-1][2] == chord:
            runs[-1] = (runs[-1][0], start + TICKS_PER_BEAT, chord)
        else:
            runs.append((start, start + TICKS_PER_BEAT, chord))
    return runs


def beat_features(
    spans: Sequence[Span],
    bar_ticks: int,
    pickup_ticks: int,
    *,
    beats: int | None = None,
    key: tuple[int, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(beats, blocks, 12) pitch-class profiles, each summing to 1 (or all 0 where silent), and
    (beats, PROFILE_BLOCKS) their loudness: log(1 + beats of sounding notes)."""
    end = max((span[1] for span in spans), default=0)
    count = beats if beats is not None else -(-end // TICKS_PER_BEAT)
    slots = _slot_profiles(spans, count * TICKS_PER_BEAT // SLOT_TICKS)
    per_beat = TICKS_PER_BEAT // SLOT_TICKS
    notes, bass = (profile.reshape(count, per_beat, 12).sum(axis=1) for profile in slots)
    padded = np.pad(notes, ((1, 1), (0, 0)))
    context = padded[:-2] + padded[1:-1] + padded[2:]
    half_bar = _segment_sums(notes, max(bar_ticks // 2, TICKS_PER_BEAT), pickup_ticks)
    bar = _segment_sums(notes, bar_ticks, pickup_ticks)
    raw = np.stack([notes, bass, context, half_bar, bar], axis=1)
    loudness = np.log1p(raw.sum(axis=2) / per_beat)
    sums = raw.sum(axis=2, keepdims=True)
    profiles = np.divide(raw, sums, out=np.zeros_like(raw), where=sums > 0)
    tonic, key_mode = key if key is not None else _key_of(notes)
    keys = np.zeros((count, 2, 12))
    keys[:, 0 if key_mode == "major" else 1, tonic % 12] = 1.0
    return np.concatenate([profiles, keys], axis=1), loudness


def _slot_profiles(spans: Sequence[Span], slots: int) -> tuple[np.ndarray, np.ndarray]:
    """(slots, 12) sounding time of each pitch class per slot, in slots, and (slots, 12) the
    time the lowest sounding note holds each pitch class."""
    notes = np.zeros((slots, 12))
    lowest = np.full(slots, 128)
    for start, end, pitch in spans:
        first, last = max(start, 0) / SLOT_TICKS, min(end, slots * SLOT_TICKS) / SLOT_TICKS
        if last <= first:
            continue
        left, right = int(first), int(np.ceil(last))
        overlap = np.minimum(np.arange(left, right) + 1, last) - np.maximum(
            np.arange(left, right), first
        )
        notes[left:right, pitch % 12] += overlap
        lowest[left:right] = np.minimum(lowest[left:right], pitch)
    bass = np.zeros((slots, 12))
    sounding = np.flatnonzero(lowest < 128)
    bass[sounding, lowest[sounding] % 12] = 1.0
    return notes, bass


def _segment_sums(notes: np.ndarray, length: int, pickup_ticks: int) -> np.ndarray:
    """(beats, 12) the profile of the segment (bar or half-bar from the bar lines) each beat
    falls in."""
    ticks = np.arange(len(notes)) * TICKS_PER_BEAT
    segment = (ticks - pickup_ticks % length + length) // length  # the pickup is segment 0
    sums = np.zeros((int(segment.max(initial=0)) + 1, 12))
    np.add.at(sums, segment, notes)
    result: np.ndarray = sums[segment]
    return result


def _key_of(notes: np.ndarray) -> tuple[int, str]:
    return estimate_key(Melody(), histogram=notes.sum(axis=0))


def bar_positions(beats: int, bar_ticks: int, pickup_ticks: int) -> np.ndarray:
    """(beats,) DOWNBEAT, HALF_BAR or OFF_BEAT for each beat."""
    position = (np.arange(beats) * TICKS_PER_BEAT - pickup_ticks) % bar_ticks
    kinds = np.full(beats, OFF_BEAT)
    kinds[position == bar_ticks // 2] = HALF_BAR
    kinds[position == 0] = DOWNBEAT
    return kinds


def key_of_features(features: np.ndarray) -> tuple[int, str]:
    """The key the features were given (their last two blocks); C major for no beats."""
    tonic, minor = key_frame(features)
    return tonic, "minor" if minor else "major"


def smooth(
    scores: np.ndarray, change_cost: np.ndarray, transitions: np.ndarray | None = None
) -> np.ndarray:
    """(beats,) chord ids: the path maximizing the summed scores (beats, chords), less
    `change_cost` (beats,) at each beat where the chord changes, plus the `transitions`
    (chords, chords) score of each change when given (Viterbi)."""
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    states = scores.shape[1]
    moves = np.zeros((states, states)) if transitions is None else transitions.copy()
    np.fill_diagonal(moves, -np.inf)  # staying is priced by change_cost alone
    best = scores[0].copy()
    came_from = np.zeros(scores.shape, dtype=np.int16)
    for beat in range(1, len(scores)):
        arrivals = best[:, None] + moves  # (from, to)
        origin = np.argmax(arrivals, axis=0)
        switch = arrivals[origin, np.arange(states)] - change_cost[beat]
        stays = best >= switch
        came_from[beat] = np.where(stays, np.arange(states), origin)
        best = np.where(stays, best, switch) + scores[beat]
    path = np.empty(len(scores), dtype=np.int64)
    path[-1] = int(np.argmax(best))
    for beat in range(len(scores) - 1, 0, -1):
        path[beat - 1] = came_from[beat, path[beat]]
    return path
