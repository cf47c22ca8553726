import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { comingChord, describeComing, describeSolo, withAccompaniment } from "../../web/js/rooms/accompany.js";

const announced = (bar, atMs, symbol = "Am") => ({ stream_id: "s", bar, at_ms: atMs, chord: { symbol } });

test("the coming chord is the first announced whose bar has not begun", () => {
  const chords = [announced(11, 1_000), announced(12, 3_000, "F"), announced(13, 5_000, "G")];
  assert.equal(comingChord(chords, 2_000)?.bar, 12);
  assert.equal(comingChord(chords, 3_000)?.bar, 13); // bar 12 has just begun
  assert.equal(comingChord(chords, 6_000), null);
  assert.equal(comingChord([announced(3, null)], 0), null); // the room is paused
  assert.equal(describeComing(announced(12, 3_000)), "Coming: Am at bar 13");
});

test("an accompanying piece asks for its band and no chords of its own", () => {
  const form = (checked) => ({ elements: { namedItem: () => ({ checked }) } });
  const asked = { genre: "pop", key: "C", chords: "C Am F G" };
  assert.deepEqual(withAccompaniment(asked, /** @type {any} */ (form(true))), {
    genre: "pop", key: "C", accompany: true, band: true,
  });
  assert.equal(withAccompaniment(asked, /** @type {any} */ (form(false))), asked);
});

test("a solo is told with its first bar counted from 1 and who asked", () => {
  assert.equal(describeSolo({ bar: 9, bars: 4, display_name: "Clara" }), "The model solos from bar 10 for 4 bars (Clara asked)");
  assert.equal(describeSolo({ bar: 0, bars: 1, display_name: "Li" }), "The model solos from bar 1 for 1 bar (Li asked)");
});
