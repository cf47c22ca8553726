import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateOffset, median, pingSample } from "../../web/js/rooms/clockestimate.js";

test("median of odd and even counts", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("a ping's server reading is taken at the middle of its round trip", () => {
  const sample = pingSample({ sentMs: 100, receivedMs: 110, serverMs: 1_000_205, timeOriginMs: 1_000_000 });
  assert.deepEqual(sample, { roundTripMs: 10, offsetMs: 100 });
});

test("the offset is the median of the fastest round trips only", () => {
  const samples = [
    { roundTripMs: 50, offsetMs: 400 }, // slow: ignored
    { roundTripMs: 2, offsetMs: 10 },
    { roundTripMs: 3, offsetMs: 12 },
    { roundTripMs: 4, offsetMs: 11 },
    { roundTripMs: 90, offsetMs: -300 }, // slow: ignored
  ];
  assert.equal(estimateOffset(samples, 3), 11);
  assert.equal(estimateOffset(samples, 5), 11);
  assert.equal(estimateOffset(samples, 1), 10);
});
