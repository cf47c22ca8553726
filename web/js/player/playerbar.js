// @ts-check
// The one player UI: binds the player markup (templates/partials/player.html) to a Player:
// buttons, progress bar, speed, instrument, volume and mute, keyboard shortcuts, the parts'
// mixer (player/mixerpanel.js), and the piano roll and waveform that follow it. Where a shared clock moves the music (a room), a `transport`
// stands in for the player's own play, pause and seek (rooms/roomtransport.js).
import { formatTime } from "../common/format.js";
import { isTypingTarget } from "../common/forms.js";
import { MixerPanel } from "./mixerpanel.js";
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

/**
 * What the bar plays, pauses and seeks, and reads the position and status from. A Player is one
 * (its own transport); a room's is the room's clock, which only its host may move.
 * @typedef {object} Transport
 * @property {() => unknown} toggle
 * @property {(beats: number) => void} seek
 * @property {number} positionBeats
 * @property {number} plannedBeats the length as far as it is known
 * @property {number} lengthBeats 0 when there is nothing to play
 * @property {string} state stopped | playing | paused | buffering
 * @property {(beats: number) => number} beatsToSeconds
 * @property {number} tempo
 * @property {boolean} [canControl] false where this listener may not move the music
 * @property {string} [statusText] what the status line says, when not the state's word
 * @property {boolean} [seeksOnRelease] seek once the slider is let go, not while it is dragged
 */

export class PlayerBar {
  #root;
  #player;
  /** @type {Transport} */
  #transport;
  #parts;
  #dragging = false;
  #loading = false;
  #volume = 0.8; // the volume slider's level, kept while muted

  /** `transport` (default: the player) is what play, pause, seek and the position go through. */
  constructor(root, player, { transport = player } = {}) {
    this.#root = root;
    this.#player = player;
    this.#transport = transport;
    const part = (name) => root.querySelector(`[data-player-${name}]`);
    this.#parts = {
      status: part("status"), title: part("title"), download: part("download"),
      toggle: part("toggle"), elapsed: part("elapsed"), progress: part("progress"),
      total: part("total"), speed: part("speed"), instrument: part("instrument"),
      volume: part("volume"), mute: part("mute"),
    };
    this.roll = new PianoRoll(part("roll"), {
      lane: root.querySelector("[data-chord-lane]"), legend: root.querySelector("[data-roll-legend]"),
    });
    this.visualizer = new Visualizer(root.querySelector("[data-visualizer]"), player);
    const mixer = root.querySelector("[data-mixer]");
    this.mixer = mixer ? new MixerPanel(mixer, player) : null;
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
    this.refreshControls();
  }

  /** The player's notes changed wholesale (a new song): redraw the roll. */
  showNotes() {
    this.roll.setNotes(this.#player.notes, this.#transport.plannedBeats);
    this.refreshControls();
  }

  /** Play and seek are offered when there is music and this listener may move it. */
  refreshControls() {
    const off = this.#transport.lengthBeats === 0 || this.#transport.canControl === false;
    this.#parts.toggle.disabled = off;
    this.#parts.progress.disabled = off;
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
    const { toggle, progress, speed, instrument, volume, mute } = this.#parts;
    this.#volume = Number(volume.value);
    toggle.addEventListener("click", () => this.#act(() => this.#transport.toggle()));
    progress.addEventListener("pointerdown", () => { this.#dragging = true; });
    progress.addEventListener("pointerup", () => { this.#dragging = false; });
    const seekOn = this.#transport.seeksOnRelease ? "change" : "input";
    progress.addEventListener(seekOn, () => this.#transport.seek(Number(progress.value)));
    speed?.addEventListener("change", () => this.#player.setSpeed(Number(speed.value)));
    instrument.addEventListener("change", () =>
      this.#act(() => this.#player.setInstrument(instrument.value)));
    volume.addEventListener("input", () => {
      this.#volume = Number(volume.value);
      if (!this.#muted) this.#player.setVolume(this.#volume);
    });
    mute?.addEventListener("click", () => {
      mute.setAttribute("aria-pressed", String(!this.#muted));
      mute.textContent = this.#muted ? "Unmute" : "Mute";
      this.#player.setVolume(this.#muted ? 0 : this.#volume);
    });
  }

  get #muted() {
    return this.#parts.mute?.getAttribute("aria-pressed") === "true";
  }

  #bindPlayer() {
    this.#player.addEventListener("statechange", () => this.#showState());
    this.#player.addEventListener("notes", (event) => {
      this.roll.addNotes(event.detail);
      this.refreshControls();
    });
    this.#player.addEventListener("instrument", (event) => this.#showInstrument(event.detail));
    // The chord last struck, on the lane (for assistive technology and the page's tests).
    const lane = this.#root.querySelector("[data-chord-lane]");
    // Notes started late since the song was loaded: a page too busy to keep up (for the tests).
    this.#player.addEventListener("load", () => { this.#root.dataset.lateNotes = "0"; });
    this.#player.addEventListener("sound", (event) => {
      const { note, late } = event.detail;
      if (lane && note.part === "chords" && note.chord) lane.dataset.struck = note.chord;
      if (late) this.#root.dataset.lateNotes = String(Number(this.#root.dataset.lateNotes ?? 0) + 1);
    });
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
    if (this.#root.hidden || isTypingTarget(event.target)) return;
    const transport = this.#transport;
    if (event.target.closest?.("dialog[open]") || !transport.lengthBeats) return;
    if (transport.canControl === false) return;
    if (event.key === " " && !event.target.closest?.("button, a")) {
      event.preventDefault();
      this.#act(() => transport.toggle());
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") &&
      !event.target.closest?.("input[type=range]")) { // a slider's arrows move the slider
      event.preventDefault();
      const step = (SEEK_STEP_SECONDS * transport.tempo) / 60;
      transport.seek(transport.positionBeats + (event.key === "ArrowLeft" ? -step : step));
    }
  }

  #showState() {
    this.#root.dataset.state = this.#player.state;
    this.#showTransport();
  }

  /** Play or pause on the button, and the status line, as the transport stands. */
  #showTransport() {
    const { state, statusText } = this.#transport;
    const active = state === "playing" || state === "buffering";
    const { toggle, status } = this.#parts;
    const label = active ? "Pause" : "Play";
    if (toggle.getAttribute("aria-label") !== label) {
      toggle.setAttribute("aria-label", label);
      // SVG elements have no `hidden` property; the attribute is what the stylesheet hides.
      toggle.querySelector("[data-icon-play]").toggleAttribute("hidden", active);
      toggle.querySelector("[data-icon-pause]").toggleAttribute("hidden", !active);
    }
    const text = this.#loading ? "Loading instrument…" : statusText ?? STATUS_TEXT[state];
    if (status.textContent !== text) status.textContent = text;
  }

  #frame() {
    const transport = this.#transport;
    const position = transport.positionBeats;
    const { progress, elapsed, total } = this.#parts;
    progress.max = String(transport.plannedBeats || 1);
    if (!this.#dragging) progress.value = String(position);
    const elapsedText = formatTime(transport.beatsToSeconds(position));
    const totalText = formatTime(transport.beatsToSeconds(transport.plannedBeats));
    elapsed.textContent = elapsedText;
    total.textContent = totalText;
    progress.setAttribute("aria-valuetext", `${elapsedText} of ${totalText}`);
    this.#showTransport();
    this.roll.setPlayhead(transport.state === "stopped" && position === 0 ? null : position);
    this.mixer?.showLevels();
    requestAnimationFrame(() => this.#frame());
  }
}
