// @ts-check
// A room jam (docs/protocol.md, "Jam"): the notes this member plays go to the room with the
// room-clock time they were played (they sound here at once, through the keyboard); every other
// member's notes sound at the room-clock time the server gave them, on a voice of their own, and
// are drawn in the roll in that member's colour. Reports each note heard as a "jamsound" event on
// `target` ({userId, pitch, on, atMs, late, heardAtMs (wall clock)}); re-emits steering as
// "proposal" and "steer".
import { JAM_EVENTS, emitWithAck } from "../common/socket.js";
import { audioTimeOf, heardAtMs, positionAt } from "./roomsync.js";

const MEMBER_COLORS = ["#f472b6", "#fbbf24", "#34d399", "#60a5fa", "#c084fc", "#fb923c", "#a3e635", "#22d3ee"];
const HELD_BEATS = 0.25; // how long a note still held is drawn

/** The roll colour of member `userId`: the same on every page. */
export function memberColor(userId) {
  return MEMBER_COLORS[Math.abs(Math.trunc(Number(userId))) % MEMBER_COLORS.length];
}

/**
 * The room time (server ms) at which a note was played, from its `performance.now()` reading.
 * @param {{now: () => number}} clock
 * @param {number} time
 * @param {number} [nowMs] performance.now() at the call
 */
export function playedServerMs(clock, time, nowMs = performance.now()) {
  return clock.now() - (nowMs - time);
}

export class RoomJam extends EventTarget {
  #socket;
  #clock;
  #player;
  #client;
  #roll;
  #target;
  #sounding = new Map(); // "user:pitch" -> the roll note drawn for a note still held
  /** @type {{atMs: number, at: number} | null} the note being handed to the player (its "live" event is synchronous) */
  #scheduling = null;

  /**
   * @param {{socket: any, clock: any, player: any, client: any, roll: any, target: EventTarget}} parts
   */
  constructor({ socket, clock, player, client, roll, target }) {
    super();
    this.#socket = socket;
    this.#clock = clock;
    this.#player = player;
    this.#client = client;
    this.#roll = roll;
    this.#target = target;
    socket.on(JAM_EVENTS.note, (note) => this.#heard(note));
    socket.on(JAM_EVENTS.proposal, (detail) => this.dispatchEvent(new CustomEvent("proposal", { detail })));
    socket.on(JAM_EVENTS.steer, (detail) => this.dispatchEvent(new CustomEvent("steer", { detail })));
    player.addEventListener("live", (/** @type {any} */ event) => this.#report(event.detail));
  }

  /** Sends what `keyboard` (music/keyboard.js, sounding through the player) plays to the room. */
  bindKeyboard(keyboard) {
    keyboard.addEventListener("noteon", (event) => this.#play(event.detail, true));
    keyboard.addEventListener("noteoff", (event) => this.#play(event.detail, false));
  }

  propose(change) { return emitWithAck(this.#socket, JAM_EVENTS.propose, change); }
  steer(change) { return emitWithAck(this.#socket, JAM_EVENTS.steer, change); }
  save() { return emitWithAck(this.#socket, JAM_EVENTS.save, {}); }

  async #play({ pitch, velocity, time }, on) {
    const playedMs = playedServerMs(this.#clock, time);
    this.#draw(this.#client.you, pitch, velocity, on, playedMs);
    const ack = await emitWithAck(this.#socket, JAM_EVENTS.note, { pitch, on, velocity, played_ms: playedMs });
    if (!ack.ok) this.dispatchEvent(new CustomEvent("refused", { detail: ack.error }));
  }

  #heard({ user_id: userId, pitch, velocity, on, at_ms: atMs }) {
    const voice = String(userId);
    const at = audioTimeOf(this.#player, this.#clock, atMs);
    this.#scheduling = { atMs, at };
    if (on) this.#player.noteOn(pitch, velocity, { at, voice });
    else this.#player.noteOff(pitch, { at, voice });
    this.#scheduling = null;
    this.#draw(userId, pitch, velocity, on, atMs);
  }

  /** Another member's note as it will be heard here. */
  #report({ pitch, on, time, voice }) {
    if (!voice) return; // this member's own: heard as played
    const { atMs = null, at = time } = this.#scheduling ?? {};
    const late = time > at + 0.001; // it came too late for its time: the player sounds it at once
    const detail = { userId: Number(voice), pitch, on, atMs, late, heardAtMs: heardAtMs(this.#player, time) };
    this.#target.dispatchEvent(new CustomEvent("jamsound", { detail }));
  }

  /** Draws a note-on in the roll where it falls in the piece, and ends it at its note-off. */
  #draw(userId, pitch, velocity, on, serverMs) {
    const { state } = this.#client;
    if (!state || state.playback !== "playing") return; // no piece moving: nowhere to draw it
    const beats = positionAt(state, serverMs);
    const key = `${userId}:${pitch}`;
    const held = this.#sounding.get(key);
    if (held) {
      held.duration = Math.max(beats - held.start, 1 / 12);
      this.#sounding.delete(key);
      this.#roll.draw();
    }
    if (!on) return;
    const note = { pitch, start: beats, duration: HELD_BEATS, velocity, part: "played", chord: null, color: memberColor(userId) };
    this.#sounding.set(key, note);
    this.#roll.addNotes([note]);
  }
}
