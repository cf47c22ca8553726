// @ts-check
// The connection badge of the pages that hold a live socket: a coloured dot and a word for the
// state connectSocket (socket.js) reports, on the page's [data-connection] element.

/** Socket status -> the badge's word and its dot's colour (a Tailwind background class). */
export const CONNECTION_LOOK = {
  connected: ["Connected", "bg-mint-400"],
  reconnected: ["Connected", "bg-mint-400"],
  reconnecting: ["Reconnecting…", "bg-amber-400"],
  disconnected: ["Offline", "bg-rose-400"],
};

const part = (name) => /** @type {HTMLElement} */ (document.querySelector(`[data-${name}]`));

/** Shows `text` beside a dot of `colour`. */
export function showConnectionText(text, colour) {
  part("connection-text").textContent = text;
  part("connection-dot").className = `size-2 rounded-full ${colour}`;
}

/** Shows the socket's `status` and records it on the badge; returns the status shown before. */
export function showConnectionStatus(status) {
  const badge = part("connection");
  const previous = badge.dataset.status;
  badge.dataset.status = status;
  showConnectionText(...CONNECTION_LOOK[status]);
  return previous;
}
