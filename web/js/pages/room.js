// Room page: every member's player follows the room's clock (the server's), so the same note
// starts at the same moment everywhere; the host's controls ask the server, which tells everyone.
import { api, errorFromPayload } from "../api.js";
import { ServerClock } from "../clock.js";
import { askUser } from "../dialog.js";
import { formatTime } from "../format.js";
import { showFormError } from "../forms.js";
import { copyInviteLink } from "../invite.js";
import { initNav } from "../nav.js";
import { PianoRoll } from "../pianoroll.js";
import { INSTRUMENT_NAMES, Player } from "../player.js";
import { RoomClient } from "../roomclient.js";
import { appendChat, renderMembers } from "../roompeople.js";
import { connectSocket } from "../socket.js";
import { showToast } from "../toast.js";
import { Visualizer } from "../visualizer.js";

const START_MARGIN_MS = 250; // a change is never scheduled sooner: Tone plans 0.1 s ahead
const RESYNC_MS = 5; // a clock estimate moving more than this re-places the transport
const page = document.querySelector("[data-room-page]");
const part = (name) => page.querySelector(`[data-${name}]`);
const player = new Player();
const roll = new PianoRoll(part("player-roll"));
const socket = connectSocket({ onStatus: showConnection });
const clock = new ServerClock(socket);
const client = new RoomClient(socket, page.dataset.inviteToken);
let clockReady = false;
let followedOffset = null;
let savedVolume = 0.8;

/** Beats into the piece at server time `serverMs`, by the room's clock reference. */
function positionAt(state, serverMs) {
  if (state.playback !== "playing") return state.position_beats;
  return Math.max(0, ((serverMs - state.anchor_ms) * state.tempo) / 60_000);
}

/** The audio-clock time (seconds) at which the server's clock reads `serverMs`. */
function audioTimeOf(serverMs, reading = player.audioClockReading()) {
  return reading.contextTime + (clock.toPerformanceMs(serverMs) - reading.performanceMs) / 1000;
}

/** Places this member's transport on the room's clock: from the change's time, or soon. */
function follow() {
  const { state, piece } = client;
  if (!state || !piece || !clockReady || player.audioState !== "running") return;
  const serverAt = Math.max(state.effective_ms, clock.now() + START_MARGIN_MS);
  const playing = state.playback === "playing";
  player.follow({ time: audioTimeOf(serverAt), beats: positionAt(state, serverAt), tempo: state.tempo, playing });
  followedOffset = clock.offsetMs;
  page.dataset.playback = state.playback;
}

function loadPiece(piece) {
  player.load(piece ? piece.notes : [], { tempo: piece?.tempo ?? 120, complete: true });
  roll.setNotes(player.notes, Math.max(piece?.expected_beats ?? 0, player.lengthBeats));
  part("piece-title").textContent = piece ? piece.title : "Waiting for the host to play something";
  part("save-copy").disabled = !piece;
  page.dataset.pieceId = piece?.id ?? "";
  showHostControls();
}

/** Every note as it is scheduled, with the wall-clock time it will be heard (for the page's
 * tests and the sync benchmark). */
function reportSound({ note, time }) {
  const reading = player.audioClockReading();
  const heardAtMs = performance.timeOrigin + reading.performanceMs + (time - reading.contextTime) * 1000;
  const detail = { pieceId: client.piece?.id, start: note.start, pitch: note.pitch, heardAtMs };
  page.dispatchEvent(new CustomEvent("sound", { detail }));
}

function showPosition() {
  const { state, piece } = client;
  const position = state && piece ? player.positionBeats : 0;
  const length = Math.max(piece?.expected_beats ?? 0, player.lengthBeats);
  const seconds = (beats) => (beats * 60) / (state?.tempo ?? 120);
  part("elapsed").textContent = formatTime(seconds(position));
  part("total").textContent = formatTime(seconds(length));
  part("progress").style.width = `${length ? Math.min(100, (100 * position) / length) : 0}%`;
  roll.setPlayhead(piece ? position : null);
  const seek = part("seek");
  seek.max = String(length || 1);
  if (document.activeElement !== seek) seek.value = String(position);
  const finished = piece?.complete && position >= player.lengthBeats && state?.playback === "playing";
  part("playback-status").textContent = !piece ? "Nothing playing"
    : finished ? "Finished" : state?.playback === "paused" ? "Paused" : "Playing";
  requestAnimationFrame(showPosition);
}

function showHostControls() {
  const { state, piece } = client;
  part("host-controls").hidden = !client.isHost;
  part("rename").hidden = !client.isOwner;
  part("close-room").hidden = !client.isOwner;
  page.dataset.host = String(client.isHost);
  const live = piece && !piece.complete;
  part("toggle").disabled = !piece;
  part("toggle").textContent = state?.playback === "playing" ? "Pause" : "Play";
  part("seek").disabled = !piece;
  part("tempo").disabled = !piece || live;
  part("tempo").value = String(state?.tempo ?? 120);
  part("tempo-value").textContent = String(Math.round(state?.tempo ?? 120));
  part("generate").hidden = Boolean(live);
  part("stop").hidden = !live;
}

function showMembers() {
  renderMembers(part("members"), document.querySelector("[data-member-template]"), client.members, {
    you: client.you,
    isOwner: client.isOwner,
    canPassHost: client.isHost || client.isOwner,
    onPassHost: (member) => act(client.passHost(member.id)),
    onRemove: (member) => removeMember(member),
  });
  part("member-count").textContent = `(${client.members.size})`;
}

async function removeMember(member) {
  const sure = await askUser({ title: `Remove ${member.display_name}?`, message: "They leave the room and cannot join again with its link.", confirmLabel: "Remove", danger: true });
  if (sure) act(client.remove(member.id));
}

/** Sends a request and shows a refusal (a member's pause, a limit) as a notice. */
async function act(request) {
  const ack = await request;
  if (!ack.ok) showToast(errorFromPayload(ack.error).message, { tone: "error" });
  return ack;
}

function showError(message) {
  part("room-error").textContent = message;
  part("room-error").hidden = !message;
}

function leftRoom(message) {
  showError(message);
  part("room-body").hidden = true;
  page.dataset.status = "left";
  player.stop();
  socket.disconnect();
}

async function joinRoom() {
  const ack = await client.join();
  if (!ack.ok) {
    leftRoom(errorFromPayload(ack.error).message);
    return;
  }
  showError("");
  part("room-body").hidden = false;
  page.dataset.status = "joined";
  part("chat-log").replaceChildren();
  for (const message of ack.messages) appendChat(part("chat-log"), message);
  part("room-name").textContent = ack.room.name;
  showMembers();
  loadPiece(ack.piece);
  follow();
}

function showConnection(status) {
  const [text, colour] = {
    connected: ["Connected", "bg-mint-400"], reconnected: ["Connected", "bg-mint-400"],
    reconnecting: ["Reconnecting…", "bg-amber-400"], disconnected: ["Offline", "bg-rose-400"],
  }[status];
  part("connection").dataset.status = status;
  part("connection-text").textContent = text;
  part("connection-dot").className = `size-2 rounded-full ${colour}`;
  if (status === "connected" || status === "reconnected") joinRoom();
}

async function startListening() {
  await player.prepare();
  part("listen").hidden = true;
  follow();
}

function bindClient() {
  client.addEventListener("info", (event) => {
    part("room-name").textContent = event.detail.name;
    showHostControls();
  });
  client.addEventListener("members", showMembers);
  client.addEventListener("chat", (event) => appendChat(part("chat-log"), event.detail));
  client.addEventListener("piece", (event) => loadPiece(event.detail)); // its state follows
  client.addEventListener("notes", (event) => player.append(event.detail));
  player.addEventListener("notes", (event) => roll.addNotes(event.detail));
  client.addEventListener("state", () => { follow(); showHostControls(); });
  client.addEventListener("done", (event) => finishedWriting(event.detail));
  client.addEventListener("closed", () => leftRoom("The owner closed this room."));
  client.addEventListener("removed", () => leftRoom("The owner removed you from this room."));
}

function finishedWriting({ songId, error }) {
  showHostControls();
  if (error) showToast(errorFromPayload(error).message, { tone: "error" });
  else if (songId && client.isHost) showToast("The room's melody is saved in your songs.", { tone: "success", link: { href: `/dashboard#song-${songId}`, label: "Open dashboard" } });
}

function bindLocalSound() {
  const instrument = part("instrument");
  for (const [value, label] of Object.entries(INSTRUMENT_NAMES)) instrument.append(new Option(label, value));
  instrument.addEventListener("change", () => player.setInstrument(instrument.value));
  part("volume").addEventListener("input", () => {
    savedVolume = Number(part("volume").value);
    if (part("mute").getAttribute("aria-pressed") === "false") player.setVolume(savedVolume);
  });
  part("mute").addEventListener("click", () => {
    const muted = part("mute").getAttribute("aria-pressed") !== "true";
    part("mute").setAttribute("aria-pressed", String(muted));
    part("mute").textContent = muted ? "Unmute" : "Mute";
    player.setVolume(muted ? 0 : savedVolume);
  });
  player.addEventListener("sound", (event) => reportSound(event.detail));
}

async function fillSongs() {
  const select = part("play-form").elements.song;
  try {
    const { songs } = await api.get("/api/songs");
    select.replaceChildren(...songs.map((song) => new Option(song.title, song.id)));
  } catch (error) {
    showToast(`Your songs could not be listed: ${error.message}`, { tone: "error" });
  }
}

function bindHostControls() {
  part("toggle").addEventListener("click", () => act(client.state?.playback === "playing" ? client.pause() : client.resume()));
  part("seek").addEventListener("change", () => act(client.seek(Number(part("seek").value))));
  part("tempo").addEventListener("change", () => act(client.setTempo(Number(part("tempo").value))));
  part("play-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(client.play(part("play-form").elements.song.value));
  });
  const form = part("generate-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { genre, key, mode, bars, tempo } = form.elements;
    const parameters = { genre: genre.value, key: key.value, mode: mode.value, bars: Number(bars.value), tempo: Number(tempo.value), instrument: part("instrument").value };
    const ack = await client.generate(parameters);
    showFormError(form, ack.ok ? null : errorFromPayload(ack.error));
  });
  part("stop").addEventListener("click", () => act(client.stop()));
}

function bindOwnerActions() {
  part("copy-invite").addEventListener("click", () => copyInviteLink(client.room?.invite_path ?? window.location.pathname));
  part("rename").addEventListener("click", async () => {
    const name = await askUser({ title: "Rename the room", confirmLabel: "Rename", input: { label: "Room name", value: client.room.name, maxLength: 60 } });
    if (name) act(client.rename(name));
  });
  part("close-room").addEventListener("click", async () => {
    const sure = await askUser({ title: "Close this room?", message: "Everyone in it leaves and the link stops working.", confirmLabel: "Close room", danger: true });
    if (sure && (await act(client.close())).ok) window.location.assign("/rooms");
  });
  part("save-copy").addEventListener("click", async () => {
    try {
      const song = await api.post(`/api/rooms/${client.room.id}/copy`, {});
      showToast(`“${song.title}” is saved in your songs.`, { tone: "success", link: { href: `/dashboard#song-${song.id}`, label: "Open dashboard" } });
    } catch (error) {
      showToast(error.message, { tone: "error" });
    }
  });
  part("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = part("chat-form").elements.text;
    if (!input.value.trim()) return;
    const ack = await client.chat(input.value);
    part("chat-error").textContent = ack.ok ? "" : errorFromPayload(ack.error).message;
    part("chat-error").hidden = ack.ok;
    if (ack.ok) input.value = "";
  });
}

function init() {
  initNav();
  bindClient();
  bindLocalSound();
  bindHostControls();
  bindOwnerActions();
  new Visualizer(part("visualizer"), player);
  part("listen").addEventListener("click", startListening);
  player.preload().then(() => { part("listen").hidden = player.audioState === "running"; });
  startListening().catch(() => { part("listen").hidden = false; }); // resumes only after a gesture in most browsers
  clock.addEventListener("change", () => {
    page.dataset.clockOffset = clock.offsetMs.toFixed(1);
    page.dataset.clockPrecision = (clock.bestRoundTripMs / 2).toFixed(1); // ms, at worst
    if (clockReady && Math.abs(clock.offsetMs - (followedOffset ?? clock.offsetMs)) > RESYNC_MS) follow();
  });
  clock.start().then(() => { clockReady = true; follow(); });
  fillSongs();
  requestAnimationFrame(showPosition);
}

init();
