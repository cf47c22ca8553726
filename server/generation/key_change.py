"""Changing the key of a live piece from a bar line (steering): the melody is written in the new
key from that bar on, and the chords from that bar on move with it by the smallest step from the
old tonic to the new, under the melody, in the band and in an accompaniment alike. The mode
stays the piece's.
"""

from __future__ import annotations

from dataclasses import replace

from server.generation.accompanying_melody import AccompanyingMelody
from server.generation.live_stream import LiveStream
from server.generation.melody import smallest_shift
from server.generation.melody_stream import BAR_TICKS, Steer
from server.generation.progression import ChordSpan, Progression
from server.generation.sampling_params import tonic_of


def transposed_from(chords: Progression, tick: int, semitones: int) -> Progression:
    """`chords` with every chord from `tick` on moved by `semitones` (one sounding over `tick`
    is split there)."""
    spans: list[ChordSpan] = []
    for span in chords.spans:
        if span.end <= tick:
            spans.append(span)
            continue
        if span.start < tick:
            spans.append(replace(span, duration=tick - span.start))
            span = replace(span, start=tick, duration=span.end - tick)
        spans.append(replace(span, chord=span.chord.transposed(semitones)))
    return replace(chords, spans=tuple(spans))


def first_bar_to_change(stream: LiveStream) -> int:
    """The first bar of `stream` whose notes and chords have not gone out: past the melody's
    last written bar and the next (whose chord goes out with it), and past the band's bars."""
    bar = stream.melody.tick // BAR_TICKS + 2
    return bar if stream.band is None else max(bar, stream.band.written_bars)


def change_key(stream: LiveStream, bar: int, key: str) -> None:
    """Move `stream` to `key` (a note name, checked) from its bar `bar`, which neither the
    melody nor the band has written yet (the event loop calls this; the melody switches its
    key in its own step, at the bar line)."""
    melody = stream.melody
    tonic = tonic_of(key)
    step = smallest_shift(melody.params.tonic, tonic)
    tick = bar * BAR_TICKS + melody.tick_offset  # the chords' ticks
    if isinstance(melody, AccompanyingMelody):
        melody.accompaniment.change_key(bar, tonic, step)
    chords = melody.params.chords
    if chords is not None:
        melody.params = replace(melody.params, chords=transposed_from(chords, tick, step))
    if stream.band is not None:
        stream.band.change_chords(transposed_from(stream.band.chords, tick, step))
        stream.band.tonic = tonic
    melody.steer(Steer(bar * BAR_TICKS, key=key))
