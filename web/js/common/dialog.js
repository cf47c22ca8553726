// Confirmations and one-line answers in the page's modal <dialog> (templates/partials/dialog.html).

/**
 * Opens the dialog and resolves when it closes: null when cancelled, else the typed answer
 * (when `input` is given: {label, type, value, autocomplete, maxLength}) or true.
 * @param {{title: string, message?: string, confirmLabel?: string, danger?: boolean,
 *   input?: {label: string, type?: string, value?: string, autocomplete?: string, maxLength?: number} | null}} question
 */
export function askUser({ title, message = "", confirmLabel = "Confirm", danger = false, input = null }) {
  const dialog = document.querySelector("[data-dialog]");
  const part = (name) => dialog.querySelector(`[data-dialog-${name}]`);
  part("title").textContent = title;
  part("message").textContent = message;
  part("message").hidden = !message;
  const confirm = part("confirm");
  confirm.textContent = confirmLabel;
  confirm.className = danger ? "btn btn-danger" : "btn btn-primary";
  const field = part("input");
  part("field").hidden = !input;
  field.required = Boolean(input);
  if (input) {
    part("label").textContent = input.label;
    field.type = input.type ?? "text";
    field.value = input.value ?? "";
    field.autocomplete = input.autocomplete ?? "off";
    field.maxLength = input.maxLength ?? 524288;
  }
  dialog.returnValue = "";
  dialog.showModal();
  if (input) field.select();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "confirm") resolve(null);
      else resolve(input ? field.value : true);
      field.value = ""; // never leave a typed password in the page
    }, { once: true });
  });
}
