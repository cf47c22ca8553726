import assert from "node:assert/strict";
import { test } from "node:test";
import { positionAt } from "../../web/js/rooms/roomsync.js";

const playing = { playback: "playing", anchor_ms: 10_000, tempo: 120, position_beats: 0 };

test("a playing room moves at its tempo from its anchor", () => {
  assert.equal(positionAt(playing, 10_000), 0);
  assert.equal(positionAt(playing, 11_500), 3); // 1.5 s at 120 BPM
  assert.equal(positionAt({ ...playing, tempo: 90 }, 12_000), 3);
});

test("before its anchor a playing room waits at the start", () => {
  assert.equal(positionAt(playing, 9_000), 0);
});

test("a paused room holds its position whatever the time", () => {
  const paused = { ...playing, playback: "paused", position_beats: 7.5 };
  assert.equal(positionAt(paused, 99_999), 7.5);
});
