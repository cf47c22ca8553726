// @ts-check
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

const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A size in bytes in the units the upload quota is counted in (1 MB = 1,000,000 bytes, as the
 * server's messages say): 412 -> "412 bytes", 3400 -> "3.4 kB", 20000000 -> "20 MB". */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${sizeFormat.format(bytes)} ${bytes === 1 ? "byte" : "bytes"}`;
  if (bytes < 999_950) return `${sizeFormat.format(bytes / 1000)} kB`; // above: "1,000 kB"
  return `${sizeFormat.format(bytes / 1_000_000)} MB`;
}
