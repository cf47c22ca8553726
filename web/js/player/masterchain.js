// @ts-check
// The master chain every part's strip (player/partrouting.js) plays into: a drive up to a listening level, a gentle
// compressor that evens out phrases and instruments, a limiter, a soft clipper that no sample
// passes, and the listener's volume last, so turning it down only makes it quieter. Levels are
// measured in tests/browser/test_sound.py (docs/performance.md, "Loudness"). Tone.Limiter is
// not used: its compressor keeps Tone's 30 dB soft knee, which lets peaks well past its
// threshold through. Receives the Tone namespace from player.js (the one module that imports Tone).

const MASTER_DRIVE_DB = 14;
const MASTER_COMPRESSOR = { threshold: -20, ratio: 3, knee: 6, attack: 0.005, release: 0.2 };
const MASTER_LIMITER = { threshold: -3, ratio: 20, knee: 0, attack: 0.001, release: 0.05 };
// A limiter reacts within a millisecond or two, so a sharp attack can overshoot it: the clipper
// bends anything above the knee smoothly towards the ceiling (full-scale sample values).
const CLIP_KNEE = 0.75; // -2.5 dBFS
const CEILING = 0.891; // -1 dBFS
const WAVEFORM_SAMPLES = 1024; // what the visualizer reads at once

/** The clipper's curve: straight up to the knee, then a tanh bend that never reaches the ceiling. */
function softClip(sample) {
  const excess = Math.abs(sample) - CLIP_KNEE;
  if (excess <= 0) return sample;
  const room = CEILING - CLIP_KNEE;
  return Math.sign(sample) * (CLIP_KNEE + room * Math.tanh(excess / room));
}

/**
 * Builds the chain to the speakers: `input` is where instruments play into, `output` the
 * listener's volume (starting at `volumeDb`), `analyser` the waveform of what is heard.
 */
export function createMasterChain(Tone, volumeDb) {
  const analyser = new Tone.Analyser("waveform", WAVEFORM_SAMPLES);
  const output = new Tone.Volume(volumeDb).toDestination();
  output.connect(analyser);
  const clipper = new Tone.WaveShaper(softClip, 4096).connect(output);
  clipper.oversample = "4x"; // the bend adds harmonics: keep them from folding back
  const limiter = new Tone.Compressor(MASTER_LIMITER).connect(clipper);
  const compressor = new Tone.Compressor(MASTER_COMPRESSOR).connect(limiter);
  const input = new Tone.Volume(MASTER_DRIVE_DB).connect(compressor);
  return { input, output, analyser };
}
