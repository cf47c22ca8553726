// @ts-check
// A playback speed change that starts from what is heard, not from what is being scheduled.
// Tone changes the tempo at Tone.now(), one look-ahead (0.1 s) after what is heard, with notes
// up to there already scheduled at the old tempo: going 1x -> 2x at 150 BPM lost a quarter of
// a beat. Here the song moves at the new tempo from the moment heard now: the transport restarts,
// where the new tempo has brought it, at the first time still unscheduled, and the caller plays
// the notes in between at their new times. Receives the Tone namespace from player.js (the one
// module that imports Tone).

/**
 * Moves the transport to `bpm` from the moment heard now. Returns the change: audio times
 * `heard` (now) and `scheduled` (where the transport restarts), and the transport ticks
 * `fromTicks` heard now and `toTicks` it restarts at, moving `ticksPerSecond` in between.
 */
export function changeTempoNow(Tone, bpm) {
  const transport = Tone.getTransport();
  const heard = Tone.immediate();
  const scheduled = Tone.now();
  const fromTicks = transport.getTicksAtTime(heard);
  const ticksPerSecond = (bpm * transport.PPQ) / 60;
  const toTicks = Math.round(fromTicks + (scheduled - heard) * ticksPerSecond);
  transport.stop(scheduled);
  transport.bpm.cancelScheduledValues(scheduled);
  transport.bpm.setValueAtTime(bpm, scheduled);
  transport.start(scheduled, `${toTicks}i`);
  return { heard, scheduled, fromTicks, toTicks, ticksPerSecond };
}

/**
 * The transport ticks heard at audio time `now` while the transport has not yet taken up
 * `change` (it runs on from `fromTicks` at the new tempo), else null.
 * @param {{heard: number, scheduled: number, fromTicks: number, ticksPerSecond: number} | null} change
 * @param {number} now
 */
export function ticksDuringChange(change, now) {
  if (!change || now < change.heard || now >= change.scheduled) return null;
  return change.fromTicks + (now - change.heard) * change.ticksPerSecond;
}
