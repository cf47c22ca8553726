// @ts-check
// Keeps one member's player on the room's clock (docs/protocol.md, "room:state"): the server's
// clock reference becomes a transport start at the right audio time and position, so every
// member starts each note at the same moment. Reports each scheduled note as a "sound" event
// on `target` with the wall-clock time it will be heard.
const START_MARGIN_MS = 250; // a change is never scheduled sooner: Tone plans 0.1 s ahead
const RESYNC_MS = 5; // a clock estimate that moves more than this re-places the transport

/** Beats into the piece at server time `serverMs`, by the room's clock reference. */
export function positionAt(state, serverMs) {
  if (state.playback !== "playing") return state.position_beats;
  return Math.max(0, ((serverMs - state.anchor_ms) * state.tempo) / 60_000);
}

/**
 * The audio-clock time (seconds) at which the server's clock reads `serverMs`.
 * @param {{audioClockReading: () => {contextTime: number, performanceMs: number}}} player
 * @param {{toPerformanceMs: (serverMs: number) => number}} clock
 * @param {number} serverMs
 */
export function audioTimeOf(player, clock, serverMs) {
  const reading = player.audioClockReading();
  return reading.contextTime + (clock.toPerformanceMs(serverMs) - reading.performanceMs) / 1000;
}

/**
 * The wall-clock time (ms) at which audio time `time` (seconds) is heard.
 * @param {{audioClockReading: () => {contextTime: number, performanceMs: number}}} player
 * @param {number} time
 */
export function heardAtMs(player, time) {
  const reading = player.audioClockReading();
  return performance.timeOrigin + reading.performanceMs + (time - reading.contextTime) * 1000;
}

export class RoomFollower {
  #player;
  #clock;
  #client;
  #target;
  #clockReady = false;
  #followedOffset = null;

  constructor({ player, clock, client, target }) {
    this.#player = player;
    this.#clock = clock;
    this.#client = client;
    this.#target = target;
    player.addEventListener("sound", (event) => this.#report(event.detail));
    clock.addEventListener("change", () => this.#clockChanged());
    clock.start().then(() => {
      this.#clockReady = true;
      this.follow();
    });
  }

  /** Places the transport on the room's clock: from the change's time, or just ahead of now. */
  follow() {
    const { state, piece } = this.#client;
    if (!state || !piece || !this.#clockReady || this.#player.audioState !== "running") return;
    const serverAt = Math.max(state.effective_ms, this.#clock.now() + START_MARGIN_MS);
    this.#player.follow({
      time: audioTimeOf(this.#player, this.#clock, serverAt),
      beats: positionAt(state, serverAt),
      tempo: state.tempo,
      playing: state.playback === "playing",
    });
    this.#followedOffset = this.#clock.offsetMs;
    this.#target.dataset.playback = state.playback;
  }

  #clockChanged() {
    const clock = this.#clock;
    this.#target.dataset.clockOffset = clock.offsetMs.toFixed(1);
    this.#target.dataset.clockPrecision = (clock.bestRoundTripMs / 2).toFixed(1); // ms, at worst
    const moved = Math.abs(clock.offsetMs - (this.#followedOffset ?? clock.offsetMs));
    if (this.#clockReady && moved > RESYNC_MS) this.follow();
  }

  #report({ note, time }) {
    const { start, pitch, part } = note;
    const detail = { pieceId: this.#client.piece?.id, start, pitch, part, heardAtMs: heardAtMs(this.#player, time) };
    this.#target.dispatchEvent(new CustomEvent("sound", { detail }));
  }
}
