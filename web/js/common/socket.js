// @ts-check
// The Socket.IO connection to the studio server and the names of its events (docs/protocol.md).
import { io } from "socket.io-client";

export const EVENTS = {
  generateStart: "generate:start",
  generateNotes: "generate:notes",
  generateDone: "generate:done",
  generateError: "generate:error",
  generateStop: "generate:stop",
};

// Call and response in the studio (docs/protocol.md, "Call and response"): the answers come as
// `generate:notes` frames of the stream each `duet:phrase` acknowledges.
export const DUET_EVENTS = {
  start: "duet:start", phrase: "duet:phrase", stop: "duet:stop", answered: "duet:answered",
};

// Listening rooms (docs/protocol.md, "Rooms"): `room:chat` goes both ways.
export const ROOM_EVENTS = {
  join: "room:join", leave: "room:leave", chat: "room:chat", play: "room:play",
  generate: "room:generate", stop: "room:stop", pause: "room:pause", resume: "room:resume",
  seek: "room:seek", tempo: "room:tempo", rename: "room:rename", close: "room:close",
  remove: "room:remove", host: "room:host", state: "room:state", piece: "room:piece",
  presence: "room:presence", info: "room:info", closed: "room:closed", removed: "room:removed",
};
// Room jams (docs/protocol.md, "Jam"): `jam:note` goes both ways; `jam:proposal` answers a
// `jam:propose` to every member; `jam:chord` announces an accompanying piece's next chords and
// `jam:solo` the bars its model leads.
export const JAM_EVENTS = {
  note: "jam:note", propose: "jam:propose", proposal: "jam:proposal", steer: "jam:steer",
  save: "jam:save", chord: "jam:chord", solo: "jam:solo",
};
export const CLOCK_PING = "clock:ping";

const ACK_TIMEOUT_MS = 10_000;

/**
 * Opens the connection (same origin, the session cookie authenticates it) and reports its health
 * to `onStatus(status, detail)`: "connected", "reconnecting" (with the attempt), "disconnected".
 */
/** @param {{onStatus?: (status: string, detail?: unknown) => void}} [options] */
export function connectSocket({ onStatus = () => {} } = {}) {
  const socket = io({ transports: ["websocket"], withCredentials: true });
  let everConnected = false;
  socket.on("connect", () => {
    onStatus(everConnected ? "reconnected" : "connected");
    everConnected = true;
  });
  socket.on("disconnect", (reason) => {
    // The server closing the connection on purpose (logout, account deleted) is not retried.
    onStatus(reason === "io server disconnect" ? "disconnected" : "reconnecting", reason);
  });
  socket.on("connect_error", (error) => onStatus("reconnecting", error.message));
  socket.io.on("reconnect_attempt", (attempt) => onStatus("reconnecting", attempt));
  return socket;
}

/**
 * Emits `event` and resolves to the server's acknowledgement; rejects when the server does not
 * answer in time, so a lost connection never leaves the page waiting forever.
 */
export async function emitWithAck(socket, event, payload) {
  try {
    return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
  } catch {
    return {
      ok: false,
      error: { code: "timeout", message: "The server did not answer. Check your connection." },
    };
  }
}
