// @ts-check
// What each part of the band plays on, per genre: the comping of the "chords" part on a keyboard
// or a guitar, the bass on a synthesized electric or upright bass or a cello, the drums on the
// kit; the instruments a saved song's MIDI file names (server/generation/band/instruments.py). Recipes
// take the Tone namespace from player/player.js, like music/instruments.js, whose keyboards the
// comping reuses; bass and guitar are synthesized (no npm package ships them as samples under a
// licence the project can bundle).
import { createInstrument, DEFAULT_INSTRUMENT, INSTRUMENT_NAMES } from "./instruments.js";
import { createDrumKit } from "./drumkit.js";

/**
 * The band's instrument for each part of a genre: a melody instrument's name, or one of
 * BAND_RECIPES. A genre not listed (or none: "any", an upload) comps on the piano.
 */
const BAND_OF_GENRE = {
  pop: { chords: "piano", bass: "electricBass" },
  rock: { chords: "guitar", bass: "electricBass" },
  jazz: { chords: "piano", bass: "uprightBass" },
  classical: { chords: "piano", bass: "cello" },
  folk: { chords: "acousticGuitar", bass: "uprightBass" },
};
const DEFAULT_BAND = { chords: DEFAULT_INSTRUMENT, bass: "electricBass" };

/** Labels the mixer shows under each band instrument. */
const BAND_LABELS = {
  electricBass: "Electric bass", uprightBass: "Upright bass", guitar: "Overdriven guitar",
  acousticGuitar: "Acoustic guitar", cello: "Cello", kit: "Drum kit",
};

/** A round electric bass: a saw through a low-pass that opens with each pluck. */
function electricBass(Tone, output) {
  return new Tone.PolySynth(Tone.MonoSynth, {
    oscillator: { type: "fatsawtooth", count: 2, spread: 12 },
    filter: { type: "lowpass", Q: 1, rolloff: -24 },
    envelope: { attack: 0.004, decay: 0.3, sustain: 0.6, release: 0.12 },
    filterEnvelope: { attack: 0.002, decay: 0.2, sustain: 0.25, release: 0.2, baseFrequency: 90, octaves: 3.2 },
  }).connect(output);
}

/** An upright bass: a soft FM thump that dies away like a plucked string. */
function uprightBass(Tone, output) {
  return new Tone.PolySynth(Tone.FMSynth, {
    harmonicity: 1,
    modulationIndex: 3,
    oscillator: { type: "sine" },
    modulation: { type: "triangle" },
    envelope: { attack: 0.006, decay: 0.8, sustain: 0.15, release: 0.15 },
    modulationEnvelope: { attack: 0.002, decay: 0.12, sustain: 0.05, release: 0.1 },
  }).connect(output);
}

/** A cello's bass line: a bowed saw through a soft low-pass, swelling in and lingering. */
function cello(Tone, output) {
  const body = new Tone.Filter({ type: "lowpass", frequency: 1400, Q: 0.8 }).connect(output);
  return new Tone.PolySynth(Tone.Synth, {
    oscillator: { type: "fatsawtooth", count: 2, spread: 10 },
    envelope: { attack: 0.09, decay: 0.3, sustain: 0.75, release: 0.35 },
  }).connect(body);
}

/**
 * Power chords on an overdriven guitar: square waves, a tanh waveshaper, the cabinet's low-pass.
 * A plain WaveShaper: built on Tone.Distortion, the chain came up silent on about two pages in
 * five in Chromium (its notes played, nothing came out).
 */
function guitar(Tone, output) {
  const cabinet = new Tone.Filter({ type: "lowpass", frequency: 2600, Q: 0.7 }).connect(output);
  const drive = new Tone.WaveShaper((x) => Math.tanh(4 * x), 4096).connect(cabinet);
  drive.oversample = "2x";
  return new Tone.PolySynth(Tone.Synth, {
    oscillator: { type: "fatsquare", count: 2, spread: 18 },
    envelope: { attack: 0.003, decay: 0.4, sustain: 0.5, release: 0.2 },
  }).connect(drive);
}

/** A strummed acoustic guitar: bright plucks through a body-like band-pass. */
function acousticGuitar(Tone, output) {
  const body = new Tone.Filter({ type: "lowpass", frequency: 3800, Q: 0.5 }).connect(output);
  return new Tone.PolySynth(Tone.MonoSynth, {
    oscillator: { type: "triangle" },
    envelope: { attack: 0.002, decay: 0.9, sustain: 0.05, release: 0.5 },
    filterEnvelope: { attack: 0.001, decay: 0.25, sustain: 0.2, release: 0.3, baseFrequency: 400, octaves: 3.5 },
  }).connect(body);
}

const BAND_RECIPES = { electricBass, uprightBass, cello, guitar, acousticGuitar, kit: createDrumKit };

// Each band instrument's level (dB) under the melody: the test band of every genre reads -14 to
// -9 dBFS at the master with its parts this far apart (tests/browser/test_sound.py).
const LEVELS_DB = { electricBass: -8, uprightBass: -4, cello: -14, guitar: -29, acousticGuitar: -19, kit: -8 };
// A keyboard comping under the melody sits this far below the same keyboard playing the melody.
const COMPING_DB = -5;

/**
 * The instrument `part` plays on in `genre` ("melody": the listener's `melody` choice).
 * @param {string} part melody, chords, bass or drums
 * @param {string | null} genre
 * @param {string} melody the melody's instrument
 */
export function bandInstrumentName(part, genre, melody) {
  if (part === "drums") return "kit";
  if (part === "chords" || part === "bass") return (BAND_OF_GENRE[genre ?? ""] ?? DEFAULT_BAND)[part];
  return melody;
}

/** What the mixer shows for an instrument name of either kind. */
export function instrumentLabel(name) {
  return INSTRUMENT_NAMES[name] ?? BAND_LABELS[name] ?? name;
}

/** A new instrument `name` for `part`, playing into `output` at its level. */
export function createBandInstrument(Tone, part, name, output, options) {
  if (name in INSTRUMENT_NAMES) {
    const keyboard = createInstrument(Tone, name, output, options);
    if (part === "chords") keyboard.volume.value += COMPING_DB;
    return keyboard;
  }
  const recipe = BAND_RECIPES[name];
  if (!recipe) throw new Error(`unknown instrument ${name}`);
  const instrument = recipe(Tone, output);
  instrument.volume.value = LEVELS_DB[name];
  return instrument;
}
