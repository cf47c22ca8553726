// @ts-check
// The studio's "Chords" field: who writes the chords (the model, by default; the user; nobody),
// the progression typed for the melody to follow, and a picker of the preset progressions that
// suit the chosen genre (server/generation/progression_presets.py, rendered into the page as
// Roman numerals for either mode, so they fit whatever key is chosen). Typing or picking a
// preset makes the chords the user's.

/**
 * @typedef {object} ChordPreset
 * @property {string} name
 * @property {string} label as the picker lists it ("I–V–vi–IV")
 * @property {string} major its Roman numerals in a major key
 * @property {string} minor its Roman numerals in a minor key
 */

/**
 * The `chords` a stream request of `form` carries: the typed text (trimmed), "none" for a bare
 * melody, or null (left out) when the model writes them, as it also does for an empty field.
 * @param {HTMLFormElement} form
 * @returns {string | null}
 */
export function chordsParameter(form) {
  const source = /** @type {HTMLSelectElement} */ (form.elements.namedItem("chord_source")).value;
  const text = /** @type {HTMLInputElement} */ (form.elements.namedItem("chords")).value.trim();
  if (source === "none") return "none";
  return source === "typed" && text !== "" ? text : null;
}

/**
 * Binds the chord field of `form` (its `chords` input, the `[data-chord-preset]` picker, and
 * the `genre` and `mode` selects): the picker lists the genre's presets, and choosing one writes
 * its numerals for the chosen mode into the field; switching mode rewrites a preset left as it was.
 * @param {HTMLFormElement} form
 */
export function bindChordField(form) {
  const input = /** @type {HTMLInputElement} */ (form.elements.namedItem("chords"));
  const picker = /** @type {HTMLSelectElement} */ (form.querySelector("[data-chord-preset]"));
  const source = /** @type {HTMLSelectElement} */ (form.querySelector("[data-chord-source]"));
  const genre = /** @type {HTMLSelectElement} */ (form.elements.namedItem("genre"));
  const mode = /** @type {HTMLSelectElement} */ (form.elements.namedItem("mode"));
  /** @type {Record<string, ChordPreset[]>} */
  const presets = JSON.parse(picker.dataset.presets ?? "{}");
  const placeholder = picker.options[0];
  /** @type {ChordPreset | null} */
  let chosen = null; // the preset the field holds, untouched since it was chosen

  const presetsOfGenre = () => presets[genre.value] ?? [];
  const listPresets = () => {
    const options = presetsOfGenre().map((preset) => new Option(preset.label, preset.name));
    picker.replaceChildren(placeholder, ...options);
    const listed = presetsOfGenre().some((preset) => preset.name === chosen?.name);
    picker.value = listed ? (chosen?.name ?? "") : "";
  };
  /** @param {ChordPreset} preset */
  const fill = (preset) => {
    chosen = preset;
    source.value = "typed";
    input.value = mode.value === "minor" ? preset.minor : preset.major;
    input.dispatchEvent(new Event("input", { bubbles: true })); // clears an error shown there
  };

  picker.addEventListener("change", () => {
    const preset = presetsOfGenre().find((candidate) => candidate.name === picker.value);
    if (preset) fill(preset);
  });
  input.addEventListener("input", () => {
    if (input.value.trim() !== "") source.value = "typed";
    if (chosen && input.value === (mode.value === "minor" ? chosen.minor : chosen.major)) return;
    chosen = null; // typed over: the picker no longer names what the field holds
    picker.value = "";
  });
  mode.addEventListener("change", () => {
    if (chosen) fill(chosen);
  });
  genre.addEventListener("change", listPresets);
  listPresets();
}
