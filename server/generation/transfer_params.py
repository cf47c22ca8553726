"""A style-transfer request: the target genre, how freely to rewrite the source, and the
sampling parameters of the melody stream that rewrites it (transfer.py)."""

from __future__ import annotations

from dataclasses import dataclass

from server.generation.melody import GENRES, PITCH_NAMES, Melody
from server.generation.progression import Progression
from server.generation.sampling_params import InvalidParamsError, SamplingParams

DEFAULT_STRENGTH = 0.6  # docs/style-transfer.md ("Keeping the song"): content 0.81
DEFAULT_TEMPERATURE = 0.8  # a little safer than free generation's 1.0: measured more in-genre
TEMPO_RANGE = (40.0, 240.0)  # quarter notes per minute the studio plays


@dataclass(frozen=True)
class TransferParams:
    """A conversion request: target genre, how freely to rewrite (0 = the source, 1 = free
    writing in the genre), output key (None keeps the source's), sampling and instrument, and
    whether the genre's band plays the chords kept from the source (none when it has none)."""

    genre: str
    strength: float = DEFAULT_STRENGTH
    key: str | None = None
    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = 0.95
    seed: int | None = None
    program: int = 0
    band: bool = False

    def __post_init__(self) -> None:
        if self.genre not in GENRES:
            raise InvalidParamsError("genre", f"expected one of {', '.join(GENRES)}")
        strength = self.strength
        if isinstance(strength, bool) or not isinstance(strength, int | float):
            raise InvalidParamsError("strength", f"must be a number from 0 to 1, got {strength!r}")
        if not 0.0 <= strength <= 1.0:
            raise InvalidParamsError("strength", f"must be a number from 0 to 1, got {strength!r}")
        if not isinstance(self.band, bool):
            raise InvalidParamsError("band", f"is true or false, got {self.band!r}")


def sampling_params(
    source: Melody, transfer: TransferParams, bars: int, chords: Progression | None
) -> SamplingParams:
    """The melody stream's parameters for `transfer` of `source` over `bars` bars and the
    source's re-voiced `chords`; the band plays only over chords."""
    low, high = TEMPO_RANGE
    return SamplingParams(
        genre=transfer.genre,
        key=transfer.key or PITCH_NAMES[source.tonic],
        mode=source.mode,
        tempo=min(max(round(source.tempo, 3), low), high),
        bars=bars,
        temperature=transfer.temperature,
        top_p=transfer.top_p,
        seed=transfer.seed,
        program=transfer.program,
        chords=chords,
        band=transfer.band and chords is not None,
    )
