// @ts-check
// The metronome: a click every beat while the transport runs, the first of each bar of four
// louder. Receives the Tone namespace from player.js (the one module that imports Tone).

// A short woodblock-like tick: a membrane synth with almost no pitch sweep.
const METRONOME_CLICK = {
  pitchDecay: 0.005, octaves: 1.5, envelope: { attack: 0.001, decay: 0.06, sustain: 0, release: 0.02 },
};

export class Metronome {
  #Tone;
  #transport;
  /** @type {number | null} the transport's repeating click event */
  #event = null;
  /** @type {any} the click synth, made when first switched on */
  #click = null;

  constructor(Tone) {
    this.#Tone = Tone;
    this.#transport = Tone.getTransport();
  }

  /**
   * Clicks into `output` while `on`; silent when off or before the audio graph exists. Set after
   * anything that clears what the transport schedules.
   */
  set(on, output) {
    if (this.#event !== null) this.#transport.clear(this.#event);
    this.#event = null;
    if (!on || !output) return;
    this.#click ??= new this.#Tone.MembraneSynth(METRONOME_CLICK).connect(output);
    const click = this.#click;
    const transport = this.#transport;
    this.#event = transport.scheduleRepeat((time) => {
      const downbeat = Math.round(transport.getTicksAtTime(time) / transport.PPQ) % 4 === 0;
      click.triggerAttackRelease(downbeat ? "C6" : "G5", 0.05, time, downbeat ? 0.8 : 0.45);
    }, "4n", 0);
  }
}
