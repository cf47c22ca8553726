"""The progressions the studio offers for each genre, written once as Roman numerals so that they
sound in any key: I-V-vi-IV for pop, ii-V-I for jazz, the 12-bar blues, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.generation.progression import Progression, ProgressionError
from server.generation.progression_text import parse_progression, read_key


@dataclass(frozen=True)
class Preset:
    """A named progression: `major` and `minor` are its Roman numerals in either mode,
    `genres` those it suits (the first is the one it is shown under)."""

    name: str
    label: str  # as the studio lists it
    genres: tuple[str, ...]
    major: str
    minor: str

    def numerals(self, mode: str) -> str:
        return self.minor if mode == "minor" else self.major


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("pop", "I–V–vi–IV", ("pop", "rock"), "I V vi IV", "i VI III VII"),
        Preset("doo-wop", "I–vi–IV–V", ("pop",), "I vi IV V", "i VI iv V"),
        Preset("ii-v-i", "ii–V–I", ("jazz",), "ii7 V7 Imaj7 Imaj7", "iiø7 V7 i6 i6"),
        Preset("turnaround", "I–vi–ii–V", ("jazz", "classical"), "I vi ii V", "i VI ii° V"),
        Preset(
            "blues",
            "12-bar blues",
            ("jazz", "rock"),
            "I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",
            "i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7",
        ),
        Preset("rock", "I–bVII–IV–I", ("rock",), "I bVII IV I", "i VI VII i"),
        Preset("cadence", "I–IV–V–I", ("classical", "folk"), "I IV V I", "i iv V i"),
        Preset("folk", "I–IV–I–V", ("folk",), "I IV I V", "i VII i v"),
    )
}


def preset(name: str, key: str = "C", mode: str = "major", beats_per_bar: int = 4) -> Progression:
    """The preset called `name` in `key` and `mode`, one chord a bar."""
    chosen = PRESETS.get(name)
    if chosen is None:
        raise ProgressionError(
            f'There is no preset progression called "{name}": choose one of {", ".join(PRESETS)}.',
            token=name,
        )
    # A key that names its mode ("Am") chooses the minor numerals too.
    key_mode = read_key(key, mode)
    mode = mode if key_mode is None else key_mode[1]
    return parse_progression(chosen.numerals(mode), key=key, mode=mode, beats_per_bar=beats_per_bar)


def presets_for(genre: str | None) -> list[Preset]:
    """The presets that suit `genre`, those shown under it first; all of them for any genre."""
    if genre is None:
        return list(PRESETS.values())
    suited = [preset for preset in PRESETS.values() if genre in preset.genres]
    return sorted(suited, key=lambda preset: preset.genres.index(genre))
