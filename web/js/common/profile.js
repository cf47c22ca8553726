// The dashboard's profile card and settings: photo, display name and email, password, deletion.
import { api } from "./api.js";
import { askUser } from "./dialog.js";
import {
  checkDisplayName,
  checkEmail,
  checkPassword,
  checkPhoto,
  setFieldError,
  showFormError,
  validateFields,
  whileBusy,
} from "./forms.js";
import { showToast } from "./toast.js";

/** Shows `user` (an API UserOut) on the card and in the navigation bar. */
function showUser(user) {
  const photo = document.querySelector("[data-profile-photo]");
  const hasPhoto = Boolean(user.photo_url);
  showPhoto(photo, user.photo_url);
  document.querySelector("[data-profile-initial]").hidden = hasPhoto;
  document.querySelector("[data-profile-initial]").textContent = user.display_name.slice(0, 1).toUpperCase();
  document.querySelector("[data-photo-remove]").hidden = !hasPhoto;
  document.querySelector("[data-profile-name]").textContent = user.display_name;
  document.querySelector("[data-profile-email]").textContent = user.email;
  const navName = document.querySelector("[data-nav-name]");
  if (navName) navName.textContent = user.display_name;
  const navPhoto = document.querySelector("[data-nav-photo]");
  if (navPhoto) showPhoto(navPhoto, user.photo_url);
}

/** Shows the photo at `url`, or hides the image (and drops its address) when there is none. */
function showPhoto(image, url) {
  if (url) image.src = url;
  else image.removeAttribute("src"); // a removed photo is not fetched again
  image.hidden = !url;
}

function showPhotoError(message) {
  const slot = document.querySelector("[data-photo-error]");
  slot.textContent = message;
  slot.hidden = !message;
}

/** Runs one photo request at a time: a removal cannot overtake an upload still in flight. */
async function whilePhotoBusy(work) {
  const controls = document.querySelectorAll("[data-photo-input], [data-photo-remove]");
  for (const control of controls) control.disabled = true;
  try {
    await work();
  } finally {
    for (const control of controls) control.disabled = false;
  }
}

async function changePhoto(input) {
  const file = input.files[0];
  input.value = ""; // choosing the same file again should fire `change` again
  const problem = checkPhoto(file);
  showPhotoError(problem);
  if (!file || problem) return;
  const form = new FormData();
  form.append("photo", file);
  try {
    showUser(await api.putForm("/api/me/photo", form));
    showToast("Photo updated.", { tone: "success" });
  } catch (error) {
    showPhotoError(error.message);
  }
}

async function removePhoto() {
  try {
    showUser(await api.delete("/api/me/photo"));
    showToast("Photo removed.", { tone: "success" });
  } catch (error) {
    showPhotoError(error.message);
  }
}

async function saveProfile(form) {
  const { display_name: name, email } = form.elements;
  const valid = validateFields(form, {
    display_name: () => checkDisplayName(name.value),
    email: () => checkEmail(email.value),
  });
  if (!valid) return;
  showFormError(form, null);
  const body = { display_name: name.value.trim(), email: email.value.trim() };
  const currentEmail = document.querySelector("[data-profile-email]").textContent;
  if (body.email.toLowerCase() !== currentEmail.toLowerCase()) {
    // The server asks for the password before moving the account to another address.
    const password = await askUser({
      title: "Confirm the new email",
      message: `Enter your password to change your email to ${body.email}.`,
      confirmLabel: "Change email",
      input: { label: "Password", type: "password", autocomplete: "current-password" },
    });
    if (!password) return;
    body.current_password = password;
  }
  try {
    showUser(await whileBusy(form, () => api.patch("/api/me", body)));
    showToast("Profile saved.", { tone: "success" });
  } catch (error) {
    showFormError(form, error);
  }
}

async function changePassword(form) {
  const { current_password: current, password } = form.elements;
  const valid = validateFields(form, {
    current_password: () => (current.value ? "" : "Enter your current password."),
    password: () => checkPassword(password.value),
  });
  if (!valid) return;
  showFormError(form, null);
  try {
    const body = { current_password: current.value, password: password.value };
    await whileBusy(form, () => api.patch("/api/me", body));
    form.reset();
    showToast("Password changed. Your other devices are logged out.", { tone: "success" });
  } catch (error) {
    showFormError(form, error);
  }
}

async function deleteAccount() {
  const password = await askUser({
    title: "Delete your account?",
    message: "Your profile, photo and every song are deleted for good. Enter your password to confirm.",
    confirmLabel: "Delete account",
    danger: true,
    input: { label: "Password", type: "password", autocomplete: "current-password" },
  });
  if (!password) return;
  try {
    await api.delete("/api/me", { password });
    window.location.assign("/");
  } catch (error) {
    showToast(error.message, { tone: "error" });
  }
}

function onSubmit(form, handler) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handler(form);
  });
  for (const input of form.querySelectorAll("input")) {
    input.addEventListener("input", () => setFieldError(form, input.name, ""));
  }
}

export function initProfile() {
  const photoInput = document.querySelector("[data-photo-input]");
  photoInput.addEventListener("change", () => whilePhotoBusy(() => changePhoto(photoInput)));
  document.querySelector("[data-photo-remove]")
    .addEventListener("click", () => whilePhotoBusy(removePhoto));
  onSubmit(document.querySelector("[data-profile-form]"), saveProfile);
  onSubmit(document.querySelector("[data-password-form]"), changePassword);
  document.querySelector("[data-delete-account]").addEventListener("click", deleteAccount);
}
