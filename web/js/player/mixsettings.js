// @ts-check
// The listener's mix of a piece's parts: a volume, mute and solo for each, kept in localStorage
// so the next song (and the next visit) plays the same way. Solo works as in a DAW: soloing a
// part solos it alone, soloing with `additive` adds it to the parts already soloed, and while
// any part is soloed only soloed parts sound. The player applies it (player/partrouting.js).

/** The parts the mixer has a strip for; notes a person played sound on the melody's strip. */
export const MIXER_PARTS = /** @type {const} */ (["melody", "chords", "bass", "drums"]);
const STORAGE_KEY = "cadenza.mix";
const DEFAULT_VOLUME = 1; // each part's fader starts at unity gain, as a DAW's do

/**
 * @typedef {object} PartMix
 * @property {number} volume 0 (silent) to 1 (full)
 * @property {boolean} muted
 * @property {boolean} soloed
 */

/** The strip a note's part plays through. */
export function mixerPart(part) {
  return part === "played" ? "melody" : part;
}

export class MixSettings extends EventTarget {
  /** @type {Map<string, PartMix>} */
  #parts = new Map();
  /** @type {Storage | null} */
  #storage;

  /** @param {Storage | null} [storage] where the mix is kept (none: it lasts the page) */
  constructor(storage = null) {
    super();
    this.#storage = storage;
    for (const part of MIXER_PARTS) this.#parts.set(part, { volume: DEFAULT_VOLUME, muted: false, soloed: false });
    this.#restore();
  }

  /** @param {string} part */
  get(part) {
    return { ...this.#mixOf(part) };
  }

  /** @param {string} part @param {number} volume 0..1 */
  setVolume(part, volume) {
    this.#mixOf(part).volume = Math.min(Math.max(Number(volume) || 0, 0), 1);
    this.#changed();
  }

  /** @param {string} part @param {boolean} muted */
  setMuted(part, muted) {
    this.#mixOf(part).muted = muted;
    this.#changed();
  }

  /**
   * Solos `part` alone, or with `additive` beside those already soloed; `soloed` false takes
   * only this part out of the solo.
   * @param {string} part @param {boolean} soloed @param {{additive?: boolean}} [options]
   */
  setSoloed(part, soloed, { additive = false } = {}) {
    const mix = this.#mixOf(part);
    if (soloed && !additive) for (const other of this.#parts.values()) other.soloed = false;
    mix.soloed = soloed;
    this.#changed();
  }

  /** Whether `part` is heard: not muted, and soloed when any part is. */
  audible(part) {
    const mix = this.#mixOf(part);
    const anySolo = [...this.#parts.values()].some((other) => other.soloed);
    return !mix.muted && (!anySolo || mix.soloed);
  }

  /** The strip's gain in dB: its fader when heard, -Infinity when not. */
  gainDb(part) {
    const { volume } = this.#mixOf(part);
    return this.audible(part) && volume > 0 ? 20 * Math.log10(volume) : -Infinity;
  }

  /** @param {string} part */
  #mixOf(part) {
    const mix = this.#parts.get(mixerPart(part));
    if (!mix) throw new Error(`the mixer has no part ${JSON.stringify(part)}`);
    return mix;
  }

  #changed() {
    this.#save();
    this.dispatchEvent(new Event("change"));
  }

  // A stored mix that cannot be read (another version's, edited by hand) is ignored part by part.
  #restore() {
    let stored;
    try {
      stored = JSON.parse(this.#storage?.getItem(STORAGE_KEY) ?? "null");
    } catch {
      return;
    }
    if (stored === null || typeof stored !== "object") return;
    for (const [part, mix] of this.#parts) {
      const saved = stored[part];
      if (typeof saved?.volume === "number" && saved.volume >= 0 && saved.volume <= 1) mix.volume = saved.volume;
      if (typeof saved?.muted === "boolean") mix.muted = saved.muted;
      if (typeof saved?.soloed === "boolean") mix.soloed = saved.soloed;
    }
  }

  #save() {
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(this.#parts)));
    } catch {
      // storage full or refused (private browsing): the mix still holds for this page
    }
  }
}
