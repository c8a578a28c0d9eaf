// The JSON API, as the page uses it: the same routes scripts call, with the session cookie.

/** An error answer of the API: `{"error": {"code", "message", "details"}}`. */
export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Sends the browser to sign in, and back here afterwards. */
export function signInAgain() {
  const here = location.pathname + location.search;
  location.assign(`/?next=${encodeURIComponent(here)}`);
}

/** Fetches `path` and returns the response, throwing `ApiError` for an error answer. */
export async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...options });
  } catch (failure) {
    if (failure.name === "AbortError") throw failure;
    throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
  }
  if (response.ok) return response;
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: a proxy's page, say. The status says enough.
  }
  const error = body?.error;
  if (response.status === 401 && !path.endsWith("/sessions")) signInAgain();
  throw new ApiError(response.status, error?.code ?? "http_" + response.status,
    error?.message ?? `The server answered ${response.status}.`, error?.details ?? []);
}

/** GET `path` with `params` (an array of [name, value] pairs) and return the parsed JSON. */
export async function getJSON(path, params = []) {
  return (await request(withQuery(path, params))).json();
}

/** `path?name=value&…`, each value encoded. */
export function withQuery(path, params) {
  const query = new URLSearchParams(params).toString();
  return query ? `${path}?${query}` : path;
}
