// @ts-check
// Each part of a piece on its own instrument through its own channel strip into the master chain:
// the melody (and notes a person played) on the listener's instrument, the chords, bass and drums
// on the genre's band (music/bandinstruments.js). A strip is a Tone.Volume set from the
// listener's mix (player/mixsettings.js), with a meter after it that tells what the part sends.
// Not Tone.Channel: its panner, even centred, sends a mono part 3 dB down each side.
// Tone comes from player/player.js, the one module that imports it.
import { bandInstrumentName, createBandInstrument, instrumentLabel } from "../music/bandinstruments.js";
import { MIXER_PARTS, mixerPart } from "./mixsettings.js";

export class PartRouting {
  #Tone;
  #options;
  /** @type {Map<string, {channel: any, meter: any}>} part -> its strip */
  #strips = new Map();
  /** @type {Map<string, any>} "part:instrument" -> the instrument playing into that part's strip */
  #instruments = new Map();
  #melody;
  /** @type {string | null} */
  #genre = null;
  #choices = 0; // how many times `use` was called: only the latest choice takes effect

  /**
   * @param {any} Tone
   * @param {any} master where every strip plays into
   * @param {import("./mixsettings.js").MixSettings} mix
   * @param {{samplesUrl: string, melody: string}} options
   */
  constructor(Tone, master, mix, { samplesUrl, melody }) {
    this.#Tone = Tone;
    this.#options = { samplesUrl };
    this.#melody = melody;
    for (const part of MIXER_PARTS) {
      const meter = new Tone.Meter({ normalRange: true, smoothing: 0.6 });
      const channel = new Tone.Volume(0).connect(master);
      channel.connect(meter);
      this.#strips.set(part, { channel, meter });
    }
    this.applyMix(mix);
    mix.addEventListener("change", () => this.applyMix(mix));
  }

  get genre() { return this.#genre; }

  /** The instrument name each strip plays on now. */
  get instrumentNames() {
    return Object.fromEntries(MIXER_PARTS.map((part) => [part, this.#nameFor(part)]));
  }

  /** The labels of `instrumentNames`, as the mixer shows them. */
  get instrumentLabels() {
    return Object.fromEntries(MIXER_PARTS.map((part) => [part, instrumentLabel(this.#nameFor(part))]));
  }

  /**
   * Plays the melody on `melody` and the band of `genre` once every part's instrument is ready
   * (samples loaded): until then the parts play on as before; a choice made meanwhile wins, in
   * whichever order the loading ends. Instruments no part plays any more fall silent.
   * @param {{melody: string, genre: string | null}} choice
   */
  async use({ melody, genre }) {
    const choice = ++this.#choices;
    const wanted = MIXER_PARTS.map((part) => {
      const key = this.#keyFor(part, melody, genre);
      if (!this.#instruments.has(key)) {
        const strip = /** @type {{channel: any}} */ (this.#strips.get(part)).channel;
        const name = this.#nameFor(part, melody, genre);
        this.#instruments.set(key, createBandInstrument(this.#Tone, part, name, strip, this.#options));
      }
      return this.#instruments.get(key);
    });
    // Samples another call started loading are waited for too.
    if (wanted.some((instrument) => instrument.loaded === false)) await this.#Tone.loaded();
    if (choice !== this.#choices) return; // chosen again while this one loaded
    this.#melody = melody;
    this.#genre = genre;
    const playing = new Set(MIXER_PARTS.map((part) => this.#keyFor(part)));
    for (const [key, instrument] of this.#instruments) if (!playing.has(key)) instrument.releaseAll();
  }

  /** Whether `use` would have to load anything for `choice`. */
  needsLoading({ melody, genre }) {
    return MIXER_PARTS.some((part) => {
      const instrument = this.#instruments.get(this.#keyFor(part, melody, genre));
      return !instrument || instrument.loaded === false; // samplers say; synthesizers need nothing
    });
  }

  /** The instrument `part` plays on now (a note a person plays: the melody's), if made yet. */
  instrumentOf(part) {
    return this.#instruments.get(this.#keyFor(mixerPart(part))) ?? null;
  }

  /**
   * Sounds `note` on its part's instrument at audio time `time` for `seconds`; false when the
   * instrument is not ready (samples still downloading).
   * @param {import("../music/notes.js").Note} note
   */
  play(note, seconds, time) {
    const part = mixerPart(note.part);
    const instrument = this.instrumentOf(part);
    if (!instrument || instrument.loaded === false) return false;
    const velocity = note.velocity / 127;
    const pitch = part === "drums" ? note.pitch : this.#Tone.Frequency(note.pitch, "midi").toNote();
    instrument.triggerAttackRelease(pitch, seconds, time, velocity);
    return true;
  }

  /** Each strip's level after its fader, 0..1 (what the part sends to the master now). */
  levels() {
    return Object.fromEntries([...this.#strips].map(([part, { meter }]) => [part, Number(meter.getValue())]));
  }

  /** @param {import("./mixsettings.js").MixSettings} mix */
  applyMix(mix) {
    for (const [part, { channel }] of this.#strips) {
      const gain = mix.gainDb(part);
      channel.mute = gain === -Infinity;
      if (gain !== -Infinity) channel.volume.value = gain;
    }
  }

  releaseAll() {
    for (const instrument of this.#instruments.values()) instrument.releaseAll();
  }

  #nameFor(part, melody = this.#melody, genre = this.#genre) {
    return bandInstrumentName(part, genre, melody);
  }

  #keyFor(part, melody = this.#melody, genre = this.#genre) {
    return `${part}:${this.#nameFor(part, melody, genre)}`;
  }
}
