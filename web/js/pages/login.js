// Login page: checks the fields, logs in, and goes back to the page that asked for a login.
import { api } from "../api.js";
import { checkEmail, showFormError, validateFields, whileBusy } from "../forms.js";
import { initNav } from "../nav.js";

/** Where to go after logging in: the `next` page when it is one of ours, else the dashboard. */
export function nextPage(search = window.location.search) {
  const next = new URLSearchParams(search).get("next") || "";
  const sameSite = next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
  return sameSite ? next : "/dashboard";
}

async function submitLogin(form) {
  const email = form.elements.email.value;
  const password = form.elements.password.value;
  const valid = validateFields(form, {
    email: () => checkEmail(email),
    password: () => (password ? "" : "Enter your password."),
  });
  if (!valid) return;
  showFormError(form, null);
  try {
    await whileBusy(form, () =>
      api.post("/api/auth/login", { email, password, remember: form.elements.remember.checked }),
    );
    window.location.assign(nextPage());
  } catch (error) {
    showFormError(form, error);
  }
}

initNav();
const form = document.querySelector("[data-login-form]");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitLogin(form);
});
