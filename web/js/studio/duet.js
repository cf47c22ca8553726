// @ts-check
// One call-and-response duet over the socket (docs/protocol.md, "Call and response"): start,
// a phrase per turn, stop. Emits "notes" (the answer's, in beats on the duet's timeline, as
// they arrive), "answered" (the model listens again) and "failed", for this duet only.
import { DUET_EVENTS, EVENTS, emitWithAck } from "../common/socket.js";
import { notesFromWire } from "../music/notes.js";

export class DuetSession extends EventTarget {
  #socket;
  #duetId = null;
  #streamId = null; // the answer being written
  #early = new Map(); // stream id -> frames that overtook the phrase's acknowledgement

  constructor(socket) {
    super();
    this.#socket = socket;
    socket.on(EVENTS.generateNotes, (payload) => this.#onNotes(payload));
    socket.on(EVENTS.generateError, (payload) => this.#onError(payload));
    socket.on(DUET_EVENTS.answered, (payload) => this.#onAnswered(payload));
  }

  get active() { return this.#duetId !== null; }

  /** Starts a duet; resolves to the acknowledgement ({ok, duet_id, chords?} or an error). */
  async start(parameters) {
    const ack = await emitWithAck(this.#socket, DUET_EVENTS.start, parameters);
    if (ack?.ok) this.#duetId = ack.duet_id;
    return ack;
  }

  /** Sends a played phrase; resolves to {ok, turn, stream_id, answer_start, answer_end}. */
  async phrase(notes) {
    const ack = await emitWithAck(this.#socket, DUET_EVENTS.phrase, { duet_id: this.#duetId, notes });
    if (!ack?.ok) return ack;
    this.#streamId = ack.stream_id;
    for (const payload of this.#early.get(ack.stream_id) ?? []) this.#onNotes(payload);
    this.#early.clear();
    return ack;
  }

  /** Ends the duet, saved as a song unless `discard`: resolves to {ok, saved, song_id?}. */
  async stop({ discard = false } = {}) {
    const duetId = this.#duetId;
    this.#duetId = null;
    this.#streamId = null;
    if (duetId === null) return { ok: true, saved: false };
    return emitWithAck(this.#socket, DUET_EVENTS.stop, { duet_id: duetId, discard });
  }

  /** The connection dropped: the server has ended the duet (kept as a draft). */
  abandon() {
    const active = this.active;
    this.#duetId = null;
    this.#streamId = null;
    return active;
  }

  #onNotes(payload) {
    if (this.#duetId === null) return;
    if (payload.stream_id === this.#streamId) {
      this.dispatchEvent(new CustomEvent("notes", { detail: notesFromWire(payload.notes) }));
    } else if (this.#streamId === null) {
      const early = this.#early.get(payload.stream_id) ?? [];
      this.#early.set(payload.stream_id, [...early, payload]);
    }
  }

  #onAnswered(payload) {
    if (payload.duet_id !== this.#duetId) return;
    this.#streamId = null;
    this.dispatchEvent(new CustomEvent("answered", { detail: payload }));
  }

  #onError(payload) {
    if (this.#streamId === null || payload.stream_id !== this.#streamId) return;
    this.#streamId = null;
    this.dispatchEvent(new CustomEvent("failed", { detail: payload.error }));
  }
}
