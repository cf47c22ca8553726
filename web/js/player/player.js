// @ts-check
// The one audio player of the studio: notes (music/notes.js, in beats) scheduled on Tone.Transport,
// so speed is a tempo change and seeking is a transport jump. The only module that imports Tone:
// the player's parts (masterchain.js, metronome.js, heldnotes.js, speedchange.js,
// audioclock.js) and the
// instruments (music/instruments.js) receive the Tone namespace from here.
import "./tone-quiet.js"; // must run before Tone's module body
import * as Tone from "tone";
import { DEFAULT_INSTRUMENT, INSTRUMENT_NAMES } from "../music/instruments.js";
import { MixSettings } from "./mixsettings.js";
import { noteEnd } from "../music/notes.js";
import { PartRouting } from "./partrouting.js";
import { audioClockReading } from "./audioclock.js";
import { HeldNotes } from "./heldnotes.js";
import { createMasterChain } from "./masterchain.js";
import { Metronome } from "./metronome.js";
import { changeTempoNow, ticksDuringChange } from "./speedchange.js";

export { INSTRUMENT_NAMES };

// While a live stream plays, pause ("buffering") when the playhead gets this close to the last
// note received, and resume once this much music is ahead again (beats).
const BUFFER_LOW_BEATS = 0.25;
const BUFFER_RESUME_BEATS = 0.5;
export class Player extends EventTarget {
  #transport = Tone.getTransport();
  /** @type {Tone.Volume | null} where instruments play into: the head of the master chain */
  #master = null;
  /** @type {Tone.Volume | null} the listener's volume, feeding the speakers and the analyser */
  #output = null;
  /** @type {Tone.Analyser | null} */
  #analyser = null;
  /** @type {PartRouting | null} each part's instrument and channel strip */
  #parts = null;
  #instrumentName = DEFAULT_INSTRUMENT;
  #genre = null; // whose band plays the chords, bass and drums
  #samplesUrl;
  #notes = [];
  #tempo = 120; // the song's own quarter notes per minute
  #speed = 1;
  #bufferedBeats = 0; // end of the last note received
  #accompanimentEnd = 0; // end of the last note accompanying a live stream (its chords)
  #complete = true; // false while a live stream may still add notes
  #expectedBeats = 0; // how long a live stream will be once complete
  #state = "stopped"; // stopped | playing | paused | buffering
  #volumeFraction = 0.8;
  #following = false; // a shared clock (a room) moves the transport, not the song's end
  #sounded = new WeakSet(); // notes played since the song last started or jumped: each once
  #held = new HeldNotes(Tone); // notes being played (noteOn), each on its own instrument
  #metronome = new Metronome(Tone);
  /** @type {{heard: number, scheduled: number, fromTicks: number, ticksPerSecond: number} | null} */
  #retimed = null; // the last speed change

  /** The listener's volume, mute and solo per part, kept in `storage` (a Storage, or null). */
  mix;

  constructor({ samplesUrl = "/static/samples/", storage = globalThis.localStorage ?? null } = {}) {
    super();
    this.#samplesUrl = samplesUrl;
    this.mix = new MixSettings(storage);
  }

  get state() { return this.#state; }
  get notes() { return this.#notes; }
  get tempo() { return this.#tempo; }
  get speed() { return this.#speed; }
  get instrument() { return this.#instrumentName; }
  get genre() { return this.#genre; }
  /** Part -> the label of the instrument it plays on (after `preload`). */
  get partInstruments() { return this.#parts?.instrumentLabels ?? {}; }
  get complete() { return this.#complete; }
  get audioState() { return Tone.getContext().state; }
  /** Where the listener is now, in beats (what is heard, not what is being scheduled). */
  get positionBeats() {
    const now = Tone.immediate();
    // Until the transport takes up a speed change, it runs there.
    const ticks = ticksDuringChange(this.#retimed, now) ?? this.#transport.getTicksAtTime(now);
    return ticks / this.#transport.PPQ;
  }
  get lengthBeats() { return this.#bufferedBeats; }
  /** The song's length as far as it is known: a live stream's planned length until it ends. */
  get plannedBeats() {
    return this.#complete ? this.#bufferedBeats : Math.max(this.#expectedBeats, this.#bufferedBeats);
  }

  /** Seconds of song time at the song's tempo, whatever the playback speed. */
  beatsToSeconds(beats) { return (beats * 60) / this.#tempo; }

  /** Builds the audio graph and loads the current instruments' samples; no sound yet. */
  async preload() {
    if (!this.#output) {
      const { input, output, analyser } = createMasterChain(Tone, this.#volumeDb());
      this.#master = input;
      this.#output = output;
      this.#analyser = analyser;
      const options = { samplesUrl: this.#samplesUrl, melody: this.#instrumentName };
      this.#parts = new PartRouting(Tone, this.#master, this.mix, options);
    }
    await this.#useInstruments({ melody: this.#instrumentName, genre: this.#genre });
  }

  /** Starts audio (call from a click or key press: browsers require one) and loads samples. */
  async prepare() {
    await Tone.start();
    await this.preload();
  }

  /**
   * Replaces the song. `complete: false` means a live stream will `append` more notes, about
   * `expectedBeats` of them in all. `genre` chooses the band its chords, bass and drums play on.
   */
  load(notes, { tempo = 120, complete = true, expectedBeats = 0, genre = null } = {}) {
    this.stop();
    this.#transport.cancel(0);
    this.#notes = [];
    this.#bufferedBeats = 0;
    this.#accompanimentEnd = 0;
    this.#tempo = tempo;
    this.#complete = complete;
    this.#expectedBeats = expectedBeats;
    this.#setGenre(genre);
    this.#restartPass();
    this.dispatchEvent(new Event("load"));
    this.#transport.bpm.value = tempo * this.#speed;
    this.append(notes);
    if (complete) this.#scheduleEnd();
    else this.#transport.scheduleRepeat((time) => this.#checkBuffer(time), "16n", 0);
  }

  /**
   * Adds notes to the song. Notes that `accompany` a live stream (its chords, struck as its melody
   * reaches them) sound, draw and seek like the others, but only the stream's own notes tell how
   * far it has come: playing waits for the melody, not for a chord that reaches past it. Notes
   * already `heard` (someone played them, `noteOn`) are drawn, not sounded again.
   */
  append(notes, { accompany = false, heard = false } = {}) {
    for (const note of notes) {
      this.#notes.push(note);
      if (accompany && !this.#complete) this.#accompanimentEnd = Math.max(this.#accompanimentEnd, noteEnd(note));
      else this.#bufferedBeats = Math.max(this.#bufferedBeats, noteEnd(note));
      if (!heard) this.#transport.schedule((time) => this.#sound(note, time), this.#ticks(note.start));
    }
    const ahead = this.#bufferedBeats - this.positionBeats;
    if (this.#state === "buffering" && ahead >= BUFFER_RESUME_BEATS) this.#resume();
    this.dispatchEvent(new CustomEvent("notes", { detail: notes }));
  }

  /** The live stream ended: no more notes, playback stops at the last one. */
  finish() {
    if (this.#complete) return;
    this.#complete = true;
    this.#bufferedBeats = Math.max(this.#bufferedBeats, this.#accompanimentEnd); // the last chord rings out
    this.#scheduleEnd();
    if (this.#state === "buffering") this.#resume();
  }

  async play() {
    await this.prepare();
    if (this.#complete && this.positionBeats >= this.#bufferedBeats) {
      this.#transport.ticks = 0;
      this.#restartPass();
    }
    this.#resume();
  }

  pause() {
    if (this.#state === "stopped") return;
    this.#transport.pause();
    this.#releaseAll();
    this.#setState("paused");
  }

  stop() {
    this.#transport.stop();
    this.#restartPass();
    this.#releaseAll();
    this.#setState("stopped");
  }

  toggle() {
    return this.#state === "playing" || this.#state === "buffering" ? this.pause() : this.play();
  }

  /** Jumps to `beats` (clamped to what has been received). */
  seek(beats) {
    const target = Math.min(Math.max(beats, 0), this.#bufferedBeats);
    this.#releaseAll();
    this.#restartPass();
    this.#transport.ticks = Math.round(target * this.#transport.PPQ);
    this.dispatchEvent(new CustomEvent("seek", { detail: target }));
  }

  /**
   * Plays in step with a shared clock (a listening room): from audio-context time `time`
   * (seconds, see `audioClockReading`) the song is at `beats` and moves at `tempo` quarter notes
   * per minute, or holds still there when `playing` is false. No buffering, no stop at the end:
   * whoever owns the clock decides where the music is.
   */
  follow({ time, beats, tempo, playing }) {
    this.#following = true;
    this.#complete = true;
    this.#tempo = tempo;
    this.#speed = 1;
    this.#restartPass();
    const ticks = Math.round(Math.max(beats, 0) * this.#transport.PPQ);
    // Now, not at `time`: by then the notes from `ticks` on are already struck.
    this.#releaseAll();
    this.#transport.bpm.setValueAtTime(tempo, time);
    if (playing) {
      this.#transport.stop(time);
      this.#transport.start(time, `${ticks}i`);
      // Tone's clock does not always fire the tick it starts from: the notes there sound here,
      // and once only (#sound skips a note already played).
      const PPQ = this.#transport.PPQ;
      for (const note of this.#notes) if (Math.round(note.start * PPQ) === ticks) this.#sound(note, time);
    } else {
      this.#transport.pause(time);
    }
    // Not Tone.Draw: it runs on animation frames, which a hidden tab does not get.
    const delayMs = Math.max(0, (time - Tone.getContext().rawContext.currentTime) * 1000);
    setTimeout(() => {
      if (!playing) this.#transport.ticks = ticks;
      this.#setState(playing ? "playing" : "paused");
    }, delayMs);
  }

  /** Gives the transport back to the song after `follow`: playing stops at its end again. */
  unfollow() {
    this.#following = false;
  }

  /**
   * Clicks every beat while the transport runs, the first of each bar of four louder: a
   * count-in, or time to play in. Set after `load`, which clears what the transport schedules.
   */
  setMetronome(on) {
    this.#metronome.set(on, this.#master);
  }

  /**
   * The audio clock and `performance.now()` read together: `contextTime` (seconds) is heard at
   * `performanceMs` (milliseconds), output latency included where the browser reports it.
   */
  audioClockReading() {
    return audioClockReading(Tone);
  }

  /**
   * Playback speed, 0.5 to 2: the transport tempo changes, the pitch does not. While playing,
   * the new speed starts from what is heard at the moment of the change.
   */
  setSpeed(speed) {
    this.#speed = Math.min(Math.max(speed, 0.5), 2);
    const bpm = this.#tempo * this.#speed;
    if (this.#state === "playing" && this.#transport.state === "started") this.#retime(bpm);
    else this.#transport.bpm.value = bpm;
  }

  /** Switches the melody's instrument, also while playing: notes from now on use the new one. */
  async setInstrument(name) {
    if (!(name in INSTRUMENT_NAMES)) throw new Error(`unknown instrument ${name}`);
    if (this.#output) await this.#useInstruments({ melody: name, genre: this.#genre }); // the old one plays while it loads
    this.#instrumentName = name;
    this.dispatchEvent(new CustomEvent("instrument", { detail: name }));
  }

  /**
   * Starts a note someone is playing (a key held down) on the melody's instrument and strip, heard at once
   * or at audio time `at` (seconds: another member's note in a room jam), until `noteOff` with
   * the same `voice` (who plays it). Reports it as a "live" event ({pitch, velocity, on, time,
   * voice}, time: audio clock).
   */
  noteOn(pitch, velocity, { at = null, voice = "" } = {}) {
    // A key press is a gesture that may start the audio; another member's note is not.
    if (Tone.getContext().state !== "running" && !voice) Tone.start();
    const instrument = this.#parts?.instrumentOf("played");
    if (!instrument || instrument.loaded === false) return; // samples still downloading
    const time = this.#held.start(instrument, pitch, velocity, { at, voice });
    this.dispatchEvent(new CustomEvent("live", { detail: { pitch, velocity, on: true, time, voice } }));
  }

  /**
   * Where the listener was, in beats, at `performanceMs` (a key press's time on the
   * performance.now() clock): a played note's place in the song.
   */
  beatsAt(performanceMs) {
    const seconds = (performance.now() - performanceMs) / 1000;
    return this.positionBeats - (seconds * this.#transport.bpm.value) / 60;
  }

  /** Releases a note started by `noteOn` (now or at audio time `at`), on the instrument that started it. */
  noteOff(pitch, { at = null, voice = "" } = {}) {
    const time = this.#held.stop(pitch, { at, voice });
    if (time === null) return;
    this.dispatchEvent(new CustomEvent("live", { detail: { pitch, velocity: 0, on: false, time, voice } }));
  }

  /** Volume from 0 (silent) to 1 (full). */
  setVolume(fraction) {
    this.#volumeFraction = fraction;
    if (this.#output) this.#output.volume.value = this.#volumeDb();
  }

  /** Each part's level after its strip's fader, 0..1; empty before audio starts. */
  partLevels() {
    return this.#parts?.levels() ?? {};
  }

  /** The last 1024 output samples of the mix in -1..1, or null before audio starts. */
  readWaveform() {
    return this.#analyser ? this.#analyser.getValue() : null;
  }

  #volumeDb() {
    return this.#volumeFraction <= 0 ? -Infinity : Tone.gainToDb(this.#volumeFraction);
  }

  /** Every part's instrument for `choice` (both named: calls may finish out of order). */
  async #useInstruments(choice) {
    const parts = /** @type {PartRouting} */ (this.#parts);
    const loading = parts.needsLoading(choice);
    if (loading) this.#setLoading(true);
    try {
      await parts.use(choice);
    } finally {
      if (loading) this.#setLoading(false);
    }
    this.dispatchEvent(new CustomEvent("parts", { detail: parts.instrumentLabels }));
  }

  /** The band of `genre` plays from now on; its instruments load in the background. */
  #setGenre(genre) {
    if (genre === this.#genre) return;
    this.#genre = genre;
    const choice = { melody: this.#instrumentName, genre };
    if (this.#parts) this.#useInstruments(choice).catch(() => {}); // `loading` tells the page
  }

  /** A transport time ("384i": ticks) for a position in beats. */
  #ticks(beats) {
    return `${Math.round(beats * this.#transport.PPQ)}i`;
  }

  /** The song moves at `bpm` from the moment heard now; the notes the change skips play now. */
  #retime(bpm) {
    const transport = this.#transport;
    const { heard, scheduled, fromTicks, toTicks, ticksPerSecond } = changeTempoNow(Tone, bpm);
    this.#retimed = { heard, scheduled, fromTicks, ticksPerSecond };
    for (const note of this.#notes) {
      const ticks = note.start * transport.PPQ;
      if (ticks < fromTicks || ticks >= toTicks) continue;
      this.#sound(note, heard + (ticks - fromTicks) / ticksPerSecond);
    }
    const endTicks = (this.#bufferedBeats + 0.05) * transport.PPQ;
    if (this.#complete && endTicks >= fromTicks && endTicks < toTicks) {
      Tone.getDraw().schedule(() => this.#ended(), scheduled); // the jump passed the end event
    }
  }

  /** The song starts again or jumps: every note may play again, and no speed change is pending. */
  #restartPass() {
    this.#sounded = new WeakSet();
    this.#retimed = null;
  }

  #sound(note, time) {
    if (this.#sounded.has(note)) return; // already played at the tempo before a speed change
    const seconds = (note.duration * 60) / this.#transport.bpm.value;
    if (!this.#parts?.play(note, seconds, time)) return; // samples still downloading
    this.#sounded.add(note);
    // late: the callback came after the note's moment (the page was too busy), so it starts late
    const late = time < Tone.getContext().rawContext.currentTime;
    this.dispatchEvent(new CustomEvent("sound", { detail: { note, time, late } })); // time: audio clock
  }

  #scheduleEnd() {
    const atEnd = (time) => Tone.getDraw().schedule(() => this.#ended(), time);
    this.#transport.schedule(atEnd, this.#ticks(this.#bufferedBeats + 0.05));
  }

  #ended() {
    // A seek moved back past the end, or a shared clock decides when playing ends.
    if (this.#following || this.positionBeats < this.#bufferedBeats) return;
    this.stop();
    this.dispatchEvent(new Event("ended"));
  }

  #checkBuffer(time) {
    const beats = this.#transport.getTicksAtTime(time) / this.#transport.PPQ;
    if (this.#complete || beats + BUFFER_LOW_BEATS < this.#bufferedBeats) return;
    Tone.getDraw().schedule(() => this.#holdForNotes(), time);
  }

  // Decided on the main thread, where notes arrive: notes that came since the check cancel the
  // hold, and a hold once made is always seen by the next append, which resumes it.
  #holdForNotes() {
    if (this.#complete || this.#state !== "playing") return;
    if (this.positionBeats + BUFFER_LOW_BEATS < this.#bufferedBeats) return;
    this.#transport.pause();
    this.#setState("buffering");
  }

  #resume() {
    if (this.#transport.state !== "started") this.#transport.start();
    this.#setState("playing");
    if (!this.#complete) this.#checkBuffer(Tone.now());
  }

  #releaseAll() {
    this.#parts?.releaseAll();
  }

  #setLoading(loading) {
    this.dispatchEvent(new CustomEvent("loading", { detail: loading }));
  }

  #setState(state) {
    if (state === this.#state) return;
    this.#state = state;
    this.dispatchEvent(new CustomEvent("statechange", { detail: state }));
  }
}
