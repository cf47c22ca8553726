// @ts-check
// The room's jam controls (templates/room.html, inside the "Play with the room" panel): a change
// to the live piece (genre, energy or key) that any member proposes and the host applies, the change
// pending with the bar it applies at, the proposals tallied (each member's latest proposal for a
// field is their vote; the server applies a change most of the room backs), and saving the jam.
import { errorFromPayload } from "../common/api.js";
import { showToast } from "../common/toast.js";

const PROPOSALS_SHOWN = 5;

/**
 * Each change proposed, with who backs it: a member's latest proposal for a field replaces their
 * earlier one for it. Most backed first, then the newest.
 */
export class ProposalTally {
  #votes = new Map(); // "field:userId" -> {key, change, name}

  /** Counts `proposal` ({user_id, display_name, change}); a decided field starts afresh with `clear`. */
  add({ user_id: userId, display_name: name, change }) {
    const [field] = Object.keys(change);
    this.#votes.delete(`${field}:${userId}`); // re-added last: the newest
    this.#votes.set(`${field}:${userId}`, { key: JSON.stringify(change), change, name });
  }

  /** Forgets the votes on `field` (the host decided it). */
  clear(field) {
    for (const vote of [...this.#votes.keys()]) if (vote.startsWith(`${field}:`)) this.#votes.delete(vote);
  }

  /** @returns {{change: object, names: string[]}[]} */
  standings() {
    const byChange = new Map();
    [...this.#votes.values()].forEach(({ key, change, name }, order) => {
      const entry = byChange.get(key) ?? { change, names: [], newest: 0 };
      entry.names.push(name);
      entry.newest = order;
      byChange.set(key, entry);
    });
    return [...byChange.values()]
      .sort((a, b) => b.names.length - a.names.length || b.newest - a.newest)
      .map(({ change, names }) => ({ change, names }));
  }
}

/** The change the form asks for: {genre}, {energy} or {key} (the first set, in that order), or null. */
export function changeOf(form) {
  for (const field of ["genre", "energy", "key"]) {
    const value = form.elements[field]?.value;
    if (value) return { [field]: value };
  }
  return null;
}

/** "genre jazz" / "energy lively", for people. */
export function describeChange(change) {
  const [[field, value]] = Object.entries(change);
  return `${field} ${value === "any" ? "any style" : value}`;
}

/**
 * @param {HTMLElement} root the jam panel
 * @param {import("./jam.js").RoomJam} jam
 * @param {{isHost: boolean, members: Map<any, any>}} client
 */
export function bindJamPanel(root, jam, client) {
  const part = (name) => /** @type {any} */ (root.querySelector(`[data-${name}]`));
  const form = part("steer-form");
  const ask = async (send) => {
    const change = changeOf(form);
    if (!change) return showToast("Choose a genre, an energy or a key first.");
    const ack = await send(change);
    if (!ack.ok) showToast(errorFromPayload(ack.error).message, { tone: "error" });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask((change) => jam.propose(change));
  });
  part("steer-apply").addEventListener("click", () => ask((change) => jam.steer(change)));
  part("save-jam").addEventListener("click", async () => {
    const ack = await jam.save();
    if (!ack.ok) return showToast(errorFromPayload(ack.error).message, { tone: "error" });
    const link = { href: `/dashboard#song-${ack.song_id}`, label: "Open dashboard" };
    showToast(`“${ack.title}” is saved in your songs.`, { tone: "success", link });
  });
  const tally = new ProposalTally();
  const showTally = () => {
    const items = tally.standings().slice(0, PROPOSALS_SHOWN).map(({ change, names }) => {
      const item = document.createElement("li");
      item.textContent = `${describeChange(change)}: ${names.length} (${names.join(", ")})`; // text, never HTML
      return item;
    });
    part("proposals").replaceChildren(...items);
  };
  jam.addEventListener("proposal", (/** @type {any} */ event) => {
    tally.add(event.detail);
    showTally();
  });
  jam.addEventListener("steer", (/** @type {any} */ event) => {
    const { change, bar, by } = event.detail;
    const pending = part("steer-pending");
    const how = by === null ? " (the room voted for it)" : "";
    pending.textContent = `Next: ${describeChange(change)} from bar ${bar + 1}${how}`;
    pending.dataset.bar = String(bar);
    pending.hidden = false;
    tally.clear(Object.keys(change)[0]);
    showTally();
  });
  jam.addEventListener("refused", (/** @type {any} */ event) => {
    showToast(errorFromPayload(event.detail).message, { tone: "error" });
  });
  return { showHost: () => { part("steer-apply").hidden = !client.isHost; } };
}
