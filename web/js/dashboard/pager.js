// The "← Newer · Page 2 of 3 · Older →" pager under a newest-first list
// (templates/partials/pager.html): the dashboard's songs and MIDI files each have one.

export class Pager {
  #nav;
  #page = 1;

  /** `onPage(page)` shows another page of the list; the pager only asks for it. */
  constructor(nav, onPage) {
    this.#nav = nav;
    this.#part("page-previous").addEventListener("click", () => onPage(this.#page - 1));
    this.#part("page-next").addEventListener("click", () => onPage(this.#page + 1));
  }

  /** Shows where the list is, from an API page ({page, pages}); hidden for a single page. */
  show({ page, pages }) {
    this.#page = page;
    this.#nav.hidden = pages <= 1;
    this.#part("page-label").textContent = `Page ${page} of ${pages}`;
    this.#part("page-previous").disabled = page <= 1;
    this.#part("page-next").disabled = page >= pages;
  }

  #part(name) {
    return this.#nav.querySelector(`[data-${name}]`);
  }
}
