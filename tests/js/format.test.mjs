import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatTime } from "../../web/js/common/format.js";

test("seconds read as minutes and seconds, never negative", () => {
  assert.equal(formatTime(83.4), "1:23");
  assert.equal(formatTime(0), "0:00");
  assert.equal(formatTime(600), "10:00");
  assert.equal(formatTime(-5), "0:00");
  assert.equal(formatTime(Number.NaN), "0:00");
});

test("sizes read in the quota's decimal units", () => {
  assert.match(formatBytes(1), /^1 byte$/);
  assert.match(formatBytes(412), /^412 bytes$/);
  assert.match(formatBytes(3400), /^3\.4 kB$/);
  assert.match(formatBytes(999_949), /^999\.9 kB$/);
  assert.match(formatBytes(999_950), /^1 MB$/);
  assert.match(formatBytes(20_000_000), /^20 MB$/);
});
