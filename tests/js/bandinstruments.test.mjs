import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { bandInstrumentName, instrumentLabel } from "../../web/js/music/bandinstruments.js";
import { kitPiece } from "../../web/js/music/drumkit.js";
import { partsPresent } from "../../web/js/player/partcolors.js";

test("each genre's band: the comping and bass it plays on, drums on the kit", () => {
  const band = (genre) => ["melody", "chords", "bass", "drums"].map((part) => bandInstrumentName(part, genre, "pad"));
  assert.deepEqual(band("jazz"), ["pad", "piano", "uprightBass", "kit"]);
  assert.deepEqual(band("classical"), ["pad", "piano", "cello", "kit"]);
  assert.deepEqual(band("rock"), ["pad", "guitar", "electricBass", "kit"]);
  assert.deepEqual(band("folk"), ["pad", "acousticGuitar", "uprightBass", "kit"]);
  assert.deepEqual(band(null), ["pad", "piano", "electricBass", "kit"]);
  assert.deepEqual(band("any"), band(null));
  assert.equal(instrumentLabel("fm"), "FM electric piano");
  assert.equal(instrumentLabel("cello"), "Cello");
  assert.equal(instrumentLabel("uprightBass"), "Upright bass");
});

test("the kit plays every General MIDI drum note the band writes", () => {
  const pieces = [36, 38, 37, 42, 44, 46, 49, 51, 53, 45, 47, 48, 50, 54, 70, 82].map(kitPiece);
  assert.deepEqual(pieces, [
    "kick", "snare", "sideStick", "closedHat", "pedalHat", "openHat", "crash", "ride", "rideBell",
    "lowTom", "midTom", "highTom", "highTom", "tambourine", "shaker", "shaker",
  ]);
  assert.equal(kitPiece(81), "shaker"); // a note the kit has no piece for
});

test("the legend lists the parts a piece has, melody first", () => {
  const notes = ["drums", "melody", "bass", "drums"].map((part) => ({ part }));
  assert.deepEqual(partsPresent(notes), ["melody", "bass", "drums"]);
  assert.deepEqual(partsPresent([]), []);
});
