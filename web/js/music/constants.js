// @ts-check
// The music constants the server renders into every page (base.html, #music-constants): ticks
// per beat, the default velocity, pitch names, genres, modes and instruments, defined once in
// server/generation and read here, so the browser never repeats them.

/**
 * @typedef {object} MusicConstants
 * @property {number} ticksPerBeat the melody grid: ticks in a quarter note
 * @property {number} velocity MIDI velocity of a note nobody played harder or softer
 * @property {string[]} parts the parts a piece can hold; the first is the melody
 * @property {string[]} pitchNames the twelve pitch classes from C, as keys are named
 * @property {string[]} genres the genres the model writes
 * @property {string[]} modes major and minor
 * @property {Record<string, string>} instruments player instrument name -> its label
 * @property {string} defaultInstrument what a song without a recorded instrument plays on
 * @property {string} chordTrackName the name of the track a saved song's chords are written to
 * @property {number} chordVelocity MIDI velocity the chords sound at, softer than the melody
 */

const ELEMENT_ID = "music-constants";
const REQUIRED = /** @type {const} */ ([
  "ticksPerBeat", "velocity", "parts", "pitchNames", "genres", "modes", "instruments",
  "defaultInstrument", "chordTrackName", "chordVelocity",
]);

/** @type {MusicConstants | null} */
let cached = null;

/**
 * The constants from their JSON text; an Error names what is missing.
 * @param {string} text
 * @returns {MusicConstants}
 */
export function parseMusicConstants(text) {
  const constants = JSON.parse(text);
  if (constants === null || typeof constants !== "object") {
    throw new Error("music constants: expected a JSON object");
  }
  const missing = REQUIRED.filter((name) => !(name in constants));
  if (missing.length > 0) throw new Error(`music constants: missing ${missing.join(", ")}`);
  return Object.freeze(constants);
}

/**
 * The page's music constants, read once from the script element the server renders.
 * @returns {MusicConstants}
 */
export function musicConstants() {
  if (cached === null) {
    const element = globalThis.document?.getElementById(ELEMENT_ID);
    if (!element?.textContent) {
      throw new Error(
        `music constants missing: the page has no <script id="${ELEMENT_ID}"> (rendered by base.html)`,
      );
    }
    cached = parseMusicConstants(element.textContent);
  }
  return cached;
}
