// @ts-check
// The band's drum kit, synthesized with Tone.js (no npm package ships drum samples under a
// licence the project can bundle): a MembraneSynth kick and toms, a noise snare over a tuned
// body, filtered-noise hi-hats and shakers, MetalSynth ride, crash and tambourine. It plays
// General MIDI drum notes (channel 10), the pitches of the "drums" part.

/**
 * @typedef {object} Voice
 * @property {(time: number, velocity: number, seconds: number) => void} strike
 * @property {() => void} silence
 */

/** General MIDI drum note -> the kit piece that plays it; a note not listed plays the shaker. */
const PIECE_OF_NOTE = new Map([
  [35, "kick"], [36, "kick"],
  [37, "sideStick"], [38, "snare"], [39, "snare"], [40, "snare"],
  [42, "closedHat"], [44, "pedalHat"], [46, "openHat"],
  [41, "floorTom"], [43, "floorTom"], [45, "lowTom"], [47, "midTom"], [48, "highTom"], [50, "highTom"],
  [49, "crash"], [52, "crash"], [55, "crash"], [57, "crash"],
  [51, "ride"], [59, "ride"], [53, "rideBell"],
  [54, "tambourine"], [69, "shaker"], [70, "shaker"], [82, "shaker"],
]);

/** @param {number} pitch General MIDI drum note */
export function kitPiece(pitch) {
  return PIECE_OF_NOTE.get(pitch) ?? "shaker";
}

// Each piece's level (dB), set by ear and by the band loudness test (tests/browser/test_sound.py):
// the backbeat and kick lead, the cymbals sit behind them.
const LEVELS_DB = {
  kick: 2, snare: 6, sideStick: 8, closedHat: -5, pedalHat: -5, openHat: -8,
  floorTom: -1, lowTom: -1, midTom: -1, highTom: -1,
  crash: -12, ride: -17, rideBell: -10, tambourine: -11, shaker: 10,
};

function membrane(Tone, output, note, { decay, octaves = 5, pitchDecay = 0.04 }) {
  const synth = new Tone.MembraneSynth({
    pitchDecay, octaves,
    oscillator: { type: "sine" },
    envelope: { attack: 0.001, decay, sustain: 0, release: 0.05 },
  }).connect(output);
  return {
    strike: (time, velocity) => synth.triggerAttackRelease(note, decay, time, velocity),
    silence: () => synth.triggerRelease(),
  };
}

function noise(Tone, output, { type = "white", decay, filter }) {
  const shaped = new Tone.Filter(filter).connect(output);
  const synth = new Tone.NoiseSynth({
    noise: { type },
    envelope: { attack: 0.001, decay, sustain: 0, release: 0.02 },
  }).connect(shaped);
  return {
    strike: (time, velocity) => synth.triggerAttackRelease(decay, time, velocity),
    silence: () => synth.triggerRelease(),
  };
}

function metal(Tone, output, { frequency, decay, harmonicity = 5.1, resonance = 4000, octaves = 1.5 }) {
  const synth = new Tone.MetalSynth({
    harmonicity, modulationIndex: 32, resonance, octaves,
    envelope: { attack: 0.001, decay, release: 0.1 },
  }).connect(output);
  return {
    strike: (time, velocity) => synth.triggerAttackRelease(frequency, decay, time, velocity),
    silence: () => synth.triggerRelease(),
  };
}

/** A snare: a noise burst through a band-pass over a short tuned body. */
function snare(Tone, output) {
  const rattle = noise(Tone, output, { decay: 0.17, filter: { type: "bandpass", frequency: 3200, Q: 0.6 } });
  const body = membrane(Tone, output, "G3", { decay: 0.09, octaves: 1.5, pitchDecay: 0.01 });
  return {
    strike: (time, velocity) => {
      rattle.strike(time, velocity);
      body.strike(time, velocity * 0.7);
    },
    silence: () => { rattle.silence(); body.silence(); },
  };
}

const PIECES = {
  kick: (Tone, out) => membrane(Tone, out, "C1", { decay: 0.4, octaves: 6, pitchDecay: 0.05 }),
  snare,
  sideStick: (Tone, out) => noise(Tone, out, { decay: 0.03, filter: { type: "bandpass", frequency: 1800, Q: 2 } }),
  closedHat: (Tone, out) => noise(Tone, out, { decay: 0.045, filter: { type: "highpass", frequency: 7500 } }),
  pedalHat: (Tone, out) => noise(Tone, out, { decay: 0.03, filter: { type: "highpass", frequency: 6500 } }),
  openHat: (Tone, out) => noise(Tone, out, { decay: 0.32, filter: { type: "highpass", frequency: 7000 } }),
  floorTom: (Tone, out) => membrane(Tone, out, "F1", { decay: 0.45, octaves: 2.5 }),
  lowTom: (Tone, out) => membrane(Tone, out, "A1", { decay: 0.4, octaves: 2.5 }),
  midTom: (Tone, out) => membrane(Tone, out, "D2", { decay: 0.35, octaves: 2.5 }),
  highTom: (Tone, out) => membrane(Tone, out, "G2", { decay: 0.3, octaves: 2.5 }),
  crash: (Tone, out) => metal(Tone, out, { frequency: 300, decay: 1.6, resonance: 5000 }),
  ride: (Tone, out) => metal(Tone, out, { frequency: 420, decay: 0.9, harmonicity: 8.5, resonance: 3500, octaves: 1 }),
  rideBell: (Tone, out) => metal(Tone, out, { frequency: 650, decay: 0.7, harmonicity: 3.1, resonance: 2500, octaves: 0.8 }),
  tambourine: (Tone, out) => metal(Tone, out, { frequency: 900, decay: 0.18, harmonicity: 11.2, resonance: 7000, octaves: 0.7 }),
  shaker: (Tone, out) => noise(Tone, out, { type: "pink", decay: 0.07, filter: { type: "highpass", frequency: 5000 } }),
};

// Two strikes of one piece at the same instant would ask one source to start twice at once,
// which Tone refuses: a closed hat with a pedal hat, or two strikes whose callbacks ran late
// (Tone moves a start in the past to the present). The later one moves this far on. "The
// present" is the audio clock when the source starts, which Chromium may move on while a strike
// runs: a strike counts from the later of its time and the clock after it.
const RESTRIKE_SECONDS = 0.002;

/**
 * The kit, playing into `output`: `triggerAttackRelease(pitch, seconds, time, velocity)` takes a
 * General MIDI drum note; pieces are built the first time they are struck.
 */
export function createDrumKit(Tone, output) {
  const volume = new Tone.Volume(0).connect(output);
  /** @type {Map<string, Voice>} */
  const voices = new Map();
  /** @type {Map<string, number>} */
  const lastStrike = new Map();
  const voiceOf = (piece) => {
    if (!voices.has(piece)) {
      const level = new Tone.Volume(LEVELS_DB[piece]).connect(volume);
      voices.set(piece, PIECES[piece](Tone, level));
    }
    return /** @type {Voice} */ (voices.get(piece));
  };
  return {
    volume: volume.volume,
    loaded: true,
    triggerAttackRelease(pitch, seconds, time, velocity) {
      const piece = kitPiece(pitch);
      const context = Tone.getContext();
      const at = Math.max(time, context.currentTime, (lastStrike.get(piece) ?? -Infinity) + RESTRIKE_SECONDS);
      voiceOf(piece).strike(at, velocity, seconds);
      lastStrike.set(piece, Math.max(at, context.currentTime));
    },
    releaseAll() {
      for (const voice of voices.values()) voice.silence();
    },
  };
}
