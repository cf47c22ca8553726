// @ts-check
// The dashboard's "Your MIDI files": the files kept for conversions (GET /api/uploads), newest
// first, a page at a time, with the storage they take against the quota and a Delete for each.
import { api } from "../common/api.js";
import { askUser } from "../common/dialog.js";
import { formatBytes, formatDate } from "../common/format.js";
import { loadPage } from "./pagedlist.js";
import { Pager } from "./pager.js";
import { showToast } from "../common/toast.js";

const NEARLY_FULL = 0.9; // of either quota: the storage bar turns to a warning

/** "3.2 MB of 20 MB · 12 of 100 files", from an API page. */
export function describeUsage({ used_bytes, quota_bytes, total, quota_files }) {
  return `${formatBytes(used_bytes)} of ${formatBytes(quota_bytes)} · ${total} of ${quota_files} files`;
}

export class UploadList {
  #root;
  #part;
  #page = 1;
  #pager;

  /** `root` is the section holding the list's `[data-upload-*]` parts and its template. */
  constructor(root) {
    this.#root = root;
    this.#part = (name) => root.querySelector(`[data-${name}]`);
    this.#pager = new Pager(this.#part("upload-pagination"), (page) => this.load(page));
  }

  /** Shows page `page` of the user's uploads; resolves to the API's page (null on failure). */
  async load(page = this.#page) {
    const error = this.#part("uploads-error");
    const result = await loadPage({ path: "/api/uploads", items: "uploads", page, error, what: "your MIDI files" });
    if (result === null) {
      this.#part("upload-usage").textContent = "";
      return null;
    }
    this.#page = result.page;
    this.#render(result);
    return result;
  }

  #render(result) {
    this.#part("upload-list").replaceChildren(...result.uploads.map((upload) => this.#row(upload)));
    this.#part("upload-list").hidden = result.total === 0;
    this.#part("upload-empty").hidden = result.total > 0;
    this.#part("upload-usage").textContent = describeUsage(result);
    const share = Math.max(result.used_bytes / result.quota_bytes, result.total / result.quota_files);
    const bar = this.#part("upload-usage-bar");
    bar.style.width = `${Math.min(share, 1) * 100}%`;
    bar.dataset.nearlyFull = String(share >= NEARLY_FULL);
    this.#pager.show(result);
  }

  #row(upload) {
    const template = this.#root.querySelector("[data-upload-template]");
    const row = template.content.firstElementChild.cloneNode(true);
    const part = (name) => row.querySelector(`[data-upload-${name}]`);
    row.dataset.uploadId = upload.id;
    part("name").textContent = upload.filename;
    part("name").title = upload.filename; // a long name is cut short in the row
    part("meta").textContent = `${formatBytes(upload.size)} · ${formatDate(upload.created_at)}`;
    part("delete").setAttribute("aria-label", `Delete ${upload.filename}`);
    part("delete").addEventListener("click", () => this.#delete(upload));
    return row;
  }

  async #delete(upload) {
    const confirmed = await askUser({
      title: `Delete “${upload.filename}”?`,
      message: "The file is removed for good and its space freed. Songs converted from it stay.",
      confirmLabel: "Delete file",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await api.delete(`/api/uploads/${encodeURIComponent(upload.id)}`);
      showToast(`Deleted “${upload.filename}”.`, { tone: "success" });
      await this.load();
    } catch (error) {
      showToast(error.message, { tone: "error" });
    }
  }
}
