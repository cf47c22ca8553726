// @ts-check
// The people side of a room page: the members list (photo, name, host badge, the owner's
// actions) and the chat log. Everything a member typed is shown as text, never as HTML.
import { formatDate } from "../common/format.js";

/**
 * Redraws `list` from `members` (a Map in arrival order) with `template`; `actions` gives
 * {you, isOwner, onPassHost(id), onRemove(id)}: the owner may pass the host role or remove.
 */
export function renderMembers(list, template, members, { you, isOwner, canPassHost, onPassHost, onRemove }) {
  const items = [...members.values()].map((member) => {
    const item = template.content.firstElementChild.cloneNode(true);
    const part = (name) => item.querySelector(`[data-member-${name}]`);
    item.dataset.memberId = String(member.id);
    part("name").textContent = member.id === you ? `${member.display_name} (you)` : member.display_name;
    part("initial").textContent = member.display_name.trim().charAt(0).toUpperCase() || "?";
    if (member.photo_url) {
      part("photo").src = member.photo_url;
      part("photo").hidden = false;
      part("initial").hidden = true;
    }
    part("badge").hidden = !member.host;
    const other = member.id !== you;
    part("host").hidden = !(other && canPassHost && !member.host);
    part("remove").hidden = !(other && isOwner);
    part("host").addEventListener("click", () => onPassHost(member));
    part("remove").addEventListener("click", () => onRemove(member));
    return item;
  });
  list.replaceChildren(...items);
}

/** Adds one chat message at the bottom of `log`, keeping the newest in view. */
export function appendChat(log, message) {
  const item = document.createElement("li");
  item.dataset.chatMessage = String(message.id);
  const name = document.createElement("span");
  name.className = "font-semibold text-accent-300";
  name.textContent = message.display_name;
  const text = document.createElement("span");
  text.className = "ml-2 break-words text-ink-100";
  text.textContent = message.text;
  item.title = formatDate(message.sent_at);
  item.append(name, text);
  log.append(item);
  log.scrollTop = log.scrollHeight;
}
