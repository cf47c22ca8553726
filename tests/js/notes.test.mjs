import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeNote, noteEnd, noteFromMidi, noteFromWire, notesFromEvents, notesFromWire } from "../../web/js/music/notes.js";

test("a wire note becomes a note in beats, its index dropped", () => {
  const note = noteFromWire({ index: 3, pitch: 62, start: 0.5, duration: 1.25, velocity: 100 });
  assert.deepEqual(note, { pitch: 62, start: 0.5, duration: 1.25, velocity: 100, part: "melody", chord: null });
});

test("velocity and part take the server's defaults; part and chord pass through", () => {
  assert.equal(noteFromWire({ pitch: 60, start: 0, duration: 1 }).velocity, 90);
  assert.equal(noteFromWire({ pitch: 60, start: 0, duration: 1 }).part, "melody");
  assert.equal(noteFromWire({ pitch: 60, start: 0, duration: 1, chord: "Am7" }).chord, "Am7");
});

test("a frame of wire notes keeps its order", () => {
  const notes = notesFromWire([
    { index: 0, pitch: 62, start: 0, duration: 0.5, velocity: 90 },
    { index: 1, pitch: 65, start: 0.5, duration: 1, velocity: 90 },
  ]);
  assert.deepEqual(notes.map((note) => [note.pitch, note.start, noteEnd(note)]), [[62, 0, 0.5], [65, 0.5, 1.5]]);
});

const BAD_WIRE = [
  ["not an object", null, /expected an object/],
  ["pitch missing", { start: 0, duration: 1 }, /pitch/],
  ["pitch not whole", { pitch: 60.5, start: 0, duration: 1 }, /pitch/],
  ["pitch above MIDI", { pitch: 128, start: 0, duration: 1 }, /pitch/],
  ["start a string", { pitch: 60, start: "0", duration: 1 }, /start/],
  ["start negative", { pitch: 60, start: -1, duration: 1 }, /start/],
  ["duration zero", { pitch: 60, start: 0, duration: 0 }, /duration/],
  ["duration infinite", { pitch: 60, start: 0, duration: Infinity }, /duration/],
  ["velocity zero", { pitch: 60, start: 0, duration: 1, velocity: 0 }, /velocity/],
  ["velocity fractional", { pitch: 60, start: 0, duration: 1, velocity: 80.5 }, /velocity/],
  ["unknown part", { pitch: 60, start: 0, duration: 1, part: "kazoo" }, /part/],
];
for (const [name, wire, message] of BAD_WIRE) {
  test(`a wire note with ${name} is refused, naming the field`, () => {
    assert.throws(() => noteFromWire(wire), message);
  });
}

test("a MIDI file's note: ticks at the file's resolution, velocity 0..1 as 1..127", () => {
  const note = noteFromMidi({ midi: 67, ticks: 720, durationTicks: 240, velocity: 0.5 }, 480);
  assert.deepEqual([note.pitch, note.start, note.duration, note.velocity], [67, 1.5, 0.5, 64]);
  assert.equal(noteFromMidi({ midi: 67, ticks: 0, durationTicks: 1, velocity: 0.001 }, 480).velocity, 1);
});

test("a MIDI note takes the part of its track, the melody unless told", () => {
  const midiNote = { midi: 48, ticks: 0, durationTicks: 1920, velocity: 0.5 };
  assert.equal(noteFromMidi(midiNote, 480).part, "melody");
  assert.equal(noteFromMidi(midiNote, 480, "chords").part, "chords");
  assert.throws(() => noteFromMidi(midiNote, 480, "kazoo"), /unknown part/);
});

test("a melody's events: rests move time on, notes land on the 12-tick grid", () => {
  const notes = notesFromEvents([[60, 12], [null, 6], [64, 4], [67, 8]]);
  assert.deepEqual(notes.map((note) => [note.pitch, note.start, note.duration]), [
    [60, 0, 1], [64, 1.5, 4 / 12], [67, 1.5 + 4 / 12, 8 / 12],
  ]);
  assert.ok(notes.every((note) => note.velocity === 90));
});

test("makeNote is the constructor the others share", () => {
  assert.equal(makeNote({ pitch: 0, start: 0, duration: 0.1, velocity: 127 }).velocity, 127);
  assert.throws(() => makeNote({ pitch: -1, start: 0, duration: 1 }), /pitch/);
});
