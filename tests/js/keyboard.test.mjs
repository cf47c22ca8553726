import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { NoteKeyboard } from "../../web/js/music/keyboard.js";
import { noteFromMidiMessage, pitchForKey, shiftOctave, stepVelocity } from "../../web/js/music/keymap.js";

test("the bottom letter row plays the lower octave from C3, black keys on the row above", () => {
  const row = ["KeyZ", "KeyS", "KeyX", "KeyD", "KeyC", "KeyV", "KeyG", "KeyB", "KeyH", "KeyN", "KeyJ", "KeyM", "Comma"];
  assert.deepEqual(row.map((code) => pitchForKey(code, 0)), [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
});

test("the Q row plays the octave above, to the E of the octave after", () => {
  const row = ["KeyQ", "Digit2", "KeyW", "Digit3", "KeyE", "KeyR", "Digit5", "KeyT", "Digit6", "KeyY", "Digit7", "KeyU", "KeyI", "KeyP"];
  assert.deepEqual(row.map((code) => pitchForKey(code, 0)), [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 76]);
});

test("the octave shift moves every key by twelve, within three octaves either way", () => {
  assert.equal(pitchForKey("KeyZ", -1), 36);
  assert.equal(pitchForKey("KeyQ", 2), 84);
  assert.equal(shiftOctave(3, 1), 3);
  assert.equal(shiftOctave(-3, -1), -3);
  assert.equal(shiftOctave(0, -1), -1);
});

test("keys that play no note map to none, even the names of object properties", () => {
  for (const code of ["KeyA", "Space", "Enter", "Digit1", "toString", "__proto__"]) assert.equal(pitchForKey(code, 0), null);
});

test("velocity keys step through the levels and stop at either end", () => {
  assert.equal(stepVelocity(90, 1), 105);
  assert.equal(stepVelocity(90, -1), 70);
  assert.equal(stepVelocity(127, 1), 127);
  assert.equal(stepVelocity(30, -1), 30);
  assert.equal(stepVelocity(100, -1), 90); // a MIDI device's velocity between the steps
});

test("MIDI note messages become note events on any channel; others are ignored", () => {
  assert.deepEqual(noteFromMidiMessage([0x90, 60, 100]), { type: "noteon", pitch: 60, velocity: 100 });
  assert.deepEqual(noteFromMidiMessage([0x93, 61, 1]), { type: "noteon", pitch: 61, velocity: 1 });
  assert.deepEqual(noteFromMidiMessage([0x80, 60, 64]), { type: "noteoff", pitch: 60, velocity: 0 });
  assert.deepEqual(noteFromMidiMessage([0x90, 60, 0]), { type: "noteoff", pitch: 60, velocity: 0 });
  assert.equal(noteFromMidiMessage([0xb0, 64, 127]), null); // the sustain pedal
  assert.equal(noteFromMidiMessage([0xf8]), null); // clock
});

/** A page's window standing in: key events dispatched at a target inside it. */
function fakePage() {
  const view = new EventTarget();
  const field = { closest: (selector) => (selector.includes("input") ? field : null) };
  const body = { closest: () => null };
  const key = (type, code, { target = body, repeat = false, ctrlKey = false, timeStamp = 1000 } = {}) => {
    const event = new Event(type, { cancelable: true });
    Object.assign(event, { code, repeat, ctrlKey, metaKey: false, altKey: false });
    Object.defineProperty(event, "target", { value: target });
    Object.defineProperty(event, "timeStamp", { value: timeStamp });
    view.dispatchEvent(event);
    return event;
  };
  return { view, field, key };
}

function playedKeyboard() {
  const sounded = [];
  const player = { noteOn: (pitch, velocity) => sounded.push(["on", pitch, velocity]), noteOff: (pitch) => sounded.push(["off", pitch]) };
  const keyboard = new NoteKeyboard({ player });
  const events = [];
  for (const type of ["noteon", "noteoff"]) keyboard.addEventListener(type, (event) => events.push([type, event.detail]));
  const page = fakePage();
  keyboard.attach(page.view);
  return { keyboard, sounded, events, ...page };
}

test("a key held sounds its note at once and emits noteon, its release noteoff, with the event's time", () => {
  const { sounded, events, key } = playedKeyboard();
  const down = key("keydown", "KeyX", { timeStamp: 1200.5 });
  key("keydown", "KeyX", { repeat: true, timeStamp: 1250 });
  key("keyup", "KeyX", { timeStamp: 1400 });
  assert.ok(down.defaultPrevented);
  assert.deepEqual(sounded, [["on", 50, 90], ["off", 50]]);
  assert.deepEqual(events, [
    ["noteon", { pitch: 50, velocity: 90, time: 1200.5, source: "keys" }],
    ["noteoff", { pitch: 50, velocity: 0, time: 1400, source: "keys" }],
  ]);
});

test("keys typed into a text field, or with a modifier, play nothing and are left to the page", () => {
  const { sounded, field, key } = playedKeyboard();
  const typed = key("keydown", "KeyZ", { target: field });
  const shortcut = key("keydown", "KeyC", { ctrlKey: true });
  assert.equal(typed.defaultPrevented, false);
  assert.equal(shortcut.defaultPrevented, false);
  assert.deepEqual(sounded, []);
});

test("octave and velocity keys move the keyboard; a note held across an octave change ends on its own pitch", () => {
  const { keyboard, sounded, key } = playedKeyboard();
  key("keydown", "KeyZ");
  key("keydown", "Equal");
  key("keyup", "KeyZ");
  key("keydown", "BracketRight");
  key("keydown", "KeyZ");
  assert.equal(keyboard.octave, 1);
  assert.equal(keyboard.velocity, 105);
  assert.deepEqual(sounded, [["on", 48, 90], ["off", 48], ["on", 60, 105]]);
});

test("one pitch on two keys sounds once and ends when the last key is released", () => {
  const { sounded, key } = playedKeyboard();
  key("keydown", "Comma"); // C4 on the bottom row
  key("keydown", "KeyQ"); // C4 on the Q row
  key("keyup", "Comma");
  assert.deepEqual(sounded, [["on", 60, 90]]);
  key("keyup", "KeyQ");
  assert.deepEqual(sounded, [["on", 60, 90], ["off", 60]]);
});

test("the page losing focus ends every note held", () => {
  const { keyboard, sounded, view, key } = playedKeyboard();
  key("keydown", "KeyZ");
  keyboard.press(72, { source: "midi" });
  view.dispatchEvent(new Event("blur"));
  assert.deepEqual(keyboard.held, []);
  assert.deepEqual(sounded.filter(([kind]) => kind === "off").map(([, pitch]) => pitch).sort(), [48, 72]);
});

test("without Web MIDI, connecting a device says so", async () => {
  const { keyboard } = playedKeyboard();
  await assert.rejects(keyboard.connectMidi(), /no MIDI input/);
});
