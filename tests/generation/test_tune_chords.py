"""Chords under simple tunes, as a musician writes them: the key read from the notes, the file's
key signature and the tune's ending; the key's own chords; a chord in every bar the melody
sounds in."""

from __future__ import annotations

from server.generation.chord_key import diatonic_chords, single_line, tune_key
from server.generation.chord_recognizer import MELODY_ONLY, label_notes, midi_to_chords, recognize
from server.generation.chords import NO_CHORD, Chord, Quality, parse_symbol
from server.generation.notes import TICKS_PER_BEAT, Note
from tests.generation.test_midi_io import meta, midi_bytes, note_messages

BAR = 4 * TICKS_PER_BEAT
MARY = "E4 D4 C4 D4 E4 E4 E4- D4 D4 D4- E4 G4 G4- E4 D4 C4 D4 E4 E4 E4 E4 D4 D4 E4 D4 C4---"
TWINKLE = "G4 G4 D5 D5 E5 E5 D5- C5 C5 B4 B4 A4 A4 G4-"
# A minor: i | III | iv | V | i | i | VII | i
MINOR = "A4 B4 C5 A4 E5- E5- F5 E5 D5 C5 B4- E4- A4 B4 C5 A4 E5- A4- G4 B4 D5 G4 A4---"
NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def tune(text: str) -> list[Note]:
    """Notes from 'E4 D4 C4-': a beat each, one more per '-'."""
    notes, start = [], 0
    for word in text.split():
        name, octave, held = word[0], int(word[1]), word.count("-")
        pitch = 12 * (octave + 1) + NAMES[name]
        notes.append(Note(pitch, start, TICKS_PER_BEAT * (1 + held)))
        start += TICKS_PER_BEAT * (1 + held)
    return notes


def spans(notes: list[Note]) -> list[tuple[int, int, int]]:
    return [(note.start, note.end, note.pitch) for note in notes]


def bars(chords: list[Chord]) -> list[set[str]]:
    return [{str(chord) for chord in chords[i : i + 4]} for i in range(0, len(chords), 4)]


def roots(chords: list[Chord], bar: int) -> set[int | None]:
    return {chord.root for chord in chords[bar * 4 : bar * 4 + 4]}


def midi_file(notes: list[Note], key: str) -> bytes:
    """A one-track file of the notes, in 4/4 with the key signature `key`."""
    beats = [(n.pitch, n.start / TICKS_PER_BEAT, n.duration / TICKS_PER_BEAT) for n in notes]
    return midi_bytes([meta(tempo=120, meter=(4, 4), key=key), note_messages(beats)])


def test_mary_had_a_little_lamb_is_read_in_c_major_from_its_ending():
    # C, D, E and G alone fit E minor as well as C major; the long closing C names the key.
    assert tune_key(spans(tune(MARY))) == (0, "major")
    assert tune_key(spans(tune(TWINKLE))) == (7, "major")
    assert tune_key(spans(tune(MINOR))) == (9, "minor")


def test_a_key_signature_is_kept_when_the_notes_agree_and_overruled_when_they_do_not():
    mary = spans(tune(MARY))
    assert tune_key(mary[:7], signature=(0, "major")) == (0, "major")  # E D C D E E E
    e_major = [(i * 12, i * 12 + 12, 64 + step) for i, step in enumerate([0, 4, 7, 8, 11, 6, 0])]
    assert tune_key(e_major, signature=(0, "major")) == (4, "major")  # C major as a placeholder


def test_mary_is_harmonized_c_g_c():
    for chords in (label_notes(tune(MARY)), midi_to_chords(midi_file(tune(MARY), "C"))):
        assert len(chords) == 32
        assert bars(chords)[0] == {"C"} and bars(chords)[-1] == {"C"}
        assert bars(chords)[2] == {"G"}  # D D D-: the dominant, not D major
        assert 7 in roots(chords, 6)  # D D E D
        assert NO_CHORD not in chords


def test_twinkle_twinkle_in_g_opens_and_closes_on_g_with_d_before_the_end():
    chords = label_notes(tune(TWINKLE))
    assert bars(chords)[0] == {"G"}
    assert chords[-1] == parse_symbol("G")
    assert 2 in roots(chords, 3)  # A A G-: the dominant leads home
    assert all(diatonic_chords((7, "major"))[chord.id] for chord in chords)


def test_a_minor_tune_opens_and_closes_on_its_tonic_with_the_dominant_before_it():
    chords = label_notes(tune(MINOR))
    assert bars(chords)[0] == {"Am"} and bars(chords)[-1] == {"Am"}
    assert roots(chords, 3) == {4}  # B- E-: E major or minor
    assert chords[0].quality == Quality.MIN


def test_a_bar_the_melody_sounds_in_always_has_a_chord():
    # A bar of rest in the middle: "no chord" is left for silence only. A lone tune, uploaded
    # or handed over as notes, is read by the melody network, not as an arrangement.
    notes = [note for note in tune(MARY) if not 2 * BAR <= note.start < 3 * BAR]
    answers = [label_notes(notes), midi_to_chords(midi_file(notes, "C"))]
    answers += [recognize(spans(notes), mode=MELODY_ONLY, key=key) for key in ((4, "minor"), None)]
    for chords in answers:
        sounding = [chords[bar * 4 + beat] for bar in (0, 1, 3, 4, 5, 6, 7) for beat in range(4)]
        assert all(chord.is_chord for chord in sounding)


def test_a_tune_alone_is_told_from_an_arrangement():
    assert single_line(spans(tune(MARY)))
    assert single_line([(0, 14, 60), (12, 24, 62)])  # a little legato
    assert not single_line([(0, 24, 60), (0, 24, 64)])
    assert not single_line([(0, 48, 48), (12, 24, 64)])
