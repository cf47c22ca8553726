// Studio page: the controls start a live stream; its notes play and draw as they arrive.
import { api, errorFromPayload } from "../api.js";
import { setFieldError, showFormError, validateFields } from "../forms.js";
import { LiveGeneration } from "../generation.js";
import { initNav } from "../nav.js";
import { INSTRUMENT_NAMES, Player } from "../player.js";
import { PlayerBar } from "../playerbar.js";
import { connectSocket } from "../socket.js";
import { showToast } from "../toast.js";

const form = document.querySelector("[data-studio-form]");
const part = (name) => document.querySelector(`[data-${name}]`);
const player = new Player();
const playerBar = new PlayerBar(part("player"), player);

/** The form's values as the `generate:start` payload, or null (with messages) when invalid. */
function readParameters() {
  const { genre, key, mode, tempo, bars, temperature, top_p: topP, seed, instrument } = form.elements;
  const barCount = Number(bars.value);
  const valid = validateFields(form, {
    bars: () => (Number.isInteger(barCount) && barCount >= 1 && barCount <= 128
      ? "" : "Choose a length from 1 to 128 bars."),
    seed: () => (seed.value === "" || /^\d+$/.test(seed.value) ? "" : "A seed is a whole number."),
  });
  if (!valid) return null;
  const parameters = {
    genre: genre.value, key: key.value, mode: mode.value, tempo: Number(tempo.value),
    bars: barCount, temperature: Number(temperature.value), top_p: Number(topP.value),
    instrument: instrument.value,
  };
  if (seed.value !== "") parameters.seed = Number(seed.value);
  return parameters;
}

function describe({ genre, key, mode }) {
  const style = genre === "any" ? "Melody" : `${genre.charAt(0).toUpperCase()}${genre.slice(1)} melody`;
  return `${style} in ${key} ${mode}`;
}

let totalBars = 0;

function setStreaming(streaming) {
  part("generate").hidden = streaming;
  part("stop").hidden = !streaming;
  part("stop").disabled = false;
  part("discard").hidden = !streaming;
  form.dataset.streaming = String(streaming);
  showStreamStatus(streaming ? "Writing your melody…" : "");
}

function showStreamStatus(message) {
  part("stream-status").textContent = message;
  part("stream-status").hidden = !message;
}

function showProgress() {
  const bar = Math.min(totalBars, Math.floor(player.lengthBeats / 4) + 1);
  showStreamStatus(`Writing your melody: bar ${bar} of ${totalBars}, ${player.notes.length} notes so far.`);
}

async function stopKeeping(generation) {
  part("stop").disabled = true;
  player.finish(); // play to the last note received
  showStreamStatus("Saving the melody so far…");
  const ack = await generation.stop();
  if (ack.ok && ack.saving) return; // "done" follows once it is saved
  setStreaming(false);
  showStreamStatus(ack.message || ack.error?.message || "");
}

async function generate(generation) {
  if (generation.active) return;
  const parameters = readParameters();
  if (!parameters) return;
  showFormError(form, null);
  showStreamStatus("");
  await player.prepare(); // inside the click: browsers start audio only on a gesture
  player.load([], { tempo: parameters.tempo, complete: false, expectedBeats: parameters.bars * 4 });
  totalBars = parameters.bars;
  playerBar.setSong({ title: describe(parameters) });
  playerBar.showNotes();
  setStreaming(true);
  part("player").scrollIntoView({ behavior: "smooth", block: "nearest" }); // below the form on phones
  const ack = await generation.start(parameters);
  if (!ack.ok) {
    setStreaming(false);
    player.finish();
    showFormError(form, errorFromPayload(ack.error));
    return;
  }
  await player.play(); // buffering until the first notes arrive, then playing
}

async function finished({ song_id: songId }) {
  setStreaming(false);
  player.finish();
  if (!songId) return;
  try {
    const song = await api.get(`/api/songs/${songId}`);
    playerBar.setSong({ title: song.title, downloadUrl: song.midi_url });
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
  showFormError(form, errorFromPayload(error));
}

function discard(generation) {
  generation.stop({ discard: true }).catch(() => {}); // the page forgets the stream either way
  player.load([], {});
  playerBar.setSong({ title: "Discarded. Press Generate to write another melody" });
  playerBar.showNotes();
  setStreaming(false);
}

const CONNECTION_TEXT = {
  connected: ["Connected", "bg-mint-400"],
  reconnected: ["Connected", "bg-mint-400"],
  reconnecting: ["Reconnecting…", "bg-amber-400"],
  disconnected: ["Offline", "bg-rose-400"],
};

function showConnection(status, generation) {
  const previous = part("connection").dataset.status;
  const [text, colour] = CONNECTION_TEXT[status];
  part("connection").dataset.status = status;
  part("connection-text").textContent = text;
  part("connection-dot").className = `size-2 rounded-full ${colour}`;
  if (status === "reconnecting" && previous !== "reconnecting") {
    showToast("Connection to the studio lost. Reconnecting…", { tone: "error" });
    if (generation.abandon()) {
      setStreaming(false);
      player.finish();
      showStreamStatus("The connection dropped while generating; the notes received so far stay in the player.");
    }
  }
  if (status === "reconnected") showToast("Reconnected. You can generate again.", { tone: "success" });
  if (status === "disconnected") showToast("The studio closed the connection. Reload the page.", { tone: "error", ms: 0 });
}

function bindRangeOutputs() {
  const outputs = [
    ["tempo", "tempo-value", (value) => `${value} BPM`],
    ["temperature", "temperature-value", (value) => Number(value).toFixed(2)],
    ["top_p", "top-p-value", (value) => Number(value).toFixed(2)],
  ];
  for (const [name, output, format] of outputs) {
    const input = form.elements[name];
    const show = () => { part(output).textContent = format(input.value); };
    input.addEventListener("input", show);
    show();
  }
}

function init() {
  initNav();
  player.preload().catch((error) => showToast(`The piano could not load: ${error.message}`, { tone: "error" }));
  bindRangeOutputs();
  for (const [value, label] of Object.entries(INSTRUMENT_NAMES)) {
    form.elements.instrument.append(new Option(label, value));
  }
  // The studio's instrument and the player's are one choice, whichever control makes it.
  form.elements.instrument.addEventListener("change", () => player.setInstrument(form.elements.instrument.value));
  player.addEventListener("instrument", (event) => { form.elements.instrument.value = event.detail; });
  let generation = null;
  const socket = connectSocket({ onStatus: (status) => showConnection(status, generation) });
  generation = new LiveGeneration(socket);
  generation.addEventListener("notes", (event) => {
    player.append(event.detail);
    showProgress();
  });
  generation.addEventListener("done", (event) => finished(event.detail));
  generation.addEventListener("failed", (event) => failed(event.detail));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    generate(generation).catch((error) => failed({ message: error.message }));
  });
  part("stop").addEventListener("click", () => stopKeeping(generation));
  part("discard").addEventListener("click", () => discard(generation));
  form.elements.bars.addEventListener("input", () => setFieldError(form, "bars", ""));
}

init();
