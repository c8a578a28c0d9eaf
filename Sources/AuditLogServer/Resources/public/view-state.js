// What the page shows — filters and date range — and how it lives in the URL, so that a view
// can be reloaded, bookmarked and shared.

export const RANGES = {
  "24h": { label: "Last 24 hours", hours: 24 },
  "7d": { label: "Last 7 days", hours: 24 * 7 },
  "30d": { label: "Last 30 days", hours: 24 * 30 },
  "90d": { label: "Last 90 days", hours: 24 * 90 },
};
export const DEFAULT_RANGE = "7d";

/** The view described by a query string such as `?action=A&actor=u1&range=30d`. */
export function readViewState(search) {
  const params = new URLSearchParams(search);
  const unique = (values) => [...new Set(values.filter((value) => value))];
  const state = {
    actions: unique(params.getAll("action")),
    actors: unique(params.getAll("actor")),
    workspaces: unique(params.getAll("workspace")),
    range: DEFAULT_RANGE,
    from: null,
    to: null,
  };
  const range = params.get("range");
  const from = parseTime(params.get("from"));
  const to = parseTime(params.get("to"));
  if (range === "custom" && from && to && from < to) {
    Object.assign(state, { range: "custom", from, to });
  } else if (Object.hasOwn(RANGES, range)) {
    state.range = range;
  }
  return state;
}

/** The query string of a view; the default range is left out. */
export function writeViewState(state) {
  const params = new URLSearchParams();
  for (const action of state.actions) params.append("action", action);
  for (const actor of state.actors) params.append("actor", actor);
  for (const workspace of state.workspaces) params.append("workspace", workspace);
  if (state.range === "custom") {
    params.set("range", "custom");
    params.set("from", state.from.toISOString());
    params.set("to", state.to.toISOString());
  } else if (state.range !== DEFAULT_RANGE) {
    params.set("range", state.range);
  }
  const query = params.toString();
  return query ? `?${query}` : "";
}

/** The API's query parameters for a view, as [name, value] pairs, relative to `now`. */
export function apiParameters(state, now = new Date()) {
  const pairs = [];
  for (const action of state.actions) pairs.push(["action", action]);
  for (const actor of state.actors) pairs.push(["actor", actor]);
  for (const workspace of state.workspaces) pairs.push(["workspace", workspace]);
  if (state.range === "custom") {
    pairs.push(["from", state.from.toISOString()], ["to", state.to.toISOString()]);
  } else {
    pairs.push(["from", new Date(now.getTime() - RANGES[state.range].hours * 3_600_000).toISOString()]);
  }
  return pairs;
}

export function hasFilters(state) {
  return state.actions.length + state.actors.length + state.workspaces.length > 0;
}

function parseTime(text) {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}
