"""How much of a source melody another melody keeps: the pitch-contour correlation on a common
eighth-note grid and the per-bar chroma similarity, averaged into one content score (0..1).
Used by the style search to keep a conversion near its source, and by the transfer evaluation
to measure it.
"""

from __future__ import annotations

import numpy as np

from server.generation.melody import TICKS_PER_QUARTER, Melody

GRID_TICKS = TICKS_PER_QUARTER // 2  # the contour is compared at every eighth note


def sounding_pitches(melody: Melody, ticks: int) -> np.ndarray:
    """(ticks // GRID_TICKS,) pitch sounding at each grid point, NaN in rests, over `ticks`."""
    pitches = np.full(ticks, np.nan)
    for onset, event in zip(melody.onsets(), melody.events, strict=True):
        if event.pitch is not None and onset < ticks:
            pitches[onset : onset + event.duration] = event.pitch
    return pitches[::GRID_TICKS]


def contour_correlation(source: Melody, output: Melody) -> float:
    """Pearson correlation of the two pitch lines where both sound, over the shorter of the
    two; 0 when undefined or below 0."""
    ticks = min(source.total_ticks, output.total_ticks)
    a, b = sounding_pitches(source, ticks), sounding_pitches(output, ticks)
    both = ~np.isnan(a) & ~np.isnan(b)
    if both.sum() < 3 or np.std(a[both]) == 0 or np.std(b[both]) == 0:
        return 0.0
    return max(float(np.corrcoef(a[both], b[both])[0, 1]), 0.0)


def bar_chroma(melody: Melody, bars: int) -> np.ndarray:
    """(bars, 12) duration-weighted pitch classes (ticks sounding) per bar of the melody's grid."""
    chroma = np.zeros((bars, 12))
    offset = (melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks
    for onset, event in zip(melody.onsets(), melody.events, strict=True):
        if event.pitch is None:
            continue
        start, end = onset + offset, onset + offset + event.duration
        while start < end:  # one slice per bar the note sounds in
            bar = start // melody.bar_ticks
            stop = min(end, (bar + 1) * melody.bar_ticks)
            if bar < bars:
                chroma[bar, event.pitch % 12] += stop - start
            start = stop
    return chroma


def chroma_similarity(source: Melody, output: Melody) -> float:
    """Mean cosine similarity of per-bar chroma over the bars where the source sounds."""
    bars = -(-(source.total_ticks + source.bar_ticks) // source.bar_ticks)
    a, b = bar_chroma(source, bars), bar_chroma(_on_grid_of(output, source), bars)
    sounding = a.sum(axis=1) > 0
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosine = np.divide((a * b).sum(axis=1), norms, out=np.zeros(bars), where=norms > 0)
    return float(cosine[sounding].mean()) if sounding.any() else 0.0


def _on_grid_of(output: Melody, source: Melody) -> Melody:
    """`output` read with the source's bar length and pickup (both start at tick 0)."""
    return Melody(output.events, source.bar_ticks, source.pickup_ticks, output.tonic, output.mode)


def content_similarity(source: Melody, output: Melody) -> dict[str, float]:
    """{"contour", "chroma", "content"}: the two measures and their mean, each 0..1."""
    contour, chroma = contour_correlation(source, output), chroma_similarity(source, output)
    return {"contour": contour, "chroma": chroma, "content": (contour + chroma) / 2}
