// @ts-check
// The JSON API client: fetch with the CSRF header, and server errors turned into readable messages.

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An error the user can read: `message` is shown as is, `code` and `status` drive the UI. */
export class ApiError extends Error {
  constructor(message, { code = "unknown", status = 0, field = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.field = field;
  }
}

export function readCookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : "";
}

// Over HTTPS the server names the cookie `__Host-csrf_token` (only this host may set it),
// over plain HTTP `csrf_token`; the first one present is the server's current choice.
const CSRF_COOKIES = ["__Host-csrf_token", "csrf_token"];

/** The token to echo in X-CSRF-Token, read anew each time: logging in or out replaces it. */
export function csrfToken() {
  for (const name of CSRF_COOKIES) {
    const token = readCookie(name);
    if (token) return token;
  }
  return "";
}

// Used when the server answers without the {"error": {...}} body (a proxy, a crash page).
const STATUS_MESSAGES = {
  401: "Your session has ended. Please log in again.",
  403: "That action was refused. Reload the page and try again.",
  404: "That item no longer exists.",
  413: "That file is too large.",
  429: "Too many attempts. Please wait a moment and try again.",
};

const FIELD_LABELS = {
  email: "Email",
  password: "Password",
  current_password: "Current password",
  display_name: "Display name",
  title: "Title",
  photo: "Photo",
  bars: "Length in bars",
  temperature: "Creativity",
  top_p: "Top-p",
  track: "Melody track",
  midi: "MIDI file",
};

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The server names the field a problem is about ("password: must be at least 8 characters
 * long"); this turns each "; "-separated problem into a sentence and keeps the first field.
 */
export function readableProblem(message) {
  /** @type {string | null} */
  let field = null;
  const sentences = message.split("; ").map((part) => {
    const match = /^([a-z_][a-z0-9_.]*): (.+)$/.exec(part);
    if (!match) return part;
    const [, name, problem] = match;
    field ??= name;
    const label = FIELD_LABELS[name] ?? capitalize(name.replaceAll("_", " "));
    const text = /^(must|is|should|cannot|has)\b/.test(problem)
      ? `${label} ${problem}`
      : capitalize(problem);
    return /[.!?]$/.test(text) ? text : `${text}.`;
  });
  return { message: sentences.join(" "), field };
}

/** @param {Response} response */
async function errorFromResponse(response) {
  /** @type {any} */
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: fall back to a message chosen by status
  }
  const error = body?.error;
  const fallback = STATUS_MESSAGES[response.status]
    || `The server could not complete the request (HTTP ${response.status}).`;
  const { message, field } = error?.message
    ? readableProblem(error.message)
    : { message: fallback, field: null };
  return new ApiError(message, {
    code: error?.code ?? `http_${response.status}`,
    status: response.status,
    field: field ?? null,
  });
}

/**
 * Calls the API. `json` is sent as JSON, `form` (FormData) as multipart.
 * Resolves to the parsed body (or the Response when `raw`), rejects with an ApiError.
 * @param {string} path
 * @param {{method?: string, json?: unknown, form?: FormData, raw?: boolean}} [request]
 * @returns {Promise<any>}
 */
export async function apiRequest(path, { method = "GET", json, form, raw = false } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (UNSAFE_METHODS.has(method)) headers["X-CSRF-Token"] = csrfToken();
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError("Cannot reach the server. Check your connection and try again.", {
      code: "network",
    });
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("application/json") ? response.json() : null;
}

/** A socket error payload ({code, message, field?}) as an ApiError with a readable message. */
export function errorFromPayload(error) {
  const text = error?.message || "The studio server could not do that.";
  const { message, field } = readableProblem(error?.field ? `${error.field}: ${text}` : text);
  return new ApiError(message, { code: error?.code ?? "unknown", field });
}

export const api = {
  get: (path) => apiRequest(path),
  post: (path, json) => apiRequest(path, { method: "POST", json }),
  postForm: (path, form) => apiRequest(path, { method: "POST", form }),
  putForm: (path, form) => apiRequest(path, { method: "PUT", form }),
  patch: (path, json) => apiRequest(path, { method: "PATCH", json }),
  delete: (path, json) => apiRequest(path, { method: "DELETE", json }),
  getBytes: async (path) => (await apiRequest(path, { raw: true })).arrayBuffer(),
};
