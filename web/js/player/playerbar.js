// Binds the player markup (templates/partials/player.html) to a Player: buttons, progress bar,
// speed, instrument, volume, keyboard shortcuts, and the piano roll and waveform that follow it.
import { formatTime } from "../common/format.js";
import { PianoRoll } from "./pianoroll.js";
import { INSTRUMENT_NAMES } from "./player.js";
import { showToast } from "../common/toast.js";
import { Visualizer } from "./visualizer.js";

const SEEK_STEP_SECONDS = 5;
const STATUS_TEXT = {
  stopped: "Ready",
  playing: "Playing",
  paused: "Paused",
  buffering: "Buffering…",
};
// Keys typed into these elements are theirs, not shortcuts.
const TYPING_TARGETS = "input:not([type=range]), textarea, select, [contenteditable]";

export class PlayerBar {
  #root;
  #player;
  #parts;
  #dragging = false;
  #loading = false;

  constructor(root, player) {
    this.#root = root;
    this.#player = player;
    const part = (name) => root.querySelector(`[data-player-${name}]`);
    this.#parts = {
      status: part("status"), title: part("title"), download: part("download"),
      toggle: part("toggle"), elapsed: part("elapsed"), progress: part("progress"),
      total: part("total"), speed: part("speed"), instrument: part("instrument"),
      volume: part("volume"),
    };
    this.roll = new PianoRoll(part("roll"));
    this.visualizer = new Visualizer(root.querySelector("[data-visualizer]"), player);
    this.#fillInstruments();
    this.#bindControls();
    this.#bindPlayer();
    document.addEventListener("keydown", (event) => this.#onKey(event));
    requestAnimationFrame(() => this.#frame());
  }

  /** Shows `title` and offers `downloadUrl` (null hides the download button). */
  setSong({ title, downloadUrl = null }) {
    this.#parts.title.textContent = title;
    this.#parts.download.hidden = !downloadUrl;
    if (downloadUrl) this.#parts.download.href = downloadUrl;
    this.#root.hidden = false;
    this.#refreshEnabled();
  }

  /** The player's notes changed wholesale (a new song): redraw the roll. */
  showNotes() {
    this.roll.setNotes(this.#player.notes, this.#player.plannedBeats);
    this.#refreshEnabled();
  }

  #fillInstruments() {
    for (const [value, label] of Object.entries(INSTRUMENT_NAMES)) {
      this.#parts.instrument.append(new Option(label, value, false, value === this.#player.instrument));
    }
    this.#showInstrument(this.#player.instrument);
  }

  /** The instrument the player sounds with, in the menu and on the element (for the page's tests). */
  #showInstrument(name) {
    this.#parts.instrument.value = name;
    this.#root.dataset.instrument = name;
  }

  #bindControls() {
    const { toggle, progress, speed, instrument, volume } = this.#parts;
    toggle.addEventListener("click", () => this.#act(() => this.#player.toggle()));
    progress.addEventListener("pointerdown", () => { this.#dragging = true; });
    progress.addEventListener("pointerup", () => { this.#dragging = false; });
    progress.addEventListener("input", () => this.#player.seek(Number(progress.value)));
    speed.addEventListener("change", () => this.#player.setSpeed(Number(speed.value)));
    instrument.addEventListener("change", () =>
      this.#act(() => this.#player.setInstrument(instrument.value)));
    volume.addEventListener("input", () => this.#player.setVolume(Number(volume.value)));
  }

  #bindPlayer() {
    this.#player.addEventListener("statechange", () => this.#showState());
    this.#player.addEventListener("notes", (event) => {
      this.roll.addNotes(event.detail);
      this.#refreshEnabled();
    });
    this.#player.addEventListener("instrument", (event) => this.#showInstrument(event.detail));
    this.#player.addEventListener("loading", (event) => {
      this.#loading = event.detail;
      this.#showState();
    });
  }

  /** Runs a player action that may fail (audio blocked, samples missing) and says so. */
  async #act(action) {
    try {
      await action();
    } catch (error) {
      showToast(`Playback failed: ${error.message}`, { tone: "error" });
    }
  }

  #onKey(event) {
    if (this.#root.hidden || event.target.closest?.(TYPING_TARGETS)) return;
    if (event.target.closest?.("dialog[open]") || !this.#player.lengthBeats) return;
    if (event.key === " " && !event.target.closest?.("button, a")) {
      event.preventDefault();
      this.#act(() => this.#player.toggle());
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") &&
      event.target !== this.#parts.progress) {
      event.preventDefault();
      const step = (SEEK_STEP_SECONDS * this.#player.tempo) / 60;
      this.#player.seek(this.#player.positionBeats + (event.key === "ArrowLeft" ? -step : step));
    }
  }

  #showState() {
    const state = this.#player.state;
    const active = state === "playing" || state === "buffering";
    const { toggle, status } = this.#parts;
    toggle.setAttribute("aria-label", active ? "Pause" : "Play");
    // SVG elements have no `hidden` property; the attribute is what the stylesheet hides.
    toggle.querySelector("[data-icon-play]").toggleAttribute("hidden", active);
    toggle.querySelector("[data-icon-pause]").toggleAttribute("hidden", !active);
    status.textContent = this.#loading ? "Loading instrument…" : STATUS_TEXT[state];
    this.#root.dataset.state = state;
  }

  #refreshEnabled() {
    const empty = this.#player.lengthBeats === 0;
    this.#parts.toggle.disabled = empty;
    this.#parts.progress.disabled = empty;
  }

  #frame() {
    const player = this.#player;
    const position = player.positionBeats;
    const { progress, elapsed, total } = this.#parts;
    progress.max = String(player.plannedBeats || 1);
    if (!this.#dragging) progress.value = String(position);
    const elapsedText = formatTime(player.beatsToSeconds(position));
    const totalText = formatTime(player.beatsToSeconds(player.plannedBeats));
    elapsed.textContent = elapsedText;
    total.textContent = totalText;
    progress.setAttribute("aria-valuetext", `${elapsedText} of ${totalText}`);
    this.roll.setPlayhead(player.state === "stopped" && position === 0 ? null : position);
    requestAnimationFrame(() => this.#frame());
  }
}
