// @ts-check
// Landing page: the navigation and a decorative piano roll of a short phrase.
import { initNav } from "../common/nav.js";
import { makeNote } from "../music/notes.js";
import { drawRoll } from "../player/pianoroll.js";

// The opening of "Ode to Joy" with a small answer, in beats: [pitch, start, duration].
const PHRASE = [
  [64, 0, 1], [64, 1, 1], [65, 2, 1], [67, 3, 1], [67, 4, 1], [65, 5, 1], [64, 6, 1], [62, 7, 1],
  [60, 8, 1], [60, 9, 1], [62, 10, 1], [64, 11, 1], [64, 12, 1.5], [62, 13.5, 0.5], [62, 14, 2],
  [67, 16, 0.5], [69, 16.5, 0.5], [71, 17, 1], [72, 18, 2], [71, 20, 1], [69, 21, 1], [67, 22, 2],
  [64, 24, 1], [65, 25, 1], [67, 26, 1.5], [72, 27.5, 0.5], [71, 28, 1], [67, 29, 1], [64, 30, 2],
];

function drawDemo() {
  const canvas = /** @type {HTMLCanvasElement | null} */ (document.querySelector("[data-demo-roll]"));
  if (!canvas) return;
  const notes = PHRASE.map(([pitch, start, duration], index) =>
    makeNote({ pitch, start, duration, velocity: 70 + ((index * 17) % 50) }));
  const draw = () => drawRoll(canvas, notes, { from: 0, to: 32, playhead: 17.5 });
  new ResizeObserver(draw).observe(canvas);
}

initNav();
drawDemo();
