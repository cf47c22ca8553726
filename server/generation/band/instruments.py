"""The General MIDI program each part of the band is exported as, per genre, so a downloaded
song opens in other software with instruments that suit it (programs counted from 0; the
General MIDI list counts from 1)."""

from __future__ import annotations

from server.generation.notes import BASS, CHORDS, DRUMS

DRUM_CHANNEL = 9  # General MIDI channel 10: its notes are drum sounds, not pitches
STANDARD_KIT = 0  # the program that selects the standard kit on the drum channel
PIANO, CELLO = 0, 42
ACOUSTIC_BASS, FINGERED_BASS, PICKED_BASS = 32, 33, 34
STEEL_GUITAR, JAZZ_GUITAR, OVERDRIVEN_GUITAR = 25, 26, 29

# genre -> part -> program; a genre not here plays as pop.
BAND_PROGRAMS: dict[str, dict[str, int]] = {
    "pop": {CHORDS: PIANO, BASS: FINGERED_BASS, DRUMS: STANDARD_KIT},
    "jazz": {CHORDS: PIANO, BASS: ACOUSTIC_BASS, DRUMS: STANDARD_KIT},
    "rock": {CHORDS: OVERDRIVEN_GUITAR, BASS: PICKED_BASS, DRUMS: STANDARD_KIT},
    # The left hand on the piano; a bass line, where a style writes one, on the cello.
    "classical": {CHORDS: PIANO, BASS: CELLO, DRUMS: STANDARD_KIT},
    "folk": {CHORDS: STEEL_GUITAR, BASS: ACOUSTIC_BASS, DRUMS: STANDARD_KIT},
}
DEFAULT_GENRE = "pop"
# The band's parts with a track of their own besides the "Chords" track (which plays the comping):
# part -> (track name, channel). The browser reads a saved song's parts back from these names.
PART_TRACKS: dict[str, tuple[str, int]] = {BASS: ("Bass", 2), DRUMS: ("Drums", DRUM_CHANNEL)}


def band_programs(genre: str | None) -> dict[str, int]:
    """The program of each band part in `genre` (pop's for none or an unknown one)."""
    return BAND_PROGRAMS.get(genre or "", BAND_PROGRAMS[DEFAULT_GENRE])
