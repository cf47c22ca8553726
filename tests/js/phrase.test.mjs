import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { PhraseRecorder, barsOf, phraseEnd, snapBeats } from "../../web/js/music/phrase.js";

test("beats snap to the tick grid, or to a coarser step of it", () => {
  assert.equal(snapBeats(1.04, 1), 1); // 12.48 ticks -> 12
  assert.equal(snapBeats(1.05, 1), 13 / 12);
  assert.equal(snapBeats(0.3, 3), 0.25); // sixteenths
  assert.equal(snapBeats(0.4, 3), 0.5);
});

test("a phrase is over a beat after its last note, or at the bar line after it", () => {
  assert.equal(phraseEnd(3.5, "beat"), 4.5);
  assert.equal(phraseEnd(3.5, "bar"), 4);
  assert.equal(phraseEnd(4, "bar"), 4); // ending on the bar line: over at once
  assert.equal(phraseEnd(4.25, "bar"), 8);
});

test("notes played become notes on the grid, in time order", () => {
  const phrase = new PhraseRecorder();
  phrase.noteOn(64, 100, 1.02);
  phrase.noteOn(60, 80, 0.01);
  phrase.noteOff(60, 0.98);
  phrase.noteOff(64, 1.49);
  assert.deepEqual(phrase.notes, [
    { pitch: 60, start: 0, duration: 1, velocity: 80 },
    { pitch: 64, start: 1, duration: 0.5, velocity: 100 },
  ]);
});

test("the phrase is never over while a key is held, nor before anything is played", () => {
  const phrase = new PhraseRecorder();
  assert.equal(phrase.isOver(100, "beat"), false);
  phrase.noteOn(60, 90, 0);
  assert.equal(phrase.isOver(10, "beat"), false);
  phrase.noteOff(60, 1);
  assert.equal(phrase.isOver(1.9, "beat"), false);
  assert.equal(phrase.isOver(2, "beat"), true);
  phrase.noteOn(62, 90, 2.5); // playing on: not over after all
  assert.equal(phrase.isOver(3, "beat"), false);
});

test("waiting for the bar, the phrase ends on the bar line after its last note", () => {
  const phrase = new PhraseRecorder();
  phrase.noteOn(60, 90, 5);
  phrase.noteOff(60, 6);
  assert.equal(phrase.isOver(7.9, "bar"), false);
  assert.equal(phrase.isOver(8, "bar"), true);
});

test("keys pressed before the phrase may start (during the answer) are not part of it", () => {
  const phrase = new PhraseRecorder({ from: 8 });
  phrase.noteOn(60, 90, 7.5);
  phrase.noteOff(60, 8.5);
  assert.equal(phrase.started, false);
  phrase.noteOn(62, 90, 7.99); // a hair early, snapped onto the start
  assert.equal(phrase.started, false);
  phrase.noteOn(64, 90, 8.01);
  phrase.noteOff(64, 9);
  assert.deepEqual(phrase.notes, [{ pitch: 64, start: 8, duration: 1, velocity: 90 }]);
});

test("a key released within a tick still lasts a tick", () => {
  const phrase = new PhraseRecorder({ step: 3 });
  phrase.noteOn(60, 90, 1);
  phrase.noteOff(60, 1.01);
  assert.deepEqual(phrase.notes, [{ pitch: 60, start: 1, duration: 0.25, velocity: 90 }]);
});

test("finishing closes the notes still held at that beat", () => {
  const phrase = new PhraseRecorder();
  phrase.noteOn(60, 90, 0);
  phrase.noteOn(67, 90, 1);
  assert.deepEqual(phrase.finish(2).map((note) => [note.pitch, note.start, note.duration]), [[60, 0, 2], [67, 1, 1]]);
});

const SONG = [
  { pitch: 60, start: 0, duration: 2 },
  { pitch: 62, start: 3.5, duration: 1 }, // crosses into bar 2
  { pitch: 64, start: 4.5, duration: 1 },
  { pitch: 65, start: 8, duration: 4 },
];

test("a bar range of a song starts at beat 0 and keeps only notes that start in it", () => {
  assert.deepEqual(barsOf(SONG, 2, 2), [{ pitch: 64, start: 0.5, duration: 1 }]);
  assert.deepEqual(barsOf(SONG, 2, 3).map((note) => note.start), [0.5, 4]);
});

test("a note that rings past the range's end is cut at it", () => {
  assert.deepEqual(barsOf(SONG, 1, 1), [
    { pitch: 60, start: 0, duration: 2 },
    { pitch: 62, start: 3.5, duration: 0.5 },
  ]);
});
