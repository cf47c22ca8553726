// @ts-check
// The arithmetic of the room clock's estimate (rooms/clock.js): a ping's round trip and offset,
// and the offset of the fastest round trips. No timers, no socket.

/**
 * @typedef {object} ClockSample
 * @property {number} roundTripMs how long the ping took there and back
 * @property {number} offsetMs server time minus this browser's wall clock
 */

/**
 * The middle value (the mean of the two middle ones for an even count).
 * @param {number[]} values
 */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * A ping sent at `sentMs` and answered at `receivedMs` (both `performance.now()`) whose answer
 * says the server read `serverMs`: the server read it, at best guess, half-way.
 * @param {{sentMs: number, receivedMs: number, serverMs: number, timeOriginMs: number}} ping
 * @returns {ClockSample}
 */
export function pingSample({ sentMs, receivedMs, serverMs, timeOriginMs }) {
  const midpoint = timeOriginMs + (sentMs + receivedMs) / 2;
  return { roundTripMs: receivedMs - sentMs, offsetMs: serverMs - midpoint };
}

/**
 * The offset estimate: the median offset of the `best` samples with the fastest round trips.
 * @param {ClockSample[]} samples
 * @param {number} best
 */
export function estimateOffset(samples, best) {
  const fastest = [...samples].sort((a, b) => a.roundTripMs - b.roundTripMs).slice(0, best);
  return median(fastest.map((sample) => sample.offsetMs));
}
