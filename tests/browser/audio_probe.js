// Installed before a page's own scripts: records what the page sends to the speakers. Every
// connection into an AudioDestinationNode is mirrored into a ScriptProcessorNode that keeps, per
// block of samples, its audio-clock time, sum of squares, sample count and peak, so a test
// measures the whole output chain the listener hears, not a node inside it.
(() => {
  const BLOCK = 1024; // samples per channel per block (about 21 ms at 48 kHz)
  const connect = AudioNode.prototype.connect;
  const probes = new WeakMap(); // context -> probe

  function probeFor(context) {
    if (probes.has(context)) return probes.get(context);
    const node = context.createScriptProcessor(BLOCK, 2, 1);
    const silent = context.createGain();
    silent.gain.value = 0; // a script processor only runs while connected to the destination
    const probe = { context, sampleRate: context.sampleRate, recording: false, blocks: [], node };
    node.onaudioprocess = (event) => {
      if (!probe.recording) return;
      let sum = 0;
      let peak = 0;
      let count = 0;
      for (let channel = 0; channel < event.inputBuffer.numberOfChannels; channel += 1) {
        const samples = event.inputBuffer.getChannelData(channel);
        for (const sample of samples) {
          sum += sample * sample;
          peak = Math.max(peak, Math.abs(sample));
        }
        count += samples.length;
      }
      probe.blocks.push({ time: event.playbackTime, sum, count, peak });
    };
    connect.call(node, silent);
    connect.call(silent, context.destination);
    probes.set(context, probe);
    window.audioProbe = probe;
    return probe;
  }

  AudioNode.prototype.connect = function connectAndProbe(target, ...rest) {
    const result = connect.call(this, target, ...rest);
    if (target instanceof AudioDestinationNode) connect.call(this, probeFor(this.context).node);
    return result;
  };
})();
