// @ts-check
// Login page: checks the fields, logs in, and goes back to the page that asked for a login.
import { api } from "../common/api.js";
import { checkEmail, showFormError, validateFields, whileBusy } from "../common/forms.js";
import { initNav, nextPage } from "../common/nav.js";

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
const form = /** @type {HTMLFormElement} */ (document.querySelector("[data-login-form]"));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitLogin(form);
});
