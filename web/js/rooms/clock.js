// @ts-check
// The room clock: this browser's offset to the server's clock, measured with `clock:ping` round
// trips. The server read its clock somewhere inside each round trip, so the fastest round trips
// pin it down best: only the lowest-delay samples are kept, and their median is the offset.
import { CLOCK_PING, emitWithAck } from "../common/socket.js";
import { estimateOffset, pingSample } from "./clockestimate.js";

// The schedule stays within the server's rate limit for `clock:ping` (60 at once, then 2 per
// second, server/sockets/clock.py; docs/protocol.md): at most BURST_MAX_PINGS pings on start,
// one at a time and BURST_GAP_MS apart at least, then one every REFRESH_MS. Change both together.
const BURST_GAP_MS = 40; // on start, pings this often until the estimate is precise
const BURST_MIN_PINGS = 10;
const BURST_MAX_PINGS = 60;
const PRECISE_ROUND_TRIP_MS = 6; // a round trip this fast pins the offset to 3 ms or better
const REFRESH_MS = 2_000; // then one ping now and then catches a quiet moment and drift
const SAMPLES_KEPT = 30;
const BEST_SAMPLES = 5;

/** This browser's wall clock in milliseconds since the Unix epoch, from the monotonic timer. */
export function wallNow() {
  return performance.timeOrigin + performance.now();
}

export class ServerClock extends EventTarget {
  #socket;
  /** @type {import("./clockestimate.js").ClockSample[]} */
  #samples = []; // oldest first
  /** @type {number | null} */
  #offsetMs = null; // server time minus wallNow()
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer = undefined;
  /** @type {Promise<void> | null} */
  #started = null; // the start-up sampling, begun once

  constructor(socket) {
    super();
    this.#socket = socket;
  }

  get ready() { return this.#offsetMs !== null; }
  get offsetMs() { return this.#offsetMs; }
  /** The best round trip so far (ms): the offset is known to within half of it. */
  get bestRoundTripMs() { return Math.min(...this.#samples.map((sample) => sample.roundTripMs)); }

  /** Resolves once a first estimate is made; pings go on quickly until it is precise (or for a
   * while, on a busy machine), then now and then. Each better estimate emits "change". */
  start() {
    this.#started ??= this.#sample(); // once: a second burst would go past the rate limit
    return this.#started;
  }

  async #sample() {
    await this.#burst(BURST_MIN_PINGS);
    this.#burst(BURST_MAX_PINGS - BURST_MIN_PINGS, PRECISE_ROUND_TRIP_MS).then(() => {
      clearInterval(this.#timer);
      this.#timer = setInterval(() => this.#ping(), REFRESH_MS);
    });
  }

  async #burst(pings, untilRoundTripMs = 0) {
    for (let ping = 0; ping < pings && this.bestRoundTripMs > untilRoundTripMs; ping += 1) {
      await this.#ping();
      await new Promise((resolve) => setTimeout(resolve, BURST_GAP_MS));
    }
  }

  stop() {
    clearInterval(this.#timer);
  }

  /** The server's clock now (ms). */
  now() {
    return wallNow() + (this.#offsetMs ?? 0);
  }

  /** The `performance.now()` reading at which the server's clock shows `serverMs`. */
  toPerformanceMs(serverMs) {
    return serverMs - (this.#offsetMs ?? 0) - performance.timeOrigin;
  }

  async #ping() {
    const sent = performance.now();
    const ack = await emitWithAck(this.#socket, CLOCK_PING, {});
    const received = performance.now();
    if (!ack?.ok) return;
    const timeOriginMs = performance.timeOrigin;
    this.#record(pingSample({ sentMs: sent, receivedMs: received, serverMs: ack.server_ms, timeOriginMs }));
  }

  #record(sample) {
    this.#samples.push(sample);
    if (this.#samples.length > SAMPLES_KEPT) this.#samples.shift();
    this.#offsetMs = estimateOffset(this.#samples, BEST_SAMPLES);
    this.dispatchEvent(new Event("change"));
  }
}
