import assert from "node:assert/strict";
import { test } from "node:test";
import { MIXER_PARTS, MixSettings, mixerPart } from "../../web/js/player/mixsettings.js";

/** A Storage stand-in: what localStorage keeps, as strings. */
function memoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
  };
}

const audible = (mix) => MIXER_PARTS.filter((part) => mix.audible(part));

test("every part sounds at unity gain until the listener changes it", () => {
  const mix = new MixSettings();
  assert.deepEqual(audible(mix), ["melody", "chords", "bass", "drums"]);
  assert.equal(mix.gainDb("bass"), 0);
  mix.setVolume("bass", 0.5);
  assert.ok(Math.abs(mix.gainDb("bass") + 6.02) < 0.01);
  mix.setVolume("bass", 0);
  assert.equal(mix.gainDb("bass"), -Infinity);
  mix.setVolume("drums", 7);
  assert.equal(mix.get("drums").volume, 1);
});

test("a muted part is silent, the others play", () => {
  const mix = new MixSettings();
  mix.setMuted("drums", true);
  assert.deepEqual(audible(mix), ["melody", "chords", "bass"]);
  assert.equal(mix.gainDb("drums"), -Infinity);
});

test("solo is exclusive, with `additive` it adds; muting still wins", () => {
  const mix = new MixSettings();
  mix.setSoloed("bass", true);
  assert.deepEqual(audible(mix), ["bass"]);
  mix.setSoloed("drums", true);
  assert.deepEqual(audible(mix), ["drums"]); // a plain solo replaces the one before
  mix.setSoloed("bass", true, { additive: true });
  assert.deepEqual(audible(mix), ["bass", "drums"]);
  mix.setMuted("bass", true);
  assert.deepEqual(audible(mix), ["drums"]);
  mix.setSoloed("drums", false);
  mix.setSoloed("bass", false);
  assert.deepEqual(audible(mix), ["melody", "chords", "drums"]);
});

test("notes a person played sound on the melody's strip", () => {
  const mix = new MixSettings();
  assert.equal(mixerPart("played"), "melody");
  mix.setMuted("melody", true);
  assert.equal(mix.audible("played"), false);
  assert.throws(() => mix.audible("kazoo"), /no part "kazoo"/);
});

test("the mix is kept for the next page; a stored mix that cannot be read is ignored", () => {
  const storage = memoryStorage();
  const first = new MixSettings(storage);
  let changes = 0;
  first.addEventListener("change", () => { changes += 1; });
  first.setVolume("chords", 0.25);
  first.setSoloed("drums", true);
  assert.equal(changes, 2);
  const next = new MixSettings(storage);
  assert.equal(next.get("chords").volume, 0.25);
  assert.deepEqual(audible(next), ["drums"]);

  storage.setItem("cadenza.mix", "{not json");
  assert.deepEqual(audible(new MixSettings(storage)), ["melody", "chords", "bass", "drums"]);
  storage.setItem("cadenza.mix", JSON.stringify({ bass: { volume: 9, muted: "yes" }, melody: { muted: true } }));
  const odd = new MixSettings(storage);
  assert.equal(odd.get("bass").volume, 1);
  assert.deepEqual(audible(odd), ["chords", "bass", "drums"]);
});
