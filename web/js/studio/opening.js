// @ts-check
// Continue my melody (templates/studio.html, "Continue my melody"): the opening the model
// continues, a phrase recorded from the keyboard after a bar of count-in (snapped to sixteenths,
// at the studio's tempo, with a metronome if asked) or a bar range of a saved song. `primer()`
// gives it as `generate:start`'s `primer` (docs/protocol.md) and the whole bars it fills.
import { api } from "../common/api.js";
import { loadSongNotes } from "../dashboard/songs.js";
import { makeNote } from "../music/notes.js";
import { BEATS_PER_BAR, PhraseRecorder, barsOf } from "../music/phrase.js";

const COUNT_IN_BEATS = BEATS_PER_BAR;
const SIXTEENTH_TICKS = 3;

/** @typedef {{pitch: number, start: number, duration: number}} PrimerNote */

export class Opening {
  #root;
  #keyboard;
  #player;
  /** @type {PhraseRecorder | null} */
  #recording = null;
  /** @type {PrimerNote[] | null} a recorded opening */
  #recorded = null;
  /** @type {{title: string, notes: PrimerNote[]} | null} a saved song to take bars of */
  #song = null;

  /**
   * @param {HTMLElement} root
   * @param {{keyboard: import("../music/keyboard.js").NoteKeyboard, player: any, tempo: () => number}} parts
   */
  constructor(root, { keyboard, player, tempo }) {
    this.#root = root;
    this.#keyboard = keyboard;
    this.#player = player;
    this.#part("record-start").addEventListener("click", () => this.#record(tempo()));
    this.#part("record-stop").addEventListener("click", () => this.#keep());
    this.#part("opening-clear").addEventListener("click", () => this.clear());
    for (const id of ["opening-from", "opening-to"]) this.#input(id).addEventListener("input", () => this.#show());
    keyboard.addEventListener("noteon", (event) => {
      const { pitch, velocity, time } = /** @type {CustomEvent} */ (event).detail;
      this.#recording?.noteOn(pitch, velocity, player.beatsAt(time));
    });
    keyboard.addEventListener("noteoff", (event) => {
      const { pitch, time } = /** @type {CustomEvent} */ (event).detail;
      const note = this.#recording?.noteOff(pitch, player.beatsAt(time));
      if (note) player.append([makeNote({ ...note, part: "played" })], { heard: true });
    });
  }

  get recording() { return this.#recording !== null; }

  /**
   * The opening to continue: primer notes (beats from 0) and the bars they fill, or null.
   * @returns {{notes: PrimerNote[], bars: number} | null}
   */
  primer() {
    const notes = this.#recorded ?? (this.#song ? this.#songBars() : null);
    if (!notes || notes.length === 0) return null;
    const end = Math.max(...notes.map((note) => note.start + note.duration));
    return { notes, bars: Math.max(1, Math.ceil(end / BEATS_PER_BAR)) };
  }

  /**
   * The dashboard's "Continue" opens the studio with `?continue=<song id>`: the song's bars
   * become the opening, and `form` takes its genre, key, mode and tempo.
   * @param {string | null} songId
   * @param {HTMLFormElement} form the studio's generation form
   */
  async continueSong(songId, form) {
    if (!songId) return;
    const song = await api.get(`/api/songs/${encodeURIComponent(songId)}`);
    const { notes } = await loadSongNotes(song);
    const fields = /** @type {any} */ (form.elements);
    for (const name of ["genre", "key", "mode"]) if (song[name]) fields[name].value = song[name];
    fields.tempo.value = String(Math.round(song.tempo));
    fields.tempo.dispatchEvent(new Event("input"));
    this.fromSong(song.title, notes.filter((note) => note.part === "melody"));
    this.#root.scrollIntoView({ block: "nearest" });
  }

  /** Takes the bars to continue from a saved song (the dashboard's "Continue"). */
  fromSong(title, notes) {
    this.#recorded = null;
    this.#song = { title, notes };
    const bars = Math.max(1, Math.ceil(Math.max(...notes.map((note) => note.start + note.duration)) / BEATS_PER_BAR));
    for (const id of ["opening-from", "opening-to"]) this.#input(id).max = String(bars);
    this.#input("opening-to").value = String(Math.min(bars, 4));
    this.#part("song-range").hidden = false;
    this.#show();
  }

  clear() {
    this.#recorded = null;
    this.#song = null;
    this.#part("song-range").hidden = true;
    this.#show();
  }

  async #record(tempo) {
    await this.#player.prepare();
    this.#player.load([], { tempo });
    this.#player.setMetronome(/** @type {HTMLInputElement} */ (this.#part("metronome")).checked);
    const { contextTime } = this.#player.audioClockReading();
    this.#player.follow({ time: contextTime + 0.05, beats: 0, tempo, playing: true });
    this.#recording = new PhraseRecorder({ from: COUNT_IN_BEATS, step: SIXTEENTH_TICKS });
    this.#part("record-start").hidden = true;
    this.#part("record-stop").hidden = false;
    this.#status("One bar of count-in, then play; press “Use it as the opening” when done.");
  }

  #keep() {
    const recording = this.#recording;
    if (!recording) return;
    this.#recording = null;
    const notes = recording.finish(this.#player.positionBeats);
    this.#player.setMetronome(false);
    this.#player.stop();
    this.#player.unfollow();
    this.#keyboard.releaseAll();
    this.#part("record-start").hidden = false;
    this.#part("record-stop").hidden = true;
    this.#song = null;
    this.#part("song-range").hidden = true;
    this.#recorded = notes.map(({ pitch, start, duration }) => ({ pitch, start: start - COUNT_IN_BEATS, duration }));
    this.#player.load(this.#recorded.map((note) => makeNote({ ...note, part: "played" })), { tempo: this.#player.tempo });
    this.#show();
  }

  #songBars() {
    const from = Number(this.#input("opening-from").value);
    const to = Number(this.#input("opening-to").value);
    if (!this.#song || !Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from) return null;
    return barsOf(this.#song.notes, from, to);
  }

  #show() {
    const primer = this.primer();
    this.#part("opening-clear").hidden = primer === null && this.#song === null;
    if (primer) {
      const source = this.#song ? `bars of “${this.#song.title}”` : "your phrase";
      this.#status(`Opening: ${primer.notes.length} notes (${primer.bars} bar${primer.bars > 1 ? "s" : ""}) of ${source}. Generate continues it.`);
    } else {
      this.#status(this.#song ? "Those bars hold no notes: choose others." : "");
    }
  }

  #status(text) {
    this.#part("opening-status").textContent = text;
  }

  #part(name) {
    return /** @type {HTMLElement} */ (this.#root.querySelector(`[data-${name}]`));
  }

  #input(id) {
    return /** @type {HTMLInputElement} */ (this.#root.querySelector(`#${id}`));
  }
}
