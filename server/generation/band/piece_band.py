"""The band of one piece as its request asks: the genre's style over the piece's chords, seeded
by the piece, or none when the request asks for no band or the piece has no chords."""

from __future__ import annotations

from server.generation.band.arrangement import Band
from server.generation.band.styles import style_for
from server.generation.notes import Note
from server.generation.sampling_params import SamplingParams


def band_for(params: SamplingParams) -> Band | None:
    """The band under a piece of `params` (with its concrete seed), or None."""
    if not params.band or params.chords is None:
        return None
    assert params.seed is not None, "a piece's band is seeded by the piece"
    return Band(
        style_for(params.genre),
        params.chords,
        bars=params.bars,
        seed=params.seed,
        tempo=params.tempo,
        tonic=params.tonic,
        mode=params.mode,
        form=params.form,
    )


def with_band(params: SamplingParams, melody: list[Note]) -> list[Note]:
    """A whole piece's notes: its `melody`, then all of its band's (none without a band)."""
    band = band_for(params)
    return melody if band is None else melody + band.rest()
