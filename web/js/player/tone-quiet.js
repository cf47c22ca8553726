// @ts-check
// Imported before Tone.js: it silences the version banner Tone prints to the console on load.
/** @type {any} */ (window).TONE_SILENCE_LOGGING = true;
