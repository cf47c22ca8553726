import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  beatsPerBar, conversionText, melodyToNotes, pitchedTracks, soundsLikeText, sourceFacts, trackLabel,
} from "../../web/js/studio/convertsummary.js";

const analysis = {
  melody_track: 1,
  tracks: [
    { index: 0, name: "Drums", instrument: "Unknown", note_count: 40, is_drums: true },
    { index: 1, name: " ", instrument: "Flute", note_count: 1, is_drums: false },
    { index: 2, name: "Pad", instrument: "Unknown", note_count: 0, is_drums: false },
  ],
  melody_notes: 7, key: "D minor", meter: "6/8", tempo: 96.4, tempo_changes: 1, bars: 2, pickup_beats: 1,
};

test("tracks are named by their name or their place", () => {
  assert.equal(trackLabel(analysis.tracks[1]), "Track 2 · Flute · 1 note");
  assert.equal(trackLabel(analysis.tracks[0]), "Drums · instrument not set · 40 notes");
  assert.deepEqual(pitchedTracks(analysis).map((track) => track.index), [1]);
});

test("the source's facts read as a person says them", () => {
  assert.deepEqual(sourceFacts(analysis), [
    ["Melody", "Track 2, Flute · 7 notes"],
    ["Key", "D minor"],
    ["Meter", "6/8"],
    ["Tempo", "96 BPM, then 1 tempo change"],
    ["Length", "2 bars after a 1-beat pickup"],
  ]);
});

test("beats per bar from the melody's grid, else from the meter", () => {
  assert.equal(beatsPerBar({ ...analysis, melody: { bar_ticks: 36 } }), 3);
  assert.equal(beatsPerBar(analysis), 3);
  assert.equal(beatsPerBar({ ...analysis, meter: "3/4" }), 3);
  assert.equal(beatsPerBar({ ...analysis, meter: "4/4" }), 4);
});

test("the kept melody plays as notes; no melody, no notes", () => {
  const notes = melodyToNotes({ events: [[null, 12], [62, 6]] });
  assert.deepEqual(notes.map((note) => [note.pitch, note.start, note.duration, note.velocity]), [[62, 1, 0.5, 90]]);
  assert.deepEqual(melodyToNotes(undefined), []);
});

test("verdicts and origins", () => {
  assert.equal(soundsLikeText({ genre: "jazz", confidence: 0.871, agreement: null }), "Sounds like jazz · 87%");
  assert.equal(soundsLikeText({ genre: "jazz", confidence: 0.97, agreement: "as_asked" }), "Sounds like jazz, as asked · 97%");
  assert.equal(soundsLikeText({ genre: "folk", asked: "classical", confidence: 0.6, agreement: "leans" }),
    "Classical, as asked · leans folk");
  assert.equal(conversionText({ genre: "jazz" }, "Waltz.mid"), "Converted from Waltz.mid to jazz");
  assert.equal(conversionText({ genre: null }), "Converted");
});
