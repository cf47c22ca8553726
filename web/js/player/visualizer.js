// @ts-check
// The live waveform: the player's output drawn every animation frame while sound plays.
import { fitCanvas } from "./pianoroll.js";

const LINE_COLOR = "#8b9cfb";
const GLOW_COLOR = "rgba(111, 127, 245, 0.35)";
// The master chain holds a melody's peaks around 0.5 to 0.85 at full volume; drawn at this gain
// (clipped) it fills the strip.
const DISPLAY_GAIN = 1.5;

/** Root mean square of `samples` (-1..1): 0 for silence, about 0.1 for a played note. */
export function rootMeanSquare(samples) {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

export class Visualizer {
  #canvas;
  #player;
  #frame = 0;

  constructor(canvas, player) {
    this.#canvas = canvas;
    this.#player = player;
    const loop = () => {
      this.draw();
      this.#frame = requestAnimationFrame(loop);
    };
    this.#frame = requestAnimationFrame(loop);
  }

  stop() {
    cancelAnimationFrame(this.#frame);
  }

  draw() {
    const canvas = this.#canvas;
    const { width, height, ratio } = fitCanvas(canvas);
    const samples = this.#player.readWaveform() ?? new Float32Array(2);
    // The level is published on the element so the page (and its tests) can tell sound from silence.
    canvas.dataset.level = rootMeanSquare(samples).toFixed(4);
    canvas.dataset.audioState = this.#player.audioState;
    this.#trace(canvas.getContext("2d"), samples, width, height, ratio);
  }

  #trace(context, samples, width, height, ratio) {
    context.clearRect(0, 0, width, height);
    context.lineWidth = 2 * ratio;
    context.lineJoin = "round";
    context.strokeStyle = LINE_COLOR;
    context.shadowColor = GLOW_COLOR;
    context.shadowBlur = 8 * ratio;
    context.beginPath();
    const step = width / (samples.length - 1);
    samples.forEach((sample, index) => {
      const shown = Math.max(-1, Math.min(1, sample * DISPLAY_GAIN));
      const y = height / 2 - shown * (height / 2) * 0.9;
      if (index === 0) context.moveTo(0, y);
      else context.lineTo(index * step, y);
    });
    context.stroke();
  }
}
