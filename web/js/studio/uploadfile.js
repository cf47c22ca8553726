// @ts-check
// A MIDI file chosen or dropped in the page: the checks the browser can make before sending it,
// and the upload itself (POST /api/uploads). The server reads the file and has the last word.
import { api } from "../common/api.js";

export const MIDI_MAX_BYTES = 1024 * 1024; // the server refuses more (413 too_large)
const MIDI_NAME = /\.midi?$/i;
// Where a user whose uploads are full (409 quota_exceeded) sees and deletes them.
export const MANAGE_UPLOADS_URL = "/dashboard#uploads";

/** "" when `file` may be sent, else what is wrong with it, in words a person understands. */
export function checkMidiFile(file) {
  if (!file) return "Choose a MIDI file to convert.";
  if (!MIDI_NAME.test(file.name)) {
    return `“${file.name}” is not a MIDI file. Choose a file ending in .mid or .midi.`;
  }
  if (file.size > MIDI_MAX_BYTES) {
    const megabytes = (file.size / MIDI_MAX_BYTES).toFixed(1);
    return `“${file.name}” is ${megabytes} MB; MIDI files may be at most 1 MB.`;
  }
  return "";
}

/** Sends `file` as the `midi` field; resolves to the upload with its analysis (ApiError if refused). */
export function uploadMidi(file) {
  const form = new FormData();
  form.append("midi", file, file.name);
  return api.postForm("/api/uploads", form);
}

/**
 * Calls `onFile(file)` for a file picked with `input` or dropped on `zone`, and marks the zone
 * (`data-dragging`) while a file is held over it.
 */
export function bindDropZone(zone, input, onFile) {
  const holding = (event) => event.dataTransfer?.types.includes("Files");
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      if (!holding(event) || input.disabled) return;
      event.preventDefault(); // lets the drop happen here instead of the browser opening the file
      zone.dataset.dragging = "true";
    });
  }
  zone.addEventListener("dragleave", () => delete zone.dataset.dragging);
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    delete zone.dataset.dragging;
    if (!input.disabled && event.dataTransfer.files.length) onFile(event.dataTransfer.files[0]);
  });
  input.addEventListener("change", () => {
    const [file] = input.files;
    input.value = ""; // picking the same file again is a new choice
    if (file) onFile(file);
  });
}
