// @ts-check
// Reading the audio clock against performance.now(), to place audio times on the page's clock
// and back. Receives the Tone namespace from player.js (the one module that imports Tone).

/**
 * The audio clock and `performance.now()` read together: `contextTime` (seconds) is heard at
 * `performanceMs` (milliseconds), output latency included where the browser reports it.
 */
export function audioClockReading(Tone) {
  // Tone's context (standardized-audio-context) wraps the browser's without getOutputTimestamp;
  // the browser's own pairs the two clocks to 0.1 ms, where currentTime moves in 10 ms steps.
  const context = /** @type {any} */ (Tone.getContext().rawContext);
  const stamp = (context._nativeAudioContext ?? context).getOutputTimestamp?.();
  if (stamp?.performanceTime > 0) {
    return { contextTime: stamp.contextTime, performanceMs: stamp.performanceTime };
  }
  const latency = (context.baseLatency ?? 0) + (context.outputLatency ?? 0);
  return { contextTime: context.currentTime - latency, performanceMs: performance.now() };
}
