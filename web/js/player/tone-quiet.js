// Imported before Tone.js: it silences the version banner Tone prints to the console on load.
window.TONE_SILENCE_LOGGING = true;
