// Calls to reelgate's app API, with its error bodies turned into sentences a person can read.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

const FIELD_NAMES = {
  prompt: "Prompt", duration: "Duration", width: "Width", height: "Height",
  model: "Model", n_variants: "Variants", reference_image: "Reference image",
};

function fieldName(loc) {
  const name = (loc || []).filter((part) => part !== "body").join(".");
  return FIELD_NAMES[name] || name || "Request";
}

/** `{"detail": "..."}` (400, 404) or FastAPI's `{"detail": [{loc, msg}]}` (422). */
export function describeError(body, status) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail.map((error) => `${fieldName(error.loc)}: ${error.msg}`).join(". ");
  }
  return `The server answered with HTTP ${status}.`;
}

/** Told of every 401 outside the key dialog's own calls: the key was revoked, or the server
 * left open mode. The key dialog listens and comes back. */
export const authEvents = new EventTarget();

async function request(method, path, body, { headers = {}, quiet = false } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("Can't reach the server. Is reelgate still running?", 0);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(describeError(data, response.status), response.status);
    if (error.status === 401 && !quiet) {
      authEvents.dispatchEvent(new CustomEvent("unauthorized", { detail: error }));
    }
    throw error;
  }
  return data;
}

const path = (id) => encodeURIComponent(id);

export const api = {
  generate: (params) => request("POST", "/api/generate", params),
  job: (id) => request("GET", `/api/jobs/${path(id)}`),
  jobs: (after, limit = 24) =>
    request("GET", `/api/jobs?limit=${limit}${after ? `&after=${path(after)}` : ""}`),
  remix: (id, prompt) => request("POST", `/api/jobs/${path(id)}/remix`, { prompt }),
  remove: (id) => request("DELETE", `/api/jobs/${path(id)}`),
  deliveries: (id) => request("GET", `/api/webhooks/deliveries?job_id=${path(id)}`),
  session: ({ quiet = false } = {}) => request("GET", "/api/session", undefined, { quiet }),
  /** Trades the key (sent once, as a header) for the server's HttpOnly cookie. */
  signIn: (key) =>
    request("POST", "/api/session", undefined, {
      headers: { Authorization: `Bearer ${key}` },
      quiet: true,
    }),
  signOut: () => request("DELETE", "/api/session", undefined, { quiet: true }),
};
