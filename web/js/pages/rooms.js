// Rooms page: open a listening room, list the rooms I own or joined, copy their invite links.
import { api } from "../common/api.js";
import { showFormError, validateFields, whileBusy } from "../common/forms.js";
import { copyInviteLink } from "../rooms/invite.js";
import { initNav } from "../common/nav.js";

const form = document.querySelector("[data-room-form]");
const list = document.querySelector("[data-room-list]");
const template = document.querySelector("[data-room-template]");

function roomItem(room) {
  const item = template.content.firstElementChild.cloneNode(true);
  const part = (name) => item.querySelector(`[data-room-${name}]`);
  item.dataset.roomId = room.id;
  part("name").textContent = room.name;
  const people = room.present_count === 1 ? "1 person" : `${room.present_count} people`;
  part("meta").textContent = `${room.mine ? "Yours" : "Joined"} · ${people} listening now`;
  part("open").href = room.invite_path;
  part("copy").addEventListener("click", () => copyInviteLink(room.invite_path));
  return item;
}

async function showRooms() {
  const errorBox = document.querySelector("[data-rooms-error]");
  try {
    const { rooms } = await api.get("/api/rooms");
    list.replaceChildren(...rooms.map(roomItem));
    document.querySelector("[data-room-empty]").hidden = rooms.length > 0;
    errorBox.hidden = true;
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  }
}

async function createRoom() {
  const name = form.elements.name.value;
  const valid = validateFields(form, { name: () => (name.trim() ? "" : "Give the room a name.") });
  if (!valid) return;
  try {
    const room = await api.post("/api/rooms", { name });
    window.location.assign(room.invite_path);
  } catch (error) {
    showFormError(form, error);
  }
}

function init() {
  initNav();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    whileBusy(form, createRoom);
  });
  showRooms();
}

init();
