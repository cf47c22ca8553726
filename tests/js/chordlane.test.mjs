import assert from "node:assert/strict";
import { test } from "node:test";
import "./page.mjs";
import { chordChanges, chordLaneLayout, chordsText } from "../../web/js/player/chordlane.js";
import { ChordFeed, nameChordNotes, notesOfChord } from "../../web/js/music/chordnotes.js";

const DM7 = { symbol: "Dm7", start: 0, duration: 4, pitches: [50, 53, 57, 60] };
const G7 = { symbol: "G7", start: 4, duration: 4, pitches: [55, 59, 62, 65] };
const CMAJ7 = (start) => ({ symbol: "Cmaj7", start, duration: 4, pitches: [48, 52, 55, 59] });
const PIECE = [DM7, G7, CMAJ7(8), CMAJ7(12)];
const melody = (start) => ({ pitch: 72, start, duration: 1, velocity: 90, part: "melody", chord: null });

test("a chord sounds its server-voiced pitches softly, as notes of the chords part", () => {
  const notes = notesOfChord(DM7);
  assert.deepEqual(notes.map((note) => note.pitch), [50, 53, 57, 60]);
  for (const note of notes) {
    assert.deepEqual(
      { start: note.start, duration: note.duration, velocity: note.velocity, part: note.part, chord: note.chord },
      { start: 0, duration: 4, velocity: 64, part: "chords", chord: "Dm7" },
    );
  }
  assert.deepEqual(notesOfChord({ symbol: "N.C.", start: 4, duration: 4, pitches: [] }), []);
});

test("chords are struck once the melody reaches them, each once", () => {
  const feed = new ChordFeed(PIECE);
  assert.deepEqual(feed.notesBefore(0), []);
  assert.deepEqual(new Set(feed.notesBefore(0.5).map((note) => note.chord)), new Set(["Dm7"]));
  assert.deepEqual(feed.notesBefore(4), []); // the melody ends right where G7 starts
  assert.deepEqual(new Set(feed.notesBefore(9).map((note) => note.chord)), new Set(["G7", "Cmaj7"]));
  assert.equal(feed.pending, 1);
  assert.equal(feed.notesBefore(100).length, 4);
  assert.equal(feed.pending, 0);
});

test("chords that frames carry join the feed once, even when a joiner is sent them again", () => {
  const feed = new ChordFeed();
  feed.add([DM7]);
  feed.add([DM7, G7]); // a late joiner's snapshot held Dm7; the next frame carries it again
  assert.equal(feed.pending, 2);
  assert.deepEqual(new Set(feed.notesBefore(5).map((note) => note.chord)), new Set(["Dm7", "G7"]));
  feed.add([G7, CMAJ7(8)]);
  assert.equal(feed.pending, 1);
  assert.deepEqual(new Set(feed.notesBefore(9).map((note) => note.chord)), new Set(["Cmaj7"]));
});

test("the lane shows a symbol where the chord changes, joining a chord struck again", () => {
  const notes = [melody(0), ...PIECE.flatMap(notesOfChord), melody(5)];
  assert.deepEqual(chordChanges(notes), [
    { symbol: "Dm7", start: 0, end: 4 },
    { symbol: "G7", start: 4, end: 8 },
    { symbol: "Cmaj7", start: 8, end: 16 },
  ]);
  assert.deepEqual(chordChanges([melody(0)]), []);
});

test("the lane's labels sit on the roll's beats and scroll with it", () => {
  const changes = chordChanges(PIECE.flatMap(notesOfChord));
  assert.deepEqual(chordLaneLayout(changes, { from: 0, to: 16, playhead: 5 }), [
    { symbol: "Dm7", start: 0, left: 0, width: 0.25, current: false },
    { symbol: "G7", start: 4, left: 0.25, width: 0.25, current: true },
    { symbol: "Cmaj7", start: 8, left: 0.5, width: 0.5, current: false },
  ]);
  // Scrolled on: a chord that began before the view is pinned to its left edge.
  assert.deepEqual(chordLaneLayout(changes, { from: 6, to: 14, playhead: null }), [
    { symbol: "G7", start: 4, left: 0, width: 0.25, current: false },
    { symbol: "Cmaj7", start: 8, left: 0.25, width: 0.75, current: false },
  ]);
  assert.deepEqual(chordLaneLayout(changes, { from: 16, to: 48 }), []);
});

test("a saved song's chord track is named by the song's chords", () => {
  const track = [...notesOfChord(DM7), ...notesOfChord(G7)].map((note) => ({ ...note, chord: null }));
  const named = nameChordNotes([melody(0), ...track], [DM7, G7]);
  assert.deepEqual(named.map((note) => note.chord), [null, "Dm7", "Dm7", "Dm7", "Dm7", "G7", "G7", "G7", "G7"]);
  assert.deepEqual(nameChordNotes(track, []), track);
});

test("a song card lists the chords it was written over, a long progression cut short", () => {
  assert.equal(chordsText(PIECE), "Dm7 G7 Cmaj7");
  assert.equal(chordsText(null), "");
  const long = Array.from({ length: 10 }, (_, bar) => ({ ...(bar % 2 ? G7 : DM7), start: bar * 4 }));
  assert.equal(chordsText(long), "Dm7 G7 Dm7 G7 Dm7 G7 Dm7 G7 …");
});

test("a band's comping off the beat is named by the chord sounding there, one label per chord", () => {
  const comp = (start, pitch) => ({ pitch, start, duration: 0.5, velocity: 64, part: "chords", chord: null });
  const named = nameChordNotes([comp(1.5, 53), comp(3.5, 53), comp(5.5, 55), melody(0)], [DM7, G7]);
  assert.deepEqual(named.map((note) => note.chord), ["Dm7", "Dm7", "G7", null]);
  assert.deepEqual(chordChanges(named).map((change) => change.symbol), ["Dm7", "G7"]);
});
