import assert from "node:assert/strict";
import { test } from "node:test";
import { RoomTransport, roomStatus } from "../../web/js/rooms/roomtransport.js";

test("the room's status line", () => {
  const base = { hasPiece: true, paused: false, complete: true, positionBeats: 4, lengthBeats: 8 };
  assert.equal(roomStatus({ ...base, hasPiece: false }), "Nothing playing");
  assert.equal(roomStatus({ ...base, paused: true }), "Paused");
  assert.equal(roomStatus(base), "Playing");
  assert.equal(roomStatus({ ...base, positionBeats: 8 }), "Finished");
  assert.equal(roomStatus({ ...base, positionBeats: 8, complete: false }), "Playing"); // still being written
});

function room({ isHost = true, playback = "playing", complete = true, expected = 0, heard = 5, received = 8 } = {}) {
  const requests = [];
  const client = {
    isHost,
    piece: { complete, expected_beats: expected },
    state: { playback, tempo: 90 },
    pause: () => requests.push("pause"),
    resume: () => requests.push("resume"),
    seek: (beats) => requests.push(`seek ${beats}`),
  };
  const player = { positionBeats: heard, lengthBeats: received };
  const transport = new RoomTransport({ player, client, act: (request) => request });
  return { transport, requests };
}

test("a live piece is as long as planned until complete; the position stops at its end", () => {
  assert.equal(room({ complete: false, expected: 32 }).transport.plannedBeats, 32);
  assert.equal(room({ complete: true, expected: 32 }).transport.plannedBeats, 8);
  assert.equal(room({ heard: 12 }).transport.positionBeats, 8);
  assert.equal(room().transport.beatsToSeconds(3), 2); // at the room's 90 BPM
});

test("the host's play, pause and seek go to the room; a guest's go nowhere", () => {
  const host = room();
  host.transport.toggle();
  host.transport.seek(4);
  assert.deepEqual(host.requests, ["pause", "seek 4"]);
  const paused = room({ playback: "paused" });
  paused.transport.toggle();
  assert.deepEqual(paused.requests, ["resume"]);
  const guest = room({ isHost: false });
  guest.transport.toggle();
  guest.transport.seek(4);
  assert.deepEqual(guest.requests, []);
  assert.equal(guest.transport.canControl, false);
});
