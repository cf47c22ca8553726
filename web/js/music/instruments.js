// @ts-check
// The player's instrument recipes. Each receives the Tone namespace from player/player.js (the one
// module that imports Tone) and returns a polyphonic instrument connected to `output`, at its level.
// The instruments' names and labels come from the server (server/generation/instruments.py).
import { musicConstants } from "./constants.js";

/** Instrument name -> the label the player lists it by. */
export const INSTRUMENT_NAMES = musicConstants().instruments;
/** What a song saved before instruments were recorded plays on. */
export const DEFAULT_INSTRUMENT = musicConstants().defaultInstrument;

// Salamander ships one sample per minor third (A, C, D#, F#); Tone.Sampler pitch-shifts the notes
// in between by at most a semitone and a half. File names match web/build.mjs ("#" -> "s").
function salamanderUrls() {
  const urls = {};
  for (let octave = 0; octave <= 8; octave += 1) {
    for (const [note, file] of [["C", "C"], ["D#", "Ds"], ["F#", "Fs"], ["A", "A"]]) {
      const inRange = !(octave === 0 && note !== "A") && !(octave === 8 && note !== "C");
      if (inRange) urls[`${note}${octave}`] = `${file}${octave}.mp3`;
    }
  }
  return urls;
}

// The samples, decoded once per page and shared by every piano that plays (the melody's and the
// band's comping): samplesUrl -> the loaded ToneAudioBuffers.
const salamanderBuffers = new Map();

/**
 * A grand piano on the shared Salamander samples. Its sampler is made once they are decoded
 * (`loaded` says when), from the decoded buffers themselves, so a second piano costs no download
 * and no decoding.
 */
function piano(Tone, output, { samplesUrl }) {
  if (!salamanderBuffers.has(samplesUrl)) {
    salamanderBuffers.set(samplesUrl, new Tone.ToneAudioBuffers({ urls: salamanderUrls(), baseUrl: samplesUrl }));
  }
  const buffers = salamanderBuffers.get(samplesUrl);
  const level = new Tone.Volume(0).connect(output);
  /** @type {any} made once the samples are decoded */
  let sampler = null;
  const ready = () => {
    if (sampler === null && buffers.loaded) {
      const urls = Object.fromEntries(Object.keys(salamanderUrls()).map((note) => [note, buffers.get(note)]));
      sampler = new Tone.Sampler({ urls, release: 1.2 }).connect(level);
    }
    return sampler;
  };
  return {
    volume: level.volume,
    get loaded() { return ready() !== null; },
    triggerAttackRelease: (...args) => ready()?.triggerAttackRelease(...args),
    triggerAttack: (...args) => ready()?.triggerAttack(...args),
    triggerRelease: (...args) => ready()?.triggerRelease(...args),
    releaseAll: () => sampler?.releaseAll(),
  };
}

function fmPiano(Tone, output) {
  const synth = new Tone.PolySynth(Tone.FMSynth, {
    harmonicity: 3,
    modulationIndex: 8,
    oscillator: { type: "sine" },
    modulation: { type: "sine" },
    envelope: { attack: 0.004, decay: 0.6, sustain: 0.2, release: 1.2 },
    modulationEnvelope: { attack: 0.004, decay: 0.35, sustain: 0.1, release: 0.8 },
  });
  return synth.connect(output);
}

function amPad(Tone, output) {
  const filter = new Tone.Filter({ type: "lowpass", frequency: 1800, Q: 0.5 }).connect(output);
  const synth = new Tone.PolySynth(Tone.AMSynth, {
    harmonicity: 2,
    oscillator: { type: "triangle" },
    modulation: { type: "sine" },
    envelope: { attack: 0.25, decay: 0.4, sustain: 0.8, release: 2.4 },
    modulationEnvelope: { attack: 0.5, decay: 0.2, sustain: 1, release: 2 },
  });
  return synth.connect(filter);
}

// Tone.PluckSynth needs an AudioWorklet loaded from a blob: URL, which the page's CSP forbids;
// a filter-enveloped MonoSynth gives the same plucked attack without one.
function pluck(Tone, output) {
  const synth = new Tone.PolySynth(Tone.MonoSynth, {
    oscillator: { type: "sawtooth" },
    envelope: { attack: 0.002, decay: 0.35, sustain: 0, release: 0.3 },
    filterEnvelope: {
      attack: 0.001, decay: 0.18, sustain: 0, release: 0.2, baseFrequency: 280, octaves: 4,
    },
  });
  return synth.connect(output);
}

const RECIPES = { piano, fm: fmPiano, pad: amPad, pluck };

// Each instrument's volume (dB), chosen so that a test melody's loudest 400 ms reads the same on
// all of them at the master (tests/browser/test_sound.py; figures in docs/performance.md).
const LEVELS_DB = { piano: 0, fm: -2, pad: 0, pluck: 12 };

export function createInstrument(Tone, name, output, options) {
  const recipe = RECIPES[name];
  if (!recipe) throw new Error(`unknown instrument ${name}`);
  const instrument = recipe(Tone, output, options);
  instrument.volume.value = LEVELS_DB[name];
  return instrument;
}
