// @ts-check
// The mixer in the player bar (templates/partials/player.html, `[data-mixer]`): for each part a
// volume fader, Mute and Solo, the instrument it plays on and a meter of what it sends, bound to
// the player's MixSettings. Solo alone solos one part; with Shift (or Ctrl, or ⌘) it adds the part
// to those soloed. Each strip publishes its level and how many notes it has sounded
// (`data-level`, `data-sounded`) for assistive technology and the page's tests.
import { MIXER_PARTS, mixerPart } from "./mixsettings.js";
import { PART_LABELS, partColor } from "./partcolors.js";

const METER_FLOOR = 0.002; // a level below this reads as silence

export class MixerPanel {
  #player;
  /** @type {Map<string, HTMLElement>} part -> its strip */
  #strips = new Map();
  /** @type {Map<string, number>} part -> notes sounded since the song was loaded */
  #sounded = new Map();

  /**
   * @param {HTMLElement} root the `[data-mixer]` element
   * @param {import("./player.js").Player} player
   */
  constructor(root, player) {
    this.#player = player;
    for (const part of MIXER_PARTS) {
      const strip = buildStrip(part, root.dataset.hint ?? "");
      root.append(strip);
      this.#strips.set(part, strip);
      this.#bindStrip(part, strip);
    }
    player.mix.addEventListener("change", () => this.#showMix());
    player.addEventListener("parts", (event) => this.#showInstruments(/** @type {CustomEvent} */ (event).detail));
    player.addEventListener("sound", (event) => this.#countSound(/** @type {CustomEvent} */ (event).detail.note));
    player.addEventListener("load", () => this.#resetCounts());
    this.#showMix();
    this.#showInstruments(player.partInstruments);
  }

  /** Draws each strip's meter from the player's levels now (called every animation frame). */
  showLevels() {
    const levels = this.#player.partLevels();
    for (const [part, strip] of this.#strips) {
      const level = levels[part] ?? 0;
      const shown = level < METER_FLOOR ? 0 : level;
      strip.dataset.level = shown.toFixed(4);
      const bar = /** @type {HTMLElement | null} */ (strip.querySelector("[data-mixer-meter]"));
      if (bar) bar.style.transform = `scaleX(${Math.min(1, Math.sqrt(shown) * 1.6).toFixed(3)})`;
    }
  }

  /** @param {string} part @param {HTMLElement} strip */
  #bindStrip(part, strip) {
    const mix = this.#player.mix;
    const volume = /** @type {HTMLInputElement} */ (strip.querySelector("[data-mixer-volume]"));
    volume.addEventListener("input", () => mix.setVolume(part, Number(volume.value)));
    strip.querySelector("[data-mixer-mute]")?.addEventListener("click", () => {
      mix.setMuted(part, !mix.get(part).muted);
    });
    strip.querySelector("[data-mixer-solo]")?.addEventListener("click", (event) => {
      const { shiftKey, ctrlKey, metaKey } = /** @type {MouseEvent} */ (event);
      mix.setSoloed(part, !mix.get(part).soloed, { additive: shiftKey || ctrlKey || metaKey });
    });
  }

  #showMix() {
    const mix = this.#player.mix;
    for (const [part, strip] of this.#strips) {
      const { volume, muted, soloed } = mix.get(part);
      const fader = /** @type {HTMLInputElement} */ (strip.querySelector("[data-mixer-volume]"));
      if (Number(fader.value) !== volume) fader.value = String(volume);
      fader.setAttribute("aria-valuetext", `${Math.round(volume * 100)}%`);
      strip.querySelector("[data-mixer-mute]")?.setAttribute("aria-pressed", String(muted));
      strip.querySelector("[data-mixer-solo]")?.setAttribute("aria-pressed", String(soloed));
      strip.toggleAttribute("data-silenced", !mix.audible(part));
    }
  }

  /** @param {Record<string, string>} labels part -> its instrument's label */
  #showInstruments(labels) {
    for (const [part, strip] of this.#strips) {
      const label = labels[part] ?? "";
      const shown = /** @type {HTMLElement | null} */ (strip.querySelector("[data-mixer-instrument]"));
      if (shown && shown.textContent !== label) shown.textContent = label;
      strip.dataset.instrument = label;
    }
  }

  /** @param {import("../music/notes.js").Note} note */
  #countSound(note) {
    const part = mixerPart(note.part);
    const count = (this.#sounded.get(part) ?? 0) + 1;
    this.#sounded.set(part, count);
    const strip = this.#strips.get(part);
    if (strip) strip.dataset.sounded = String(count);
  }

  #resetCounts() {
    this.#sounded.clear();
    for (const strip of this.#strips.values()) strip.dataset.sounded = "0";
  }
}

/**
 * A strip's markup: the part's name in its colour, its instrument, a meter, a fader, Mute, Solo.
 * @param {string} part
 * @param {string} hintId the element that explains Solo with Shift
 */
function buildStrip(part, hintId) {
  const label = PART_LABELS[part];
  const strip = document.createElement("div");
  strip.className = "mixer-strip";
  strip.dataset.mixerPart = part;
  strip.dataset.sounded = "0";
  strip.setAttribute("role", "group");
  strip.setAttribute("aria-label", label);
  strip.innerHTML = `
    <div class="flex items-center gap-1.5">
      <span class="part-swatch" aria-hidden="true"></span>
      <span class="text-xs font-medium text-ink-100">${label}</span>
      <span data-mixer-instrument class="min-w-0 flex-1 truncate text-right text-[11px] text-ink-400"></span>
    </div>
    <div class="flex items-center gap-1.5">
      <input type="range" data-mixer-volume class="range min-w-0 flex-1" min="0" max="1" step="0.01" value="1"
        aria-label="${label} volume">
      <button type="button" data-mixer-mute class="mixer-toggle" aria-pressed="false"
        aria-label="Mute ${label.toLowerCase()}" title="Mute">M</button>
      <button type="button" data-mixer-solo class="mixer-toggle" aria-pressed="false"
        aria-label="Solo ${label.toLowerCase()}" aria-describedby="${hintId}" title="Solo (Shift: add to the soloed parts)">S</button>
    </div>
    <div class="mixer-meter" aria-hidden="true"><span data-mixer-meter></span></div>`;
  /** @type {HTMLElement} */ (strip.querySelector(".part-swatch")).style.backgroundColor = partColor(part);
  return strip;
}
