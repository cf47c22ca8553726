// How times and dates read on the page.

/** 83.4 -> "1:23". */
export function formatTime(seconds) {
  const whole = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An ISO timestamp as the reader's locale writes it. */
export function formatDate(iso) {
  return dateFormat.format(new Date(iso));
}
