// @ts-check
// The navigation shared by every page: logging out, and where to go once logged in.
import { api } from "./api.js";
import { showToast } from "./toast.js";

/**
 * Where to go after logging in or signing up: the `next` page when it is on this site, else the
 * dashboard. `next` is read as the browser would follow it (tabs and newlines stripped, a
 * backslash read as a slash), so only a page of this origin passes.
 */
export function nextPage(search = window.location.search) {
  const next = new URLSearchParams(search).get("next");
  if (!next) return "/dashboard";
  try {
    const url = new URL(next, window.location.origin);
    if (url.origin === window.location.origin) return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    // Not a URL at all: the dashboard.
  }
  return "/dashboard";
}

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
