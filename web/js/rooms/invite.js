// @ts-check
// Room invite links: the whole URL copied to the clipboard, or shown when copying is refused.
import { showToast } from "../common/toast.js";

export async function copyInviteLink(invitePath) {
  const url = new URL(invitePath, window.location.origin).href;
  try {
    await navigator.clipboard.writeText(url);
    showToast("Invite link copied. Anyone logged in with it can join.", { tone: "success" });
  } catch {
    showToast(`Copy this link: ${url}`, { ms: 15_000 });
  }
}
