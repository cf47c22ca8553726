// @ts-check
// Sign-up page: photo preview, client checks that mirror the server, then the account is created.
import { api } from "../common/api.js";
import {
  checkDisplayName,
  checkEmail,
  checkPassword,
  checkPhoto,
  setFieldError,
  showFormError,
  validateFields,
  whileBusy,
} from "../common/forms.js";
import { initNav, nextPage } from "../common/nav.js";

/** @type {string | null} */
let previewUrl = null;

function showPreview(form) {
  const file = form.elements.photo.files[0];
  const message = checkPhoto(file);
  setFieldError(form, "photo", message);
  const preview = form.querySelector("[data-photo-preview]");
  const placeholder = form.querySelector("[data-photo-placeholder]");
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = file && !message ? URL.createObjectURL(file) : null;
  preview.hidden = !previewUrl;
  placeholder.hidden = Boolean(previewUrl);
  if (previewUrl) preview.src = previewUrl;
}

async function submitSignup(form) {
  const { email, password, display_name: displayName, photo } = form.elements;
  const valid = validateFields(form, {
    display_name: () => checkDisplayName(displayName.value),
    email: () => checkEmail(email.value),
    password: () => checkPassword(password.value),
    photo: () => checkPhoto(photo.files[0]),
  });
  if (!valid) return;
  showFormError(form, null);
  const body = new FormData();
  body.append("email", email.value.trim());
  body.append("password", password.value);
  body.append("display_name", displayName.value.trim());
  if (photo.files[0]) body.append("photo", photo.files[0]);
  try {
    await whileBusy(form, () => api.postForm("/api/auth/signup", body));
    window.location.assign(nextPage()); // an invite link survives signing up
  } catch (error) {
    showFormError(form, error);
  }
}

initNav();
const form = /** @type {HTMLFormElement} */ (document.querySelector("[data-signup-form]"));
const photo = /** @type {HTMLInputElement} */ (form.elements.namedItem("photo"));
photo.addEventListener("change", () => showPreview(form));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitSignup(form);
});
