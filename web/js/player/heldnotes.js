// @ts-check
// Notes someone is playing by hand (a key held down, or another member's note in a room jam),
// each released on the instrument that started it, whatever instrument is chosen meanwhile.
// Receives the Tone namespace from player.js (the one module that imports Tone).

export class HeldNotes {
  #Tone;
  #held = new Map(); // "voice:pitch" -> the instrument the note sounds on

  constructor(Tone) {
    this.#Tone = Tone;
  }

  /** Starts `pitch` on `instrument` for `voice` (who plays it) at audio time `at` or at once; the time. */
  start(instrument, pitch, velocity, { at = null, voice = "" } = {}) {
    const time = Math.max(at ?? 0, this.#Tone.immediate());
    instrument.triggerAttack(this.#Tone.Frequency(pitch, "midi").toNote(), time, velocity / 127);
    this.#held.set(`${voice}:${pitch}`, instrument);
    return time;
  }

  /** Releases a note `start`ed by `voice`, at audio time `at` or at once; the time, or null if none was held. */
  stop(pitch, { at = null, voice = "" } = {}) {
    const instrument = this.#held.get(`${voice}:${pitch}`);
    if (!instrument) return null;
    this.#held.delete(`${voice}:${pitch}`);
    const time = Math.max(at ?? 0, this.#Tone.immediate());
    instrument.triggerRelease(this.#Tone.Frequency(pitch, "midi").toNote(), time);
    return time;
  }
}
