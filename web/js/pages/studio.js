// Studio page: a live stream starts from either mode, a melody written from the controls or an
// uploaded MIDI file converted into another genre; its notes play and draw as they arrive.
import { api, errorFromPayload } from "../common/api.js";
import { ConvertForm } from "../studio/convertform.js";
import { bindChordField } from "../studio/chordfield.js";
import { ChordFeed } from "../music/chordnotes.js";
import { bindModeTabs } from "../studio/convertmode.js";
import { soundsLikeText } from "../studio/convertsummary.js";
import { showFormError } from "../common/forms.js";
import { bindInstrument, bindRangeOutputs, readDuetParameters, readGenerateRequest } from "../studio/generateform.js";
import { LiveGeneration } from "../studio/generation.js";
import { DuetSession } from "../studio/duet.js";
import { DuetPanel } from "../studio/duetpanel.js";
import { Opening } from "../studio/opening.js";
import { initNav } from "../common/nav.js";
import { bindKeyboardPanel } from "../music/keyboardpanel.js";
import { noteEnd } from "../music/notes.js";
import { Player } from "../player/player.js";
import { PlayerBar } from "../player/playerbar.js";
import { connectSocket } from "../common/socket.js";
import { showConnectionStatus } from "../common/connectionbadge.js";
import { showToast } from "../common/toast.js";

const BAND_PARTS = new Set(["chords", "bass", "drums"]); // what plays under a melody
const form = document.querySelector("[data-studio-form]");
const part = (name) => document.querySelector(`[data-${name}]`);
const player = new Player();
const playerBar = new PlayerBar(part("player"), player);
const converter = new ConvertForm(document.querySelector("[data-convert-form]"), {
  onPreview: () => previewSource().catch((error) => showToast(error.message, { tone: "error" })),
});
let opening = null; // what "Continue my melody" gives Generate to continue (studio/opening.js)
const primer = () => opening?.primer() ?? null;
// The stream being played: the request that started it, its form, its chords (a ChordFeed),
// whether a band plays (its chords come as notes), and how many notes have come, the melody
// ending where (beats).
let current = null;
const modes = bindModeTabs(part("mode-tabs"), (mode) => {
  if (current || player.notes.length) return; // the player already shows something
  playerBar.setSong({ title: mode === "convert" ? "Choose a MIDI file, then press Convert" : "Press Generate to write a melody" });
});

function setStreaming(streaming) {
  const streamForm = current.form;
  const [start, stop, discard] = ["start", "stop", "discard"].map((name) => streamForm.querySelector(`[data-${name}]`));
  // Focus on a button about to hide (or already dropped to the page) moves to the one that
  // takes its place: Stop while streaming, Generate or Convert after, never the page's body.
  const focusLost = [start, stop, discard, document.body].includes(document.activeElement);
  start.hidden = streaming;
  stop.hidden = !streaming;
  stop.disabled = false;
  discard.hidden = !streaming;
  if (focusLost) (streaming ? stop : start).focus({ preventScroll: true });
  streamForm.dataset.streaming = String(streaming);
  modes.setLocked(streaming);
  converter.setLocked(streaming);
  showStreamStatus(streaming ? `${current.activity}…` : "");
}

function showStreamStatus(message) {
  part("stream-status").textContent = message;
  part("stream-status").hidden = !message;
}

function showProgress() {
  const beatsPerBar = current.expectedBeats / current.bars;
  const bar = Math.min(current.bars, Math.floor(player.lengthBeats / beatsPerBar) + 1);
  showStreamStatus(`${current.activity}: bar ${bar} of ${current.bars}, ${current.noteCount} notes so far.`);
}

/**
 * Strikes the stream's chords that start before `beats`, under the melody already there; none
 * once the player has been told the stream is over (Stop plays to the last note received).
 */
function accompany(beats) {
  if (player.complete || current?.band) return; // a band strikes the chords itself, as notes
  const chordNotes = current?.chords?.notesBefore(beats) ?? [];
  if (chordNotes.length > 0) player.append(chordNotes, { accompany: true });
}

/** A refusal or failure, shown beside the control of the form that started the stream. */
function showStreamError(error) {
  const readable = errorFromPayload(error);
  if (current?.form === converter.form) converter.showError(readable);
  else showFormError(form, readable);
}

async function stopKeeping(generation) {
  current.form.querySelector("[data-stop]").disabled = true;
  player.finish(); // play to the last note received
  showStreamStatus("Saving the melody so far…");
  const ack = await generation.stop();
  if (ack.ok && ack.saving) return; // "done" follows once it is saved
  setStreaming(false);
  showStreamStatus(ack.message || ack.error?.message || "");
}

/** Starts the stream `request` asks for (from `streamForm`) and plays it as it arrives. */
async function startStream(generation, streamForm, request) {
  if (generation.active || !request) return;
  showFormError(streamForm, null);
  showStreamStatus("");
  const band = request.parameters.band === true;
  current = { ...request, form: streamForm, chords: new ChordFeed(), band, noteCount: 0, melodyEnd: 0 };
  await player.prepare(); // inside the click: browsers start audio only on a gesture
  const { genre = null } = request.parameters;
  player.load([], { tempo: request.tempo, complete: false, expectedBeats: request.expectedBeats, genre });
  playerBar.setSong({ title: request.title });
  playerBar.showNotes();
  setStreaming(true);
  part("player").scrollIntoView({ behavior: "smooth", block: "nearest" }); // below the form on phones
  const ack = await generation.start(request.parameters);
  if (!ack.ok) {
    setStreaming(false);
    player.finish();
    showStreamError(ack.error);
    return;
  }
  // Playing starts with the first notes: a player started empty pauses to buffer, and only a
  // later frame (a top-up, about 2 beats on) would wake it.
  if (player.lengthBeats > 0) await player.play();
  else current.playOnNotes = true;
}

/** A frame's notes: the melody's tell how far the stream has come; the band's accompany it. */
function receiveNotes(notes) {
  const melody = notes.filter((note) => !BAND_PARTS.has(note.part));
  const band = notes.filter((note) => BAND_PARTS.has(note.part));
  player.append(melody);
  if (band.length > 0) player.append(band, { accompany: true });
  current.noteCount += melody.length;
  current.melodyEnd = Math.max(current.melodyEnd, ...melody.map(noteEnd));
  accompany(current.melodyEnd);
  showProgress();
  if (!current?.playOnNotes) return;
  current.playOnNotes = false;
  player.play().catch((error) => showToast(`Playback failed: ${error.message}`, { tone: "error" }));
}

async function previewSource() {
  const { title, notes, tempo } = converter.sourceNotes();
  await player.prepare();
  player.load(notes, { tempo });
  playerBar.setSong({ title });
  playerBar.showNotes();
  part("player").scrollIntoView({ behavior: "smooth", block: "nearest" });
  await player.play();
}

async function finished({ song_id: songId }) {
  const beatsPerBar = current.expectedBeats / current.bars;
  accompany(Math.ceil(current.melodyEnd / beatsPerBar) * beatsPerBar); // as the song saves them: whole bars
  setStreaming(false);
  player.finish();
  if (!songId) return;
  try {
    const song = await api.get(`/api/songs/${songId}`);
    playerBar.setSong({ title: song.title, downloadUrl: song.midi_url });
    if (song.sounds_like) showStreamStatus(`“${song.title}”: ${soundsLikeText(song.sounds_like)}.`);
    showToast(`“${song.title}” is saved in your songs.`, {
      tone: "success", link: { href: `/dashboard#song-${song.id}`, label: "Open dashboard" }, ms: 10_000,
    });
  } catch (error) {
    showToast(`The melody was saved, but it could not be shown: ${error.message}`, { tone: "error" });
  }
}

function failed(error) {
  setStreaming(false);
  player.finish();
  showStreamError(error);
}

function discard(generation) {
  generation.stop({ discard: true }).catch(() => {}); // the page forgets the stream either way
  player.load([], {});
  playerBar.setSong({ title: "Discarded. Press Generate or Convert to start again" });
  playerBar.showNotes();
  setStreaming(false);
}

function showConnection(status, generation, duet) {
  const previous = showConnectionStatus(status);
  if (status === "reconnecting" && previous !== "reconnecting") {
    showToast("Connection to the studio lost. Reconnecting…", { tone: "error" });
    duet?.abandon();
    if (generation.abandon()) {
      setStreaming(false);
      player.finish();
      showStreamStatus("The connection dropped while generating; the notes received so far stay in the player.");
    }
  }
  if (status === "reconnected") showToast("Reconnected. You can generate again.", { tone: "success" });
  if (status === "disconnected") showToast("The studio closed the connection. Reload the page.", { tone: "error", ms: 0 });
}

function bindStreamControls(generation) {
  const streamOf = {
    [form.id]: () => readGenerateRequest(form, primer()),
    [converter.form.id]: () => converter.request(player.instrument),
  };
  for (const streamForm of [form, converter.form]) {
    streamForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const request = streamOf[streamForm.id]();
      startStream(generation, streamForm, request).catch((error) => failed({ message: error.message }));
    });
    streamForm.querySelector("[data-stop]").addEventListener("click", () => stopKeeping(generation));
    streamForm.querySelector("[data-discard]").addEventListener("click", () => discard(generation));
  }
}

function init() {
  initNav();
  player.preload().catch((error) => showToast(`The piano could not load: ${error.message}`, { tone: "error" }));
  bindRangeOutputs(form);
  bindInstrument(form, player);
  bindChordField(form);
  const keyboard = bindKeyboardPanel(part("keyboard-panel"), player);
  opening = new Opening(part("opening"), { keyboard, player, tempo: () => Number(form.elements.tempo.value) });
  let generation = null;
  let duet = null;
  const socket = connectSocket({ onStatus: (status) => showConnection(status, generation, duet) });
  generation = new LiveGeneration(socket);
  duet = new DuetPanel(part("duet-form"), {
    keyboard, player, session: new DuetSession(socket), parameters: () => readDuetParameters(form, primer()),
    onActive: (active) => { form.querySelector("[data-start]").disabled = active; },
  });
  opening.continueSong(new URLSearchParams(window.location.search).get("continue"), form).catch((error) => showToast(`That song cannot be continued: ${error.message}`, { tone: "error" }));
  generation.addEventListener("chords", (event) => current?.chords.add(event.detail));
  generation.addEventListener("notes", (event) => receiveNotes(event.detail));
  generation.addEventListener("done", (event) => finished(event.detail));
  generation.addEventListener("failed", (event) => failed(event.detail));
  bindStreamControls(generation);
}

init();
