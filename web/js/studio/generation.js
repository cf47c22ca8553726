// @ts-check
// One live generation stream over the socket (docs/protocol.md): start, notes, done, error, stop.
// Emits "chords" (those a frame carries, before its notes), "notes", "done" and "failed" events
// for the stream it started, and ignores any other.
import { EVENTS, emitWithAck } from "../common/socket.js";
import { notesFromWire } from "../music/notes.js";

export class LiveGeneration extends EventTarget {
  #socket;
  #streamId = null;
  #starting = false;
  #early = []; // notes that overtook the start acknowledgement

  constructor(socket) {
    super();
    this.#socket = socket;
    socket.on(EVENTS.generateNotes, (payload) => this.#onNotes(payload));
    socket.on(EVENTS.generateDone, (payload) => this.#onDone(payload));
    socket.on(EVENTS.generateError, (payload) => this.#onError(payload));
  }

  get active() {
    return this.#starting || this.#streamId !== null;
  }

  /** Asks for a stream; resolves to the acknowledgement ({ok, stream_id} or {ok: false, error}). */
  async start(parameters) {
    this.#starting = true;
    this.#early = [];
    const ack = await emitWithAck(this.#socket, EVENTS.generateStart, parameters);
    this.#starting = false;
    if (!ack?.ok) return ack ?? { ok: false, error: { message: "The server refused the request." } };
    this.#streamId = ack.stream_id;
    for (const payload of this.#early.splice(0)) this.#onNotes(payload);
    return ack;
  }

  /**
   * Ends the stream, kept (the server saves what was written, then sends "done") or discarded.
   * Resolves to the acknowledgement: {ok, saving, message} says whether a song is coming.
   */
  async stop({ discard = false } = {}) {
    const streamId = this.#streamId;
    if (streamId === null) return { ok: true, saving: false };
    if (discard) this.#streamId = null;
    const ack = await emitWithAck(this.#socket, EVENTS.generateStop, { stream_id: streamId, discard });
    if (!ack.ok || !ack.saving) this.#streamId = null; // nothing more will come for it
    return ack;
  }

  /** The connection dropped: the stream cannot continue, whatever the server does with it. */
  abandon() {
    const streamId = this.#streamId;
    this.#streamId = null;
    this.#starting = false;
    return streamId !== null;
  }

  #onNotes(payload) {
    if (this.#starting && this.#streamId === null) {
      this.#early.push(payload);
    } else if (payload.stream_id === this.#streamId) {
      if (payload.chords?.length) this.dispatchEvent(new CustomEvent("chords", { detail: payload.chords }));
      this.dispatchEvent(new CustomEvent("notes", { detail: notesFromWire(payload.notes) }));
    }
  }

  #onDone(payload) {
    if (payload.stream_id !== this.#streamId) return;
    this.#streamId = null;
    this.dispatchEvent(new CustomEvent("done", { detail: payload }));
  }

  #onError(payload) {
    if (payload.stream_id !== this.#streamId) return;
    this.#streamId = null;
    this.dispatchEvent(new CustomEvent("failed", { detail: payload.error }));
  }
}
