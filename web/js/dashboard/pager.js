// @ts-check
// The "← Newer · Page 2 of 3 · Older →" pager under a newest-first list
// (templates/partials/pager.html): the dashboard's songs and MIDI files each have one.

/**
 * What the pager shows for an API page ({page, pages}): hidden for a single page, and which way
 * it can go.
 * @param {{page: number, pages: number}} where
 */
export function pagerView({ page, pages }) {
  return {
    hidden: pages <= 1,
    label: `Page ${page} of ${pages}`,
    canGoNewer: page > 1,
    canGoOlder: page < pages,
  };
}

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
    const view = pagerView({ page, pages });
    this.#page = page;
    this.#nav.hidden = view.hidden;
    this.#part("page-label").textContent = view.label;
    this.#part("page-previous").disabled = !view.canGoNewer;
    this.#part("page-next").disabled = !view.canGoOlder;
  }

  #part(name) {
    return this.#nav.querySelector(`[data-${name}]`);
  }
}
