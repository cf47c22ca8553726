"""The player's instruments (web/js/music/instruments.js) and the General MIDI program each is
exported as, so a downloaded song opens in other software sounding like the instrument it was made
with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    label: str  # as the player lists it
    program: int  # General MIDI program, 0-based (0 = Acoustic Grand Piano)


# The nearest General MIDI sound to each of the player's recipes (programs counted from 0; the
# General MIDI list counts from 1): docs/music-representation.md.
INSTRUMENTS: dict[str, Instrument] = {
    "piano": Instrument("Grand piano", 0),  # Acoustic Grand Piano
    "fm": Instrument("FM electric piano", 4),  # Electric Piano 1
    "pad": Instrument("AM pad", 89),  # Pad 2 (warm)
    "pluck": Instrument("Pluck", 45),  # Pizzicato Strings
}
DEFAULT_INSTRUMENT = "piano"  # songs saved before instruments were recorded were heard on it


def instrument_named(name: object) -> Instrument:
    """The instrument called `name`; the piano for a missing or unknown name."""
    return INSTRUMENTS.get(name if isinstance(name, str) else "", INSTRUMENTS[DEFAULT_INSTRUMENT])
