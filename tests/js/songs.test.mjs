import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import midiPackage from "@tonejs/midi";
import { midiToNotes, trackPart } from "../../web/js/dashboard/songs.js";

const { Midi } = midiPackage;

/** A saved band song as its MIDI file holds it: one named track per part, drums on channel 10. */
function bandSong() {
  const midi = new Midi();
  midi.header.setTempo(100);
  const track = (name, channel, notes) => {
    const written = midi.addTrack();
    written.name = name;
    written.channel = channel;
    for (const [pitch, beat] of notes) written.addNote({ midi: pitch, ticks: beat * midi.header.ppq, durationTicks: midi.header.ppq / 2, velocity: 0.7 });
  };
  track("Melody (Grand piano)", 0, [[72, 0], [74, 1]]);
  track("Chords", 1, [[60, 0], [64, 0], [67, 0]]);
  track("Bass", 2, [[36, 0]]);
  track("Drums", 9, [[36, 0], [42, 0.5], [38, 1]]);
  return midi.toArray();
}

test("a saved band song replays each track as its part", () => {
  const { notes, tempo } = midiToNotes(bandSong());
  assert.equal(Math.round(tempo), 100);
  const pitchesOf = (part) => notes.filter((note) => note.part === part).map((note) => note.pitch).sort();
  assert.deepEqual(pitchesOf("melody"), [72, 74]);
  assert.deepEqual(pitchesOf("chords"), [60, 64, 67]);
  assert.deepEqual(pitchesOf("bass"), [36]);
  assert.deepEqual(pitchesOf("drums"), [36, 38, 42]);
  assert.deepEqual(notes.map((note) => note.start), [...notes.map((note) => note.start)].sort((a, b) => a - b));
});

test("a track's part: by name, drums also by channel 10, the melody otherwise", () => {
  assert.equal(trackPart({ name: "Melody (FM electric piano)", channel: 0 }), "melody");
  assert.equal(trackPart({ name: "Chords", channel: 1 }), "chords");
  assert.equal(trackPart({ name: "Bass", channel: 2 }), "bass");
  assert.equal(trackPart({ name: "Drums", channel: 9 }), "drums");
  assert.equal(trackPart({ name: "Kit from a DAW", channel: 9 }), "drums");
  assert.equal(trackPart({ name: "Drums", channel: 3 }), "drums");
  assert.equal(trackPart({ name: "Lead vocal", channel: 0 }), "melody");
  assert.equal(trackPart({ name: "", channel: 0 }), "melody");
});
