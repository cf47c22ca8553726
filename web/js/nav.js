// The navigation bar's behaviour shared by every page: logging out.
import { api } from "./api.js";
import { showToast } from "./toast.js";

export async function logOut() {
  try {
    await api.post("/api/auth/logout");
  } catch (error) {
    // A session that already ended is as good as logged out.
    if (error.status !== 401) {
      showToast(error.message, { tone: "error" });
      return;
    }
  }
  window.location.assign("/");
}

export function initNav() {
  for (const button of document.querySelectorAll("[data-logout]")) {
    button.addEventListener("click", logOut);
  }
}
