// @ts-check
// Short-lived notices in a live region, so screen readers announce them too.

const TONES = {
  info: "border-accent-400/40 text-ink-100",
  success: "border-mint-400/40 text-ink-100",
  error: "border-rose-500/50 text-rose-100",
};

function toastRegion() {
  let region = document.getElementById("toasts");
  if (!region) {
    region = document.createElement("div");
    region.id = "toasts";
    document.body.append(region);
  }
  // Just under the sticky header: the page's own lines (a song's "sounds like", the controls
  // pinned to the bottom of a phone's screen) are never covered.
  region.className =
    "pointer-events-none fixed inset-x-0 top-[4.25rem] z-50 flex flex-col items-center gap-2 px-4";
  region.setAttribute("aria-live", "polite");
  return region;
}

/**
 * Shows `message`; `link` ({href, label}) adds an action; stays `ms` milliseconds (0: until closed).
 * @param {string} message
 * @param {{tone?: string, link?: {href: string, label: string} | null, ms?: number}} [options]
 */
export function showToast(message, { tone = "info", link = null, ms = 6000 } = {}) {
  const toast = document.createElement("div");
  toast.className = `pointer-events-auto flex max-w-xl items-center gap-3 rounded-xl border bg-ink-850 px-4 py-2.5 text-sm shadow-2xl shadow-black/40 ${TONES[tone] || TONES.info}`;
  toast.setAttribute("role", tone === "error" ? "alert" : "status");
  const text = document.createElement("span");
  text.textContent = message;
  toast.append(text);
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.textContent = link.label;
    anchor.className = "font-semibold text-accent-300 underline-offset-4 hover:underline";
    toast.append(anchor);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "ml-auto text-ink-400 hover:text-ink-100";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "✕";
  close.addEventListener("click", () => toast.remove());
  toast.append(close);
  toastRegion().append(toast);
  if (ms > 0) setTimeout(() => toast.remove(), ms);
  return toast;
}
