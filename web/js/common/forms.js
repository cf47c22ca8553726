// @ts-check
// Form checks that mirror the server's rules, and the helpers that show a message beside a field.

export const PASSWORD_MIN_LENGTH = 8;
export const DISPLAY_NAME_MAX_LENGTH = 50;
export const PHOTO_MAX_BYTES = 5 * 1024 * 1024;
export const PHOTO_TYPES = ["image/png", "image/jpeg", "image/webp"];

// Keys typed into these elements are theirs, not shortcuts or notes (a slider's are not typing).
const TYPING_TARGETS = "input:not([type=range]), textarea, select, [contenteditable]";

/**
 * Whether a key event at `target` is someone typing into a field.
 * @param {Element | null} target
 */
export function isTypingTarget(target) {
  return Boolean(target?.closest?.(TYPING_TARGETS));
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(email) {
  if (!email.trim()) return "Enter your email address.";
  return EMAIL_PATTERN.test(email.trim()) ? "" : "Enter a valid email address, like ada@example.com.";
}

export function checkPassword(password) {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters for your password.`;
  }
  return "";
}

export function checkDisplayName(name) {
  if (!name.trim()) return "Enter the name other people will see.";
  if (name.trim().length > DISPLAY_NAME_MAX_LENGTH) {
    return `Keep your name under ${DISPLAY_NAME_MAX_LENGTH + 1} characters.`;
  }
  return "";
}

/** "" when `file` is an acceptable profile photo, else why not. */
export function checkPhoto(file) {
  if (!file) return "";
  if (!PHOTO_TYPES.includes(file.type)) return "Choose a PNG, JPEG or WebP image.";
  if (file.size > PHOTO_MAX_BYTES) return "Choose an image of 5 MB or less.";
  return "";
}

/**
 * Shows `message` under the field named `name` in `form` (an empty message clears it). A shown
 * message goes as soon as the field is edited: the next check or the server judges it again.
 */
export function setFieldError(form, name, message) {
  const input = form.elements.namedItem(name);
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
  if (slot) {
    slot.textContent = message;
    slot.hidden = !message;
  }
  if (message && input?.addEventListener) {
    input.addEventListener("input", () => setFieldError(form, name, ""), { once: true });
  }
}

/** Runs `checks` ({fieldName: () => message}); shows each message; true when all pass. */
export function validateFields(form, checks) {
  /** @type {HTMLElement | null} */
  let firstInvalid = null;
  for (const [name, check] of Object.entries(checks)) {
    const message = check();
    setFieldError(form, name, message);
    if (message && !firstInvalid) firstInvalid = form.elements.namedItem(name);
  }
  firstInvalid?.focus();
  return firstInvalid === null;
}

/** Shows an ApiError beside the field it names, else in the form's `[data-form-error]` box. */
export function showFormError(form, error) {
  const box = form.querySelector("[data-form-error]");
  const input = error?.field ? form.elements.namedItem(error.field) : null;
  if (input) {
    setFieldError(form, error.field, error.message);
    input.focus();
  }
  if (!box) return;
  box.textContent = error && !input ? (error.message ?? String(error)) : "";
  box.hidden = !box.textContent;
  if (!box.hidden) form.addEventListener("input", () => showFormError(form, null), { once: true });
}

/** Disables the submit button while `work` runs, so a double click sends one request. */
export async function whileBusy(form, work) {
  const submit = form.querySelector("[type=submit]");
  const label = submit?.textContent;
  if (submit) {
    submit.disabled = true;
    submit.textContent = submit.dataset.busyLabel || label;
  }
  try {
    return await work();
  } finally {
    if (submit) {
      submit.disabled = false;
      submit.textContent = label;
    }
  }
}
