import assert from "node:assert/strict";
import { test } from "node:test";

test("a page without the constants says what is missing", async () => {
  globalThis.document = { getElementById: () => null };
  const { musicConstants } = await import("../../web/js/music/constants.js");
  assert.throws(() => musicConstants(), /music constants missing.*music-constants/);
});
