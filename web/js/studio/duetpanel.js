// @ts-check
// The studio's call and response (templates/studio.html, the duet form): the player runs the
// duet's timeline from beat 0; the person's phrase is recorded from the keyboard, sent when it
// is over (music/phrase.js), and the model's answer plays and draws as it arrives; once the
// answer has been heard to its end the model listens again. The duet's chords loop under it all,
// struck a little ahead of the playhead, so the person hears what the model answers over.
import { errorFromPayload } from "../common/api.js";
import { showFormError } from "../common/forms.js";
import { showToast } from "../common/toast.js";
import { ChordFeed } from "../music/chordnotes.js";
import { makeNote } from "../music/notes.js";
import { PhraseRecorder } from "../music/phrase.js";

const CHECK_MS = 20; // how often the phrase is checked for its end
const CHORDS_AHEAD_BEATS = 1; // chords go to the player this far ahead of the playhead

/**
 * The duet's chords (one pass of its loop, beats from 0) as a feed that repeats them for ever.
 * @param {import("../music/chordnotes.js").WireChord[]} chords
 */
function loopingChords(chords) {
  const feed = new ChordFeed(chords);
  const loopBeats = Math.max(0, ...chords.map((chord) => chord.start + chord.duration));
  let loops = 1;
  return {
    notesBefore(beats) {
      while (loopBeats > 0 && beats >= (loops - 1) * loopBeats) {
        feed.add(chords.map((chord) => ({ ...chord, start: chord.start + loops * loopBeats })));
        loops += 1;
      }
      return feed.notesBefore(beats);
    },
  };
}

export class DuetPanel {
  #form;
  #player;
  #session;
  #parameters;
  #onActive;
  /** @type {PhraseRecorder | null} the phrase being played, while the model listens */
  #phrase = null;
  #answerEnd = null; // beats: where the answer being heard ends
  #answered = false; // the answer is written to its end
  #timer = 0;
  /** @type {{notesBefore: (beats: number) => import("../music/notes.js").Note[]} | null} */
  #chords = null;

  /**
   * @param {HTMLFormElement} form
   * @param {{keyboard: import("../music/keyboard.js").NoteKeyboard, player: any,
   *   session: import("./duet.js").DuetSession, parameters: () => object | null,
   *   onActive: (active: boolean) => void}} parts `parameters`: the studio's genre, key, mode,
   *   tempo, chords and instrument (null when the form is invalid); `onActive`: told as the
   *   duet starts and ends
   */
  constructor(form, { keyboard, player, session, parameters, onActive }) {
    this.#form = form;
    this.#player = player;
    this.#session = session;
    this.#parameters = parameters;
    this.#onActive = onActive;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start().catch((error) => this.#fail({ message: error.message }));
    });
    this.#part("duet-stop").addEventListener("click", () => this.stop());
    keyboard.addEventListener("noteon", (event) => this.#noteOn(/** @type {CustomEvent} */ (event).detail));
    keyboard.addEventListener("noteoff", (event) => this.#noteOff(/** @type {CustomEvent} */ (event).detail));
    session.addEventListener("notes", (event) => this.#answerNotes(/** @type {CustomEvent} */ (event).detail));
    session.addEventListener("answered", () => { this.#answered = true; });
    session.addEventListener("failed", (event) => this.#fail(/** @type {CustomEvent} */ (event).detail));
  }

  get active() { return this.#session.active; }

  async start() {
    const base = this.#parameters();
    if (!base || this.active) return;
    showFormError(this.#form, null);
    await this.#player.prepare(); // inside the click: browsers start audio only on a gesture
    const { answer_bars: answerBars, wait } = this.#form.elements;
    const ack = await this.#session.start({ ...base, answer_bars: Number(answerBars.value), wait: wait.value });
    if (!ack.ok) {
      showFormError(this.#form, errorFromPayload(ack.error));
      return;
    }
    const tempo = /** @type {any} */ (base).tempo;
    this.#player.load([], { tempo });
    this.#chords = loopingChords(ack.chords ?? []);
    this.#feedChords(0); // the first chord is on the transport before the playhead reaches it
    const { contextTime } = this.#player.audioClockReading();
    this.#player.follow({ time: contextTime + 0.05, beats: 0, tempo, playing: true });
    this.#form.dataset.answerNotes = "0";
    this.#setActive(true);
    this.#listen(0);
    this.#timer = window.setInterval(() => this.#check(), CHECK_MS);
  }

  async stop({ discard = false } = {}) {
    if (!this.active) return;
    this.#end();
    const ack = await this.#session.stop({ discard });
    if (ack.ok && ack.saved) {
      this.#status("Saved: your phrases and the model's answers are one song.");
      showToast("The duet is saved in your songs.", {
        tone: "success", link: { href: `/dashboard#song-${ack.song_id}`, label: "Open dashboard" }, ms: 10_000,
      });
    } else {
      this.#status(ack.ok ? "Stopped; nothing was played, so nothing was saved." : errorFromPayload(ack.error).message);
    }
  }

  /** The connection dropped: the server keeps what was played as a draft. */
  abandon() {
    if (!this.#session.abandon()) return;
    this.#end();
    this.#status("The connection dropped; what you played is kept as a draft.");
  }

  #listen(from) {
    this.#phrase = new PhraseRecorder({ from });
    this.#answerEnd = null;
    this.#answered = false;
    this.#form.dataset.turn = "person";
    this.#status("Your turn: play a phrase.");
  }

  /** The answer's notes as they arrive: played and drawn, and counted on the form. */
  #answerNotes(notes) {
    this.#player.append(notes);
    this.#form.dataset.answerNotes = String(Number(this.#form.dataset.answerNotes ?? 0) + notes.length);
  }

  #noteOn({ pitch, velocity, time }) {
    this.#phrase?.noteOn(pitch, velocity, this.#player.beatsAt(time));
  }

  #noteOff({ pitch, time }) {
    const played = this.#phrase?.noteOff(pitch, this.#player.beatsAt(time));
    if (played) this.#player.append([makeNote({ ...played, part: "played" })], { heard: true });
  }

  #check() {
    const now = this.#player.positionBeats;
    this.#feedChords(now);
    const wait = /** @type {HTMLSelectElement} */ (this.#form.elements.namedItem("wait")).value;
    if (this.#phrase?.isOver(now, wait)) {
      const notes = this.#phrase.notes;
      this.#phrase = null;
      this.#send(notes).catch((error) => this.#fail({ message: error.message }));
    } else if (this.#answered && this.#answerEnd !== null && now >= this.#answerEnd) {
      this.#listen(this.#answerEnd);
    }
  }

  /** Hands the player the chords that start before `beats` plus the look-ahead. */
  #feedChords(beats) {
    const chordNotes = this.#chords?.notesBefore(beats + CHORDS_AHEAD_BEATS) ?? [];
    if (chordNotes.length > 0) this.#player.append(chordNotes);
  }

  async #send(notes) {
    this.#form.dataset.turn = "model";
    this.#status("The model answers…");
    const ack = await this.#session.phrase(notes);
    if (!ack.ok) {
      showFormError(this.#form, errorFromPayload(ack.error));
      this.#listen(Math.max(...notes.map((note) => note.start + note.duration)));
      return;
    }
    this.#answerEnd = ack.answer_end;
  }

  #fail(error) {
    showFormError(this.#form, errorFromPayload(error));
    if (this.active) this.stop().catch(() => {});
  }

  #end() {
    window.clearInterval(this.#timer);
    this.#phrase = null;
    this.#player.stop();
    this.#player.unfollow();
    this.#setActive(false);
  }

  #setActive(active) {
    this.#part("duet-start").hidden = active;
    this.#part("duet-stop").hidden = !active;
    this.#form.dataset.active = String(active);
    if (!active) delete this.#form.dataset.turn;
    this.#onActive(active);
  }

  #status(text) {
    this.#part("duet-status").textContent = text;
  }

  #part(name) {
    return /** @type {HTMLElement} */ (this.#form.querySelector(`[data-${name}]`));
  }
}
