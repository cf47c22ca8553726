// The studio's "Convert a MIDI file" form: a file picked or dropped is uploaded and what it holds
// is shown; the controls then give a conversion's `generate:start` payload (docs/protocol.md).
import {
  beatsPerBar, melodyToNotes, pitchedTracks, sourceFacts, trackHint, trackLabel, trackName,
} from "./convertsummary.js";
import { setFieldError, showFormError } from "../common/forms.js";
import { MANAGE_UPLOADS_URL, bindDropZone, checkMidiFile, uploadMidi } from "./uploadfile.js";

const TEMPO_RANGE = [40, 240]; // quarter notes per minute; the server clamps a source's tempo to it
const OWN_SLOTS = new Set(["midi", "track", "strength", "key"]); // errors shown beside their control

/** How far a strength (0..1) moves from the original, for the slider's spoken value. */
function strengthWords(strength) {
  if (strength < 0.3) return "stays close to the song";
  if (strength <= 0.7) return "keeps the song, rewritten in the style";
  return "mostly a free rewrite";
}

function fileStem(filename) {
  return filename.replace(/\.midi?$/i, "") || filename;
}

export class ConvertForm {
  #form;
  #part;
  #upload = null; // the API's upload ({id, filename, analysis}) being converted
  #uploading = false;
  #asked = null; // the last payload handed out, so a refusal is placed beside the right control
  #previewed = null; // the track whose preview `sourceNotes` gives; null for the kept melody

  /** `onPreview()` plays the original melody or a track's preview (see `sourceNotes`). */
  constructor(form, { onPreview }) {
    this.#form = form;
    this.#part = (name) => form.querySelector(`[data-${name}]`);
    bindDropZone(this.#part("drop-zone"), form.elements.midi, (file) => this.#useFile(file));
    this.#part("source-preview").addEventListener("click", () => {
      this.#previewed = null;
      onPreview();
    });
    this.#part("track-previews").addEventListener("click", (event) => {
      const button = event.target.closest("[data-track-preview]");
      if (!button) return;
      this.#previewed = Number(button.dataset.trackPreview);
      onPreview();
    });
    form.elements.track.addEventListener("change", () => setFieldError(form, "track", ""));
    this.#bindStrength();
  }

  get form() {
    return this.#form;
  }

  /**
   * The conversion to start with the player's `instrument`: the payload and what the page needs
   * to play it ({parameters, title, tempo, bars, expectedBeats, activity}); null, with a message
   * beside the file picker, before a file is ready.
   */
  request(instrument) {
    if (!this.#upload || this.#uploading) {
      const message = this.#uploading ? "Wait until the file has been read." : "Choose a MIDI file to convert first.";
      setFieldError(this.#form, "midi", message);
      this.#form.elements.midi.focus();
      return null;
    }
    const { id, filename, analysis } = this.#upload;
    const { genre, strength, track, key, band } = this.#form.elements;
    const parameters = {
      source: id, genre: genre.value, strength: Number(strength.value), instrument, band: band.checked,
    };
    if (!this.#part("track-field").hidden && Number(track.value) !== analysis.melody_track) {
      parameters.track = Number(track.value);
    }
    if (key.value) parameters.key = key.value;
    this.#asked = parameters;
    const [low, high] = TEMPO_RANGE;
    return {
      parameters,
      title: `${fileStem(filename)} as ${genre.value}`,
      tempo: Math.min(Math.max(analysis.tempo, low), high),
      bars: analysis.bars,
      expectedBeats: analysis.bars * beatsPerBar(analysis),
      activity: `Converting to ${genre.value}`,
    };
  }

  /** The original melody, or the start of the track last previewed, as the player takes it:
   * {title, notes, tempo}. */
  sourceNotes() {
    const { filename, analysis } = this.#upload;
    const track = analysis.tracks[this.#previewed];
    if (track?.preview) {
      const notes = melodyToNotes(track.preview);
      return { title: `${trackName(track)} from ${filename}`, notes, tempo: analysis.tempo };
    }
    return { title: `Original: ${filename}`, notes: melodyToNotes(analysis.melody), tempo: analysis.tempo };
  }

  /** While a stream plays, the file cannot change and nothing of it can be previewed. */
  setLocked(locked) {
    this.#form.elements.midi.disabled = locked;
    this.#part("source-preview").disabled = locked || !this.#upload?.analysis.melody;
    for (const button of this.#part("track-previews").querySelectorAll("button")) {
      const track = this.#upload?.analysis.tracks[Number(button.dataset.trackPreview)];
      button.disabled = locked || !track?.preview;
    }
  }

  /** Shows an ApiError beside the control it is about, else above the Convert button. */
  showError(error) {
    let slot = error?.field === "source" ? "midi" : error?.field;
    if (slot === "midi" && error.code === "invalid_source" && "track" in (this.#asked ?? {})) {
      slot = "track"; // the picked track had no melody to take
    }
    showFormError(this.#form, OWN_SLOTS.has(slot) ? null : error);
    if (!OWN_SLOTS.has(slot)) return;
    setFieldError(this.#form, slot, error.message);
    this.#form.elements.namedItem(slot)?.focus();
  }

  async #useFile(file) {
    const problem = checkMidiFile(file);
    this.#forget();
    setFieldError(this.#form, "midi", problem);
    if (problem) return;
    this.#setUploading(true, `Reading “${file.name}”…`);
    try {
      this.#show(await uploadMidi(file));
      this.#setUploading(false, `“${file.name}” is ready to convert.`);
    } catch (error) {
      this.#setUploading(false, "");
      setFieldError(this.#form, "midi", error.message);
      if (error.code === "quota_exceeded") this.#linkToUploads();
      this.#form.elements.midi.focus();
    }
  }

  /** The refusal of a file past the quota says where space is freed. */
  #linkToUploads() {
    const link = document.createElement("a");
    link.href = MANAGE_UPLOADS_URL;
    link.className = "font-semibold text-accent-300 underline underline-offset-4";
    link.textContent = "Manage your MIDI files";
    this.#form.querySelector("[data-error-for='midi']").append(" ", link);
  }

  #setUploading(uploading, status) {
    this.#uploading = uploading;
    const zone = this.#part("drop-zone");
    zone.setAttribute("aria-busy", String(uploading));
    this.#form.elements.midi.disabled = uploading;
    this.#part("start").disabled = uploading;
    this.#part("upload-status").textContent = status;
  }

  #forget() {
    this.#upload = null;
    this.#part("source").hidden = true;
    showFormError(this.#form, null);
  }

  #show(upload) {
    this.#upload = upload;
    const { analysis } = upload;
    this.#part("source-name").textContent = upload.filename;
    this.#part("source-facts").replaceChildren(...sourceFacts(analysis).flatMap(([term, value]) => {
      const [dt, dd] = [document.createElement("dt"), document.createElement("dd")];
      dt.className = "text-ink-400";
      dd.className = "text-ink-100";
      [dt.textContent, dd.textContent] = [term, value];
      return [dt, dd];
    }));
    const note = this.#part("source-note");
    note.textContent = analysis.polyphonic ? "That track plays chords; its upper voice is the melody." : "";
    note.hidden = !analysis.polyphonic;
    this.#showTracks(analysis);
    this.#part("original-key").textContent = `Keep the original key (${analysis.key})`;
    this.#part("source").hidden = false;
    this.setLocked(false);
  }

  /** The track picker, pre-selected on the studio's choice, with a preview button per track;
   * when the studio is unsure which track holds the tune, it says so and asks. */
  #showTracks(analysis) {
    const tracks = pitchedTracks(analysis);
    const select = this.#form.elements.track;
    select.replaceChildren(...tracks.map((track) =>
      new Option(trackLabel(track), String(track.index), false, track.index === analysis.melody_track)));
    setFieldError(this.#form, "track", "");
    this.#part("track-previews").replaceChildren(...tracks.map((track) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-ghost px-3 py-1 text-sm";
      button.dataset.trackPreview = String(track.index);
      button.textContent = `Play ${trackName(track)}`;
      button.setAttribute("aria-label", `Play ${trackLabel(track)}`);
      item.append(button);
      return item;
    }));
    const unsure = analysis.melody_choice?.confident === false && tracks.length > 1;
    const field = this.#part("track-field");
    field.dataset.unsure = String(unsure);
    this.#part("track-hint").textContent = trackHint(analysis, unsure);
    field.hidden = tracks.length < 2;
  }

  #bindStrength() {
    const input = this.#form.elements.strength;
    const show = () => {
      const value = Number(input.value).toFixed(2);
      this.#part("strength-value").textContent = value;
      input.setAttribute("aria-valuetext", `${value}: ${strengthWords(Number(input.value))}`);
      setFieldError(this.#form, "strength", "");
    };
    input.addEventListener("input", show);
    show();
  }
}
