// @ts-check
// The dashboard's song history: one page of songs, newest first, each with a piano-roll thumbnail
// and its actions (play, rename, download, delete), and the pager below.
import { api } from "../common/api.js";
import { conversionText, soundsLikeText } from "../studio/convertsummary.js";
import { askUser } from "../common/dialog.js";
import { chordsText } from "../player/chordlane.js";
import { formatDate, formatTime } from "../common/format.js";
import { loadPage } from "./pagedlist.js";
import { Pager } from "./pager.js";
import { drawThumbnail } from "../player/pianoroll.js";
import { loadSongNotes } from "./songs.js";
import { showToast } from "../common/toast.js";

const TITLE_MAX_LENGTH = 100;

export function describeSong(song) {
  const style = song.genre && song.genre !== "any" ? song.genre : "any style";
  const parts = [
    style.charAt(0).toUpperCase() + style.slice(1),
    `${song.key} ${song.mode}`,
    `${Math.round(song.tempo)} BPM`,
    formatTime(song.duration_seconds),
    `${song.note_count} notes`,
    formatDate(song.created_at),
  ];
  return parts.join(" · ");
}

const sourceNames = new Map(); // upload id -> its file name (or null), asked once per page

/** The file name of the upload a converted song came from; null when it cannot be read. */
function sourceName(uploadId) {
  if (typeof uploadId !== "string") return Promise.resolve(null);
  if (!sourceNames.has(uploadId)) {
    const path = `/api/uploads/${encodeURIComponent(uploadId)}`;
    sourceNames.set(uploadId, api.get(path).then((upload) => upload.filename, () => null));
  }
  return sourceNames.get(uploadId);
}

export class SongList {
  #root;
  #onPlay;
  #page = 1;
  #part;
  #pager;

  /** `onPlay(song)` plays a song in the page's player. */
  constructor(root, { onPlay }) {
    this.#root = root;
    this.#onPlay = onPlay;
    this.#part = (name) => root.querySelector(`[data-${name}]`);
    this.#pager = new Pager(this.#part("pagination"), (page) => this.load(page));
  }

  /** Shows page `page` of the user's songs; resolves to the API's page (null on failure). */
  async load(page = this.#page) {
    const error = this.#part("songs-error");
    const result = await loadPage({ path: "/api/songs", items: "songs", page, error, what: "your songs" });
    if (result !== null) {
      this.#page = result.page;
      this.#render(result);
    }
    return result;
  }

  #render({ songs, page, pages, total }) {
    const list = this.#part("song-list");
    list.replaceChildren(...songs.map((song) => this.#row(song)));
    this.#part("song-empty").hidden = total > 0;
    this.#part("song-summary").textContent =
      total === 0 ? "Nothing saved yet." : `${total} ${total === 1 ? "song" : "songs"}, newest first.`;
    this.#pager.show({ page, pages });
    this.#revealLinkedSong();
  }

  // Rows are drawn after the page loads, too late for the browser's own jump to a #fragment.
  // Only a song's row is marked: the page's other fragments (#uploads) are sections.
  #revealLinkedSong() {
    const id = window.location.hash.slice(1);
    const row = id.startsWith("song-") ? document.getElementById(id) : null;
    if (!row) return;
    row.classList.add("ring-2", "ring-accent-400");
    row.scrollIntoView({ block: "center" });
  }

  #row(song) {
    const template = this.#root.querySelector("[data-song-template]");
    const row = template.content.firstElementChild.cloneNode(true);
    const part = (name) => row.querySelector(`[data-song-${name}]`);
    row.dataset.songId = song.id;
    row.id = `song-${song.id}`; // the studio's "saved" notice links here
    part("title").textContent = song.title;
    part("meta").textContent = describeSong(song);
    part("download").href = song.midi_url;
    part("download").setAttribute("aria-label", `Download ${song.title} as MIDI`);
    part("continue").href = `/studio?continue=${encodeURIComponent(song.id)}`; // its bars as an opening
    part("continue").setAttribute("aria-label", `Continue ${song.title} in the studio`);
    for (const [name, label] of [["play", "Play"], ["rename", "Rename"], ["delete", "Delete"]]) {
      part(name).setAttribute("aria-label", `${label} ${song.title}`);
    }
    this.#showLabels(row, song);
    part("play").addEventListener("click", () => this.#onPlay(song));
    part("rename").addEventListener("click", () => this.#rename(song));
    part("delete").addEventListener("click", () => this.#delete(song));
    this.#drawThumbnail(part("thumbnail"), song);
    return row;
  }

  /** What the classifier may say ("Sounds like jazz, as asked · 97%"; nothing when it is
   * unsure), and for a conversion where it came from. */
  #showLabels(row, song) {
    const label = (name, text) => {
      const badge = row.querySelector(`[data-song-${name}]`);
      badge.textContent = text;
      badge.hidden = !text;
      row.querySelector("[data-song-labels]").hidden = !row.querySelector(".badge:not([hidden])");
    };
    label("sounds-like", song.sounds_like ? soundsLikeText(song.sounds_like) : "");
    label("chords", chordsText(song.chords));
    if (song.source_kind !== "converted") return;
    const named = song.parameters.source_name; // saved with conversions; older ones ask the upload
    label("origin", conversionText(song, named));
    if (named) return;
    sourceName(song.parameters.source).then((name) => name && label("origin", conversionText(song, name)));
  }

  async #drawThumbnail(canvas, song) {
    canvas.setAttribute("aria-label", `Piano roll of ${song.title}`);
    try {
      const { notes } = await loadSongNotes(song);
      requestAnimationFrame(() => drawThumbnail(canvas, notes));
    } catch {
      canvas.setAttribute("aria-label", `No preview for ${song.title}`);
    }
  }

  async #rename(song) {
    const title = await askUser({
      title: "Rename song",
      confirmLabel: "Save",
      input: { label: "Title", value: song.title, maxLength: TITLE_MAX_LENGTH },
    });
    if (title === null || !title.trim() || title.trim() === song.title) return;
    try {
      const renamed = await api.patch(`/api/songs/${song.id}`, { title: title.trim() });
      this.#root.dispatchEvent(new CustomEvent("songrenamed", { detail: renamed }));
      showToast(`Renamed to “${title.trim()}”.`, { tone: "success" });
      await this.load();
    } catch (error) {
      showToast(error.message, { tone: "error" });
    }
  }

  async #delete(song) {
    const confirmed = await askUser({
      title: `Delete “${song.title}”?`,
      message: "The song and its MIDI file are removed for good.",
      confirmLabel: "Delete song",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await api.delete(`/api/songs/${song.id}`);
      this.#root.dispatchEvent(new CustomEvent("songdeleted", { detail: song }));
      showToast(`Deleted “${song.title}”.`, { tone: "success" });
      await this.load();
    } catch (error) {
      showToast(error.message, { tone: "error" });
    }
  }
}
