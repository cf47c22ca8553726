import assert from "node:assert/strict";
import { test } from "node:test";
import { DRUM_ROW_NAMES, drumRow, pitchRange, rollLanes, visibleBeats } from "../../web/js/player/rollgeometry.js";

test("no notes: two octaves around middle C", () => {
  assert.deepEqual(pitchRange([]), { low: 48, high: 72 });
});

test("a narrow melody is padded evenly to the least span", () => {
  assert.deepEqual(pitchRange([{ pitch: 60 }, { pitch: 64 }]), { low: 50, high: 74 });
  assert.deepEqual(pitchRange([{ pitch: 60 }, { pitch: 63 }], 12), { low: 56, high: 68 });
});

test("a wide melody keeps its own range, a semitone either side", () => {
  assert.deepEqual(pitchRange([{ pitch: 40 }, { pitch: 90 }]), { low: 39, high: 91 });
});

test("a short song fits whole, at least 8 beats", () => {
  assert.deepEqual(visibleBeats({ lengthBeats: 3, windowBeats: 32, playhead: 2 }), { from: 0, to: 8 });
  assert.deepEqual(visibleBeats({ lengthBeats: 20, windowBeats: 32, playhead: 19 }), { from: 0, to: 20 });
});

test("a long song scrolls: the playhead a quarter in, never past either end", () => {
  const view = (playhead) => visibleBeats({ lengthBeats: 100, windowBeats: 32, playhead });
  assert.deepEqual(view(null), { from: 0, to: 32 });
  assert.deepEqual(view(4), { from: 0, to: 32 });
  assert.deepEqual(view(50), { from: 42, to: 74 });
  assert.deepEqual(view(99), { from: 68, to: 100 });
});

test("drums get a lane under the pitch rows, one row per kind of kit piece", () => {
  assert.deepEqual(rollLanes(200, false), { pitchHeight: 200, drumTop: 200, drumRowHeight: 0 });
  const { pitchHeight, drumTop, drumRowHeight } = rollLanes(200, true);
  assert.equal(pitchHeight, drumTop);
  assert.equal(drumTop + drumRowHeight * DRUM_ROW_NAMES.length, 200);
  const rowName = (pitch) => DRUM_ROW_NAMES[drumRow(pitch)];
  assert.deepEqual([36, 38, 37, 42, 46, 45, 51, 49, 54, 82].map(rowName), [
    "Kick", "Snare", "Snare", "Hi-hat", "Hi-hat", "Toms", "Cymbals", "Cymbals", "Percussion", "Percussion",
  ]);
  assert.ok(drumRow(49) < drumRow(42) && drumRow(42) < drumRow(38) && drumRow(38) < drumRow(36));
});
