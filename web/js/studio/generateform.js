// The studio's Generate form: its range read-outs and instrument list, and the stream request
// (or a duet's parameters) read from its controls, checked as the server checks them.
import { validateFields } from "../common/forms.js";
import { INSTRUMENT_NAMES } from "../player/player.js";
import { chordsParameter } from "./chordfield.js";

const part = (name) => document.querySelector(`[data-${name}]`);

/**
 * The form as a stream request ({parameters, title, ...}), continuing `primer` (an opening's
 * {notes, bars}) when given, or null when invalid.
 */
export function readGenerateRequest(form, primer) {
  const { genre, key, mode, tempo, bars, temperature, top_p: topP, seed, instrument, band } = form.elements;
  const barCount = Number(bars.value) + (primer?.bars ?? 0);
  const valid = validateFields(form, {
    bars: () => (Number.isInteger(barCount) && barCount >= 1 && barCount <= 128
      ? "" : primer ? "The opening and its continuation last 128 bars at most." : "Choose a length from 1 to 128 bars."),
    seed: () => (seed.value === "" || /^\d+$/.test(seed.value) ? "" : "A seed is a whole number."),
  });
  if (!valid) return null;
  const parameters = {
    genre: genre.value, key: key.value, mode: mode.value, tempo: Number(tempo.value),
    bars: barCount, temperature: Number(temperature.value), top_p: Number(topP.value),
    instrument: instrument.value, band: band.checked,
  };
  if (seed.value !== "") parameters.seed = Number(seed.value);
  if (primer) parameters.primer = primer.notes;
  const chordsAsked = chordsParameter(form);
  if (chordsAsked !== null) parameters.chords = chordsAsked;
  return {
    parameters, title: `${describe(parameters)}${primer ? ", continued" : ""}`, tempo: parameters.tempo, bars: barCount,
    expectedBeats: barCount * 4, activity: "Writing your melody",
  };
}

function describe({ genre, key, mode }) {
  const style = genre === "any" ? "Melody" : `${genre.charAt(0).toUpperCase()}${genre.slice(1)} melody`;
  return `${style} in ${key} ${mode}`;
}

/** The form's genre, key, mode, tempo, chords and instrument, as a duet plays in them. */
export function readDuetParameters(form, primer) {
  const request = readGenerateRequest(form, primer);
  if (!request) return null;
  const { bars: _bars, primer: _primer, band: _band, ...parameters } = request.parameters; // answers come alone
  return parameters;
}

/** Shows each slider's value beside it as it moves. */
export function bindRangeOutputs(form) {
  const outputs = [
    ["tempo", "tempo-value", (value) => `${value} BPM`],
    ["temperature", "temperature-value", (value) => Number(value).toFixed(2)],
    ["top_p", "top-p-value", (value) => Number(value).toFixed(2)],
  ];
  for (const [name, output, format] of outputs) {
    const input = form.elements[name];
    const show = () => { part(output).textContent = format(input.value); };
    input.addEventListener("input", show);
    show();
  }
}

/** Lists the instruments; the form's instrument and `player`'s are one choice, whichever control makes it. */
export function bindInstrument(form, player) {
  for (const [value, label] of Object.entries(INSTRUMENT_NAMES)) {
    form.elements.instrument.append(new Option(label, value));
  }
  form.elements.instrument.addEventListener("change", () => player.setInstrument(form.elements.instrument.value));
  player.addEventListener("instrument", (event) => { form.elements.instrument.value = event.detail; });
}
