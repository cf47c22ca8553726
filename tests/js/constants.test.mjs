import { MUSIC_CONSTANTS } from "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { musicConstants, parseMusicConstants } from "../../web/js/music/constants.js";

test("the page's constants are read once and frozen", () => {
  const constants = musicConstants();
  assert.equal(constants.ticksPerBeat, 12);
  assert.deepEqual(constants.instruments, MUSIC_CONSTANTS.instruments);
  assert.equal(musicConstants(), constants);
  assert.ok(Object.isFrozen(constants));
});

test("constants with a field missing are refused, naming it", () => {
  const { velocity: _velocity, genres: _genres, ...rest } = MUSIC_CONSTANTS;
  assert.throws(() => parseMusicConstants(JSON.stringify(rest)), /missing velocity, genres/);
  assert.throws(() => parseMusicConstants("null"), /JSON object/);
});
