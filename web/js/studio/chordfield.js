// @ts-check
// The studio's "Chords" field: the progression typed for the melody to follow, and a picker of
// the preset progressions that suit the chosen genre (server/generation/progression_presets.py,
// rendered into the page as Roman numerals for either mode, so they fit whatever key is chosen).

/**
 * @typedef {object} ChordPreset
 * @property {string} name
 * @property {string} label as the picker lists it ("I–V–vi–IV")
 * @property {string} major its Roman numerals in a major key
 * @property {string} minor its Roman numerals in a minor key
 */

/**
 * The chords a stream request carries: the typed text, trimmed, or null when there is none.
 * @param {string} text
 * @returns {string | null}
 */
export function chordsParameter(text) {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
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
    input.value = mode.value === "minor" ? preset.minor : preset.major;
    input.dispatchEvent(new Event("input", { bubbles: true })); // clears an error shown there
  };

  picker.addEventListener("change", () => {
    const preset = presetsOfGenre().find((candidate) => candidate.name === picker.value);
    if (preset) fill(preset);
  });
  input.addEventListener("input", () => {
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
