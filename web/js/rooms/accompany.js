// @ts-check
// The model accompanying the room (docs/protocol.md, "Accompaniment"): the host asks for a live
// piece whose chords follow what the members play, and every member sees the chord the model has
// committed to for the bar coming next ("Coming: Am at bar 13") before that bar sounds; any
// member asks the model to take the lead for a few bars ("Solo for me").
import { errorFromPayload } from "../common/api.js";
import { JAM_EVENTS, emitWithAck } from "../common/socket.js";
import { showToast } from "../common/toast.js";

const REFRESH_MS = 250; // how often the coming chord is brought up to date as bars go by

/**
 * The `room:generate` parameters with what `form` asks of the accompaniment: with its
 * "accompany" box ticked, an accompanying piece with its band and no chords of its own.
 * @param {Record<string, any>} parameters
 * @param {HTMLFormElement} form
 */
export function withAccompaniment(parameters, form) {
  const box = /** @type {HTMLInputElement | null} */ (form.elements.namedItem("accompany"));
  if (!box?.checked) return parameters;
  const { chords: _chords, ...rest } = parameters;
  return { ...rest, accompany: true, band: true };
}

/**
 * @typedef {{bar: number, at_ms: number | null, chord: {symbol: string}}} Announced
 */

/**
 * Of the `jam:chord` announcements, the first whose bar has not begun at room time `nowMs`.
 * @param {Announced[]} chords in bar order
 * @param {number} nowMs
 */
export function comingChord(chords, nowMs) {
  return chords.find((chord) => chord.at_ms !== null && chord.at_ms > nowMs) ?? null;
}

/**
 * "Coming: Am at bar 13" (bars counted from 1, for people).
 * @param {Announced} announced
 */
export function describeComing({ bar, chord }) {
  return `Coming: ${chord.symbol} at bar ${bar + 1}`;
}

/**
 * Shows in `element` the chord committed for the coming bar of the live piece.
 * @param {HTMLElement} element
 * @param {{on: (event: string, handler: (payload: any) => void) => void}} socket
 * @param {{now: () => number}} clock the room clock
 */
export function bindComingChord(element, socket, clock) {
  /** @type {any[]} */
  let chords = [];
  const show = () => {
    const now = clock.now();
    chords = chords.filter((chord) => chord.at_ms === null || chord.at_ms > now);
    const coming = comingChord(chords, now);
    element.hidden = coming === null;
    if (coming === null) return;
    element.textContent = describeComing(coming); // text, never HTML
    element.dataset.bar = String(coming.bar);
  };
  socket.on(JAM_EVENTS.chord, (chord) => {
    // A bar announced again (the key changed) replaces what was announced for it.
    const kept = chords.filter((held) => held.stream_id === chord.stream_id && held.bar !== chord.bar);
    chords = [...kept, chord].sort((a, b) => a.bar - b.bar);
    show();
  });
  setInterval(show, REFRESH_MS);
}

/**
 * "The model solos from bar 10 for 4 bars (Clara asked)" (bars counted from 1, for people).
 * @param {{bar: number, bars: number, display_name: string}} solo
 */
export function describeSolo({ bar, bars, display_name: name }) {
  return `The model solos from bar ${bar + 1} for ${bars} bar${bars === 1 ? "" : "s"} (${name} asked)`;
}

/**
 * Binds the "Solo for me" form (its `bars` input) and shows each solo announced in `status`.
 * @param {HTMLFormElement} form
 * @param {HTMLElement} status
 * @param {any} socket
 */
export function bindSoloControl(form, status, socket) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const bars = Number(/** @type {HTMLInputElement} */ (form.elements.namedItem("bars")).value);
    const ack = await emitWithAck(socket, JAM_EVENTS.solo, { bars });
    if (!ack.ok) showToast(errorFromPayload(ack.error).message, { tone: "error" });
  });
  socket.on(JAM_EVENTS.solo, (solo) => {
    status.textContent = describeSolo(solo); // text, never HTML
    status.hidden = false;
  });
}
