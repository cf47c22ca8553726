// Room page: every member's player follows the room's clock (the server's), so the same note
// starts at the same moment everywhere. It plays through the one PlayerBar, whose play, pause and
// seek are the host's and ask the server (rooms/roomtransport.js), which tells everyone.
import { api, errorFromPayload } from "../common/api.js";
import { ServerClock } from "../rooms/clock.js";
import { askUser } from "../common/dialog.js";
import { bindChordField, chordsParameter } from "../studio/chordfield.js";
import { ChordFeed } from "../music/chordnotes.js";
import { showFormError } from "../common/forms.js";
import { copyInviteLink } from "../rooms/invite.js";
import { initNav } from "../common/nav.js";
import { bindJamPanel } from "../rooms/jampanel.js";
import { bindComingChord, bindSoloControl, withAccompaniment } from "../rooms/accompany.js";
import { bindKeyboardPanel } from "../music/keyboardpanel.js";
import { noteEnd } from "../music/notes.js";
import { Player } from "../player/player.js";
import { PlayerBar } from "../player/playerbar.js";
import { RoomClient } from "../rooms/roomclient.js";
import { appendChat, renderMembers } from "../rooms/roompeople.js";
import { RoomFollower } from "../rooms/roomsync.js";
import { RoomJam } from "../rooms/jam.js";
import { RoomTransport } from "../rooms/roomtransport.js";
import { connectSocket } from "../common/socket.js";
import { showToast } from "../common/toast.js";
import { showConnectionStatus, showConnectionText } from "../common/connectionbadge.js";

const page = document.querySelector("[data-room-page]");
const part = (name) => page.querySelector(`[data-${name}]`);
const player = new Player();
const socket = connectSocket({ onStatus: showConnection });
const client = new RoomClient(socket, page.dataset.inviteToken);
const playerBar = new PlayerBar(part("player"), player, {
  transport: new RoomTransport({ player, client, act }),
});
const clock = new ServerClock(socket);
const follower = new RoomFollower({ player, clock, client, target: page });
const jam = new RoomJam({ socket, clock, player, client, roll: playerBar.roll, target: page });
const jamPanel = bindJamPanel(part("jam-panel"), jam, client);
bindComingChord(part("coming-chord"), socket, clock);
bindSoloControl(part("solo-form"), part("solo-status"), socket);

// The piece's chords, struck as notes of its "chords" part once its melody reaches them, as the
// studio does: for a live piece as the notes arrive, for a finished one at once.
let chordFeed = new ChordFeed([]);
let melodyEnd = 0;

function loadPiece(piece) {
  const notes = piece ? piece.notes : [];
  chordFeed = new ChordFeed(piece?.chords ?? []);
  melodyEnd = Math.max(0, ...notes.map(noteEnd));
  const options = { tempo: piece?.tempo ?? 120, complete: true, genre: piece?.genre ?? null };
  player.load([...notes, ...chordFeed.notesBefore(melodyEnd)], options);
  playerBar.setSong({ title: piece ? piece.title : "Waiting for the host to play something" });
  playerBar.showNotes();
  part("save-copy").disabled = !piece;
  page.dataset.pieceId = piece?.id ?? "";
  showHostControls();
}

function showHostControls() {
  const { state, piece } = client;
  const live = Boolean(piece && !piece.complete);
  const tempo = state?.tempo ?? 120;
  part("host-controls").hidden = !client.isHost;
  jamPanel.showHost();
  part("rename").hidden = !client.isOwner;
  part("close-room").hidden = !client.isOwner;
  page.dataset.host = String(client.isHost);
  playerBar.refreshControls();
  part("tempo").disabled = !piece || live;
  part("tempo").value = String(tempo);
  part("tempo-value").textContent = String(Math.round(tempo));
  part("generate").hidden = live;
  part("stop").hidden = !live;
}

function showMembers() {
  renderMembers(part("members"), document.querySelector("[data-member-template]"), client.members, {
    you: client.you,
    isOwner: client.isOwner,
    canPassHost: client.isHost || client.isOwner,
    onPassHost: (member) => act(client.passHost(member.id)),
    onRemove: removeMember,
  });
  part("member-count").textContent = `(${client.members.size})`;
}

async function removeMember(member) {
  const sure = await askUser({
    title: `Remove ${member.display_name}?`, confirmLabel: "Remove", danger: true,
    message: "They leave the room and cannot join again with its link.",
  });
  if (sure) act(client.remove(member.id));
}

/** Sends a request and shows a refusal (a member's pause, a limit) as a notice. */
async function act(request) {
  const ack = await request;
  if (!ack.ok) showToast(errorFromPayload(ack.error).message, { tone: "error" });
  return ack;
}

function showError(message, { exit = false } = {}) {
  part("room-error-text").textContent = message;
  part("room-exit").hidden = !exit;
  part("room-error").hidden = !message;
}

/** Out of the room for good (closed, removed, or a link that names no open room). */
function leftRoom(message, connectionText) {
  page.dataset.status = "left"; // first: the disconnect below is not a connection to restore
  showError(message, { exit: true });
  part("connection").dataset.status = "left";
  showConnectionText(connectionText, "bg-rose-400");
  if (!client.room) part("room-name").textContent = "No room here";
  for (const name of ["room-body", "copy-invite", "rename", "close-room"]) part(name).hidden = true;
  player.stop();
  socket.disconnect();
}

async function joinRoom() {
  const ack = await client.join();
  if (!ack.ok) {
    leftRoom(errorFromPayload(ack.error).message, "Not in the room");
    return;
  }
  showError("");
  part("room-body").hidden = false;
  page.dataset.status = "joined";
  part("room-name").textContent = ack.room.name;
  part("chat-log").replaceChildren();
  for (const message of ack.messages) appendChat(part("chat-log"), message);
  showMembers();
  loadPiece(ack.piece);
  follower.follow();
}

function showConnection(status) {
  if (page.dataset.status === "left") return; // the page let go of the connection on purpose
  showConnectionStatus(status);
  if (status === "connected" || status === "reconnected") joinRoom();
}

async function startListening() {
  await player.prepare();
  part("listen").hidden = true;
  follower.follow();
}

/**
 * Browsers start audio only inside a user gesture: the first click or key press on the page
 * ("Play for everyone" itself) starts it, in the event's own handler before anything awaits.
 */
function startAudioOnFirstGesture() {
  const start = () => {
    if (player.audioState !== "running") startListening().catch(() => {});
  };
  for (const type of ["pointerdown", "keydown", "click"]) {
    document.addEventListener(type, start, { capture: true });
  }
}

/** Everyone hears who hosts now; the new host is told the music is theirs to choose. */
function announceHost(host) {
  showHostControls();
  if (client.isHost) {
    showToast("You are the host now: the room plays what you choose.", { tone: "success" });
    fillSongs();
  } else {
    showToast(`${host?.display_name ?? "Someone else"} is the host now.`);
  }
}

function finishedWriting({ songId, error }) {
  showHostControls();
  if (error) {
    showToast(errorFromPayload(error).message, { tone: "error" });
  } else if (songId && client.isHost) {
    const link = { href: `/dashboard#song-${songId}`, label: "Open dashboard" };
    showToast("The room's melody is saved in your songs.", { tone: "success", link });
    fillSongs(); // it can be played for the room now
  }
}

/** A live piece's new melody notes, and under them the chords it has reached. */
function addMelody(notes) {
  melodyEnd = Math.max(melodyEnd, ...notes.map(noteEnd));
  player.append([...notes, ...chordFeed.notesBefore(melodyEnd)]);
}

function bindClient() {
  client.addEventListener("info", (event) => {
    part("room-name").textContent = event.detail.name;
    showHostControls();
  });
  client.addEventListener("host", (event) => announceHost(event.detail));
  client.addEventListener("members", showMembers);
  client.addEventListener("chat", (event) => appendChat(part("chat-log"), event.detail));
  client.addEventListener("piece", (event) => loadPiece(event.detail)); // its state follows
  client.addEventListener("chords", (event) => chordFeed.add(event.detail));
  client.addEventListener("notes", (event) => addMelody(event.detail));
  client.addEventListener("state", () => {
    follower.follow();
    showHostControls();
  });
  client.addEventListener("done", (event) => finishedWriting(event.detail));
  client.addEventListener("closed", () => {
    if (client.isOwner) window.location.assign("/rooms"); // they closed it themselves
    else leftRoom("The owner closed this room.", "Room closed");
  });
  client.addEventListener("removed", () => leftRoom("The owner removed you from this room.", "Removed"));
}

/** The host's songs to play for the room; with none yet, a pointer to the studio instead. */
async function fillSongs() {
  try {
    const { songs } = await api.get("/api/songs");
    const options = songs.map((song) => new Option(song.title, song.id));
    part("play-form").elements.song.replaceChildren(...options);
    part("song-choice").hidden = songs.length === 0;
    part("no-songs").hidden = songs.length > 0;
    part("play-song").disabled = songs.length === 0;
  } catch (error) {
    showToast(`Your songs could not be listed: ${error.message}`, { tone: "error" });
  }
}

function generationParameters(form) {
  const { genre, key, mode, bars, tempo } = form.elements;
  const parameters = {
    genre: genre.value, key: key.value, mode: mode.value, bars: Number(bars.value),
    tempo: Number(tempo.value), instrument: part("player-instrument").value,
  };
  const chordsAsked = chordsParameter(form);
  if (chordsAsked !== null) parameters.chords = chordsAsked;
  return withAccompaniment(parameters, form);
}

function bindHostControls() {
  part("tempo").addEventListener("change", () => act(client.setTempo(Number(part("tempo").value))));
  part("play-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(client.play(part("play-form").elements.song.value));
  });
  const form = part("generate-form");
  bindChordField(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ack = await client.generate(generationParameters(form));
    showFormError(form, ack.ok ? null : errorFromPayload(ack.error));
  });
  part("stop").addEventListener("click", () => act(client.stop()));
}

function bindOwnerActions() {
  part("copy-invite").addEventListener("click", () =>
    copyInviteLink(client.room?.invite_path ?? window.location.pathname));
  part("rename").addEventListener("click", async () => {
    const input = { label: "Room name", value: client.room.name, maxLength: 60 };
    const name = await askUser({ title: "Rename the room", confirmLabel: "Rename", input });
    if (name) act(client.rename(name));
  });
  part("close-room").addEventListener("click", async () => {
    const sure = await askUser({
      title: "Close this room?", confirmLabel: "Close room", danger: true,
      message: "Everyone in it leaves and the link stops working.",
    });
    if (sure && (await act(client.close())).ok) window.location.assign("/rooms");
  });
}

async function saveCopy() {
  try {
    const song = await api.post(`/api/rooms/${client.room.id}/copy`, {});
    const link = { href: `/dashboard#song-${song.id}`, label: "Open dashboard" };
    showToast(`“${song.title}” is saved in your songs.`, { tone: "success", link });
  } catch (error) {
    showToast(error.message, { tone: "error" });
  }
}

async function sendChat(event) {
  event.preventDefault();
  const input = part("chat-form").elements.text;
  if (!input.value.trim()) return;
  const ack = await client.chat(input.value);
  part("chat-error").textContent = ack.ok ? "" : errorFromPayload(ack.error).message;
  part("chat-error").hidden = ack.ok;
  if (ack.ok) input.value = "";
}

function init() {
  initNav();
  bindClient();
  bindHostControls();
  bindOwnerActions();
  part("save-copy").addEventListener("click", saveCopy);
  part("chat-form").addEventListener("submit", sendChat);
  part("listen").addEventListener("click", startListening);
  jam.bindKeyboard(bindKeyboardPanel(part("keyboard-panel"), player));
  startAudioOnFirstGesture();
  player.preload().then(() => { part("listen").hidden = player.audioState === "running"; });
  // Audio starts without a click only where the browser allows it; else "Start listening".
  startListening().catch(() => { part("listen").hidden = false; });
  fillSongs();
}

init();
