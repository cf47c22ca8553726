// @ts-check
// The room's jam controls (templates/room.html, inside the "Play with the room" panel): a change
// to the live piece (genre or energy) that any member proposes and the host applies, the change
// pending with the bar it applies at, the members' proposals, and saving the jam as a song.
import { errorFromPayload } from "../common/api.js";
import { showToast } from "../common/toast.js";

const PROPOSALS_SHOWN = 5;

/** The change the form asks for: {genre} or {energy} (genre first when both are set), or null. */
export function changeOf(form) {
  const { genre, energy } = form.elements;
  if (genre.value) return { genre: genre.value };
  if (energy.value) return { energy: energy.value };
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
    if (!change) return showToast("Choose a genre or an energy first.");
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
  jam.addEventListener("proposal", (/** @type {any} */ event) => {
    const { display_name: name, change } = event.detail;
    const item = document.createElement("li");
    item.textContent = `${name} proposes ${describeChange(change)}`; // text, never HTML
    part("proposals").prepend(item);
    while (part("proposals").children.length > PROPOSALS_SHOWN) part("proposals").lastElementChild.remove();
  });
  jam.addEventListener("steer", (/** @type {any} */ event) => {
    const { change, bar } = event.detail;
    const pending = part("steer-pending");
    pending.textContent = `Next: ${describeChange(change)} from bar ${bar + 1}`;
    pending.dataset.bar = String(bar);
    pending.hidden = false;
  });
  jam.addEventListener("refused", (/** @type {any} */ event) => {
    showToast(errorFromPayload(event.detail).message, { tone: "error" });
  });
  return { showHost: () => { part("steer-apply").hidden = !client.isHost; } };
}
