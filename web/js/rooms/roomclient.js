// @ts-check
// One listening room over the socket (docs/protocol.md, "Rooms"): joining with the invite token,
// the room's members, chat, piece and clock state as the server sends them, and the requests
// members, the host and the owner make. Emits "snapshot", "info", "members", "chat", "piece",
// "chords" (a live piece's, as its frames carry them), "notes", "state", "done", "closed" and "removed" events, and "host" (the new host's member
// entry) when the role passes; it never touches audio or the page.
import { EVENTS, ROOM_EVENTS, emitWithAck } from "../common/socket.js";
import { notesFromWire } from "../music/notes.js";

/** A piece as the server sends it, its notes made player notes (music/notes.js). */
function pieceFromWire(piece) {
  return piece && { ...piece, notes: notesFromWire(piece.notes) };
}

export class RoomClient extends EventTarget {
  #socket;
  #token;
  /** @type {{id: string, name: string, owner_id: string, host_id: string, invite_path: string} | null} */
  room = null;
  /** @type {string | null} the signed-in user's id */
  you = null;
  /** @type {Map<string, any>} user id -> {id, display_name, photo_url, host, owner}, in arrival order */
  members = new Map();
  /** @type {any} {id, kind, title, tempo, notes (music/notes.js), complete, stream_id, ...} or null */
  piece = null;
  /** @type {any} the latest room:state ({revision, playback, tempo, ...}) or null */
  state = null;

  constructor(socket, token) {
    super();
    this.#socket = socket;
    this.#token = token;
    const on = (event, handler) => socket.on(event, (payload) => handler.call(this, payload));
    on(ROOM_EVENTS.info, this.#onInfo);
    on(ROOM_EVENTS.presence, this.#onPresence);
    on(ROOM_EVENTS.chat, (message) => this.#emit("chat", message));
    on(ROOM_EVENTS.piece, this.#onPiece);
    on(ROOM_EVENTS.state, this.#onState);
    on(EVENTS.generateNotes, this.#onNotes);
    on(EVENTS.generateDone, (payload) => this.#onDone(payload, null));
    on(EVENTS.generateError, (payload) => this.#onDone(payload, payload.error));
    on(ROOM_EVENTS.closed, (payload) => this.#emit("closed", payload));
    on(ROOM_EVENTS.removed, (payload) => this.#emit("removed", payload));
  }

  get isHost() { return this.room !== null && this.room.host_id === this.you; }
  get isOwner() { return this.room !== null && this.room.owner_id === this.you; }

  /** Joins (again, after a reconnect); resolves to the acknowledgement. */
  async join() {
    const ack = await emitWithAck(this.#socket, ROOM_EVENTS.join, { token: this.#token });
    if (!ack.ok) return ack;
    this.you = ack.you;
    this.room = ack.room;
    this.members = new Map(ack.members.map((member) => [member.id, member]));
    this.piece = pieceFromWire(ack.piece);
    this.state = ack.state;
    this.#emit("snapshot", ack);
    return ack;
  }

  chat(text) { return this.#request(ROOM_EVENTS.chat, { text }); }
  play(songId) { return this.#request(ROOM_EVENTS.play, { song_id: songId }); }
  generate(parameters) { return this.#request(ROOM_EVENTS.generate, parameters); }
  stop() { return this.#request(ROOM_EVENTS.stop, {}); }
  pause() { return this.#request(ROOM_EVENTS.pause); }
  resume() { return this.#request(ROOM_EVENTS.resume); }
  seek(beats) { return this.#request(ROOM_EVENTS.seek, { beats }); }
  setTempo(tempo) { return this.#request(ROOM_EVENTS.tempo, { tempo }); }
  rename(name) { return this.#request(ROOM_EVENTS.rename, { name }); }
  close() { return this.#request(ROOM_EVENTS.close); }
  remove(userId) { return this.#request(ROOM_EVENTS.remove, { user_id: userId }); }
  passHost(userId) { return this.#request(ROOM_EVENTS.host, { user_id: userId }); }

  /** Sends a request; a state in its acknowledgement is applied at once (the broadcast may lag). */
  async #request(event, payload = {}) {
    const ack = await emitWithAck(this.#socket, event, payload);
    if (ack.ok && ack.state) this.#onState(ack.state);
    return ack;
  }

  #onInfo(room) {
    const hostChanged = this.room !== null && this.room.host_id !== room.host_id;
    this.room = room;
    for (const member of this.members.values()) {
      member.host = member.id === room.host_id;
      member.owner = member.id === room.owner_id;
    }
    this.#emit("info", room);
    this.#emit("members", this.members);
    if (hostChanged) this.#emit("host", this.members.get(room.host_id) ?? null);
  }

  #onPresence({ member, present }) {
    if (present) this.members.set(member.id, member);
    else this.members.delete(member.id);
    this.#emit("members", this.members);
  }

  #onPiece(wirePiece) {
    const piece = pieceFromWire(wirePiece);
    this.piece = piece;
    this.#emit("piece", piece);
  }

  #onState(state) {
    // An older change, or one already applied (the acknowledgement and the broadcast).
    if (this.state && state.revision <= this.state.revision) return;
    this.state = state;
    this.#emit("state", state);
  }

  #onNotes({ stream_id: streamId, notes, chords }) {
    const piece = this.piece;
    if (!piece || piece.stream_id !== streamId) return; // not this room's live piece
    if (chords?.length) this.#emit("chords", chords); // before the notes they go with
    const wire = notes.filter((note) => note.index >= piece.notes.length); // a joiner's overlap
    if (wire.length === 0) return;
    const fresh = notesFromWire(wire);
    piece.notes.push(...fresh);
    this.#emit("notes", fresh);
  }

  #onDone(payload, error) {
    if (!this.piece || this.piece.stream_id !== payload.stream_id) return;
    this.piece.complete = true;
    if (payload.song_id) this.piece.song_id = payload.song_id;
    this.#emit("done", { songId: payload.song_id ?? null, error });
  }

  #emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}
