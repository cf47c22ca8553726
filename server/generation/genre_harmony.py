"""A song's progression re-voiced for the genre a conversion writes in: the roots and where the
chords change stay the song's, the qualities (and a few approach chords) become the genre's.

- jazz: sevenths on every chord (maj7 on the key's I and IV, a dominant 7 on a chord that
  falls a fifth to the next, min7, half-diminished for diminished), and a bar or more of a
  dominant before its arrival becomes ii7-V7 (the ii on its first half);
- classical: triads, the dominant major in minor keys and a V7 before the tonic (the cadence);
- rock: no sevenths: triads, sus4 kept;
- pop: triads, a sus4 on the first half of a long dominant before the tonic (its suspension
  resolving), sus2 (the studio's add9) on a long IV;
- folk: plain triads, in the key's scale.
"""

from __future__ import annotations

from dataclasses import replace

from server.generation.chords import Chord, Quality
from server.generation.melody import GENRES
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import ChordSpan, Progression

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor; the dominant is raised where the genre does
# A chord at least this long may be split into an approach chord and itself (jazz ii-V, pop sus).
SPLIT_TICKS = 4 * TICKS_PER_BEAT
# Sevenths and sixths to their triads; sus, dim and aug stay as they are.
TRIAD_OF = {
    Quality.DOM7: Quality.MAJ,
    Quality.MAJ7: Quality.MAJ,
    Quality.MAJ6: Quality.MAJ,
    Quality.MIN7: Quality.MIN,
    Quality.MIN6: Quality.MIN,
    Quality.HDIM7: Quality.DIM,
}
# Triads (and the rest) to the jazz seventh of the same colour; maj is chosen by function.
SEVENTH_OF = {
    Quality.MIN: Quality.MIN7,
    Quality.MIN6: Quality.MIN7,
    Quality.DIM: Quality.HDIM7,
    Quality.SUS4: Quality.DOM7,
    Quality.AUG: Quality.DOM7,
}
Key = tuple[int, str]  # (tonic pitch class, "major" or "minor")


def revoiced(progression: Progression, genre: str, key: Key) -> Progression:
    """`progression` in `key` re-voiced for `genre` (see the module doc); no chord stays none."""
    if genre not in GENRES:
        raise ValueError(f"expected one of {', '.join(GENRES)}, got {genre!r}")
    spans = _runs(progression.spans)
    voiced: list[ChordSpan] = []
    for index, span in enumerate(spans):
        following = spans[index + 1].chord if index + 1 < len(spans) else None
        voiced.extend(_voiced_span(span, following, genre, key))
    return replace(progression, spans=tuple(voiced))


def chords_for(
    chords: Progression, genre: str, key: Key, to_tonic: int, bars: int
) -> Progression | None:
    """A song's `chords` (in `key`) as a conversion into `genre` follows them: re-voiced, moved
    to the output key's `to_tonic`, cut at `bars` bars; None when none are left."""
    voiced = revoiced(chords, genre, key).transposed(to_tonic - key[0])
    end = bars * voiced.bar_ticks
    spans = tuple(
        replace(span, duration=min(span.end, end) - span.start)
        for span in voiced.spans
        if span.start < end
    )
    return replace(voiced, spans=spans, bars=bars) if spans else None


def _voiced_span(span: ChordSpan, following: Chord | None, genre: str, key: Key) -> list[ChordSpan]:
    chord = span.chord
    if chord.root is None or chord.quality is None:
        return [span]
    resolves = following is not None and following.root == (chord.root + 5) % 12
    to_tonic = resolves and following is not None and following.root == key[0]
    dominant = resolves and chord.quality in (Quality.MAJ, Quality.DOM7, Quality.SUS4)
    if genre == "jazz":
        quality = _jazz_quality(chord, dominant, key)
        if dominant and span.duration >= SPLIT_TICKS:
            ii = Chord((chord.root + 7) % 12, Quality.MIN7)
            return _split(span, ii, replace(chord, quality=Quality.DOM7))
        return [replace(span, chord=replace(chord, quality=quality))]
    if genre == "classical":
        return [replace(span, chord=_classical_chord(chord, to_tonic, key))]
    triad = replace(chord, quality=_triad_quality(chord, key, keep_sus=genre != "folk"))
    if genre == "pop" and to_tonic and triad.quality == Quality.MAJ:
        if span.duration >= SPLIT_TICKS:
            return _split(span, replace(triad, quality=Quality.SUS4), triad)
    if genre == "pop" and _degree(chord, key) == 4 and span.duration >= 2 * SPLIT_TICKS:
        if triad.quality == Quality.MAJ:
            return _split(span, triad, replace(triad, quality=Quality.SUS2))
    return [replace(span, chord=triad)]


def _jazz_quality(chord: Chord, dominant: bool, key: Key) -> Quality:
    assert chord.quality is not None
    if dominant:
        return Quality.DOM7
    if chord.quality in (Quality.MAJ, Quality.MAJ6, Quality.SUS2):
        # maj7 where the key's scale holds it (I and IV in major), else a dominant 7.
        major_seventh = replace(chord, quality=Quality.MAJ7)
        return Quality.MAJ7 if _in_scale(major_seventh, key) else Quality.DOM7
    return SEVENTH_OF.get(chord.quality, chord.quality)


def _classical_chord(chord: Chord, to_tonic: bool, key: Key) -> Chord:
    """Triads; the chord a fifth above the tonic major (the leading tone) and a V7 before I."""
    quality = _triad_quality(chord, key, keep_sus=False)
    if chord.root == (key[0] + 7) % 12 and quality in (Quality.MIN, Quality.MAJ):
        quality = Quality.DOM7 if to_tonic else Quality.MAJ
    return replace(chord, quality=quality)


def _triad_quality(chord: Chord, key: Key, *, keep_sus: bool) -> Quality:
    """The chord's triad: sevenths and sixths lose them; sus (unless kept) and aug become the
    major or minor triad whose third is in the key's scale."""
    assert chord.quality is not None and chord.root is not None
    quality = TRIAD_OF.get(chord.quality, chord.quality)
    sus = quality in (Quality.SUS2, Quality.SUS4)
    if quality == Quality.AUG or (sus and not keep_sus):
        major_third = (chord.root + 4 - key[0]) % 12 in _scale(key)
        quality = Quality.MAJ if major_third else Quality.MIN
    return quality


def _runs(spans: tuple[ChordSpan, ...]) -> list[ChordSpan]:
    """The spans with a chord written again while it sounds merged into one."""
    runs: list[ChordSpan] = []
    for span in spans:
        if runs and runs[-1].chord == span.chord and runs[-1].end == span.start:
            runs[-1] = replace(runs[-1], duration=span.end - runs[-1].start)
        else:
            runs.append(span)
    return runs


def _split(span: ChordSpan, first: Chord, second: Chord) -> list[ChordSpan]:
    """`span` as `first` on its first half (whole beats) and `second` on the rest."""
    half = span.duration // 2 // TICKS_PER_BEAT * TICKS_PER_BEAT
    return [
        ChordSpan(first, span.start, half),
        ChordSpan(second, span.start + half, span.duration - half),
    ]


def _scale(key: Key) -> tuple[int, ...]:
    return MAJOR_SCALE if key[1] == "major" else MINOR_SCALE


def _in_scale(chord: Chord, key: Key) -> bool:
    assert chord.root is not None
    return all((tone - key[0]) % 12 in _scale(key) for tone in chord.pitch_classes())


def _degree(chord: Chord, key: Key) -> int | None:
    """The scale degree (1..7) of the chord's root in the key, None off the scale."""
    assert chord.root is not None
    step = (chord.root - key[0]) % 12
    scale = _scale(key)
    return scale.index(step) + 1 if step in scale else None
