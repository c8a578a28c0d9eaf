// The Audit Logs page: the filters, the date range, the table with more rows on scroll, one
// event from its link, the time zone, and the exports — all through the same JSON API that
// scripts use.
import "./session.js";
import { ApiError, getJSON, request, withQuery } from "./api.js";
import { appendEventRow, expandRow, reformatTimes } from "./event-table.js";
import { formatShort, fromZoneInput, plural, showUTC, showsUTC, shownZone, toZoneInput, viewerZone } from "./format.js";
import { MultiSelect } from "./multiselect.js";
import { outsideText } from "./outside-text.js";
import { DEFAULT_RANGE, RANGES, apiParameters, hasFilters, readViewState, writeViewState } from "./view-state.js";

const organization = document.body.dataset.organization;
const api = `/api/v1/organizations/${encodeURIComponent(organization)}`;
const listPath = `/organizations/${encodeURIComponent(organization)}/audit-logs`;
const EXPORT_LIMIT = 2500;
const $ = (id) => document.getElementById(id);

/** The address of an event's own page, which shows it expanded. */
function eventLink(id) {
  return `${location.origin}${listPath}/events/${encodeURIComponent(id)}`;
}

/** The id of the event a path such as `…/audit-logs/events/{id}` shows; null for the list. */
function linkedEventOf(path) {
  const prefix = `${listPath}/events/`;
  if (!path.startsWith(prefix)) return null;
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    return path.slice(prefix.length);
  }
}

let state = readViewState(location.search);
let linkedEvent = linkedEventOf(location.pathname);
let cursor = null;
let loading = null; // the AbortController of the request under way
let generation = 0; // bumps on every new view, so late answers of an old one are dropped
let preview = null;
let viewParameters = []; // the API query of the view on screen, fixed when it loaded

// ----- Filters

let catalog = [];
let workspaces = [];

const actionFilter = new MultiSelect($("action-filter"), {
  label: "Action",
  searchLabel: "Search actions",
  load: async (query) => {
    const needle = query.toLowerCase();
    return catalog.flatMap((category) => category.actions
      .filter((action) => !needle || action.name.toLowerCase().includes(needle)
        || action.description.toLowerCase().includes(needle))
      .map((action) => ({ value: action.name, label: action.name, sub: action.description, group: category.title })));
  },
  onChange: (values) => changeView({ actions: values }),
});

const actorFilter = new MultiSelect($("actor-filter"), {
  label: "Actor",
  searchLabel: "Search by name or email",
  debounce: 200,
  load: async (query) => (await getJSON(`${api}/actors`, query ? [["q", query]] : [])).data.map(actorOption),
  onChange: (values) => changeView({ actors: values }),
});

const workspaceFilter = new MultiSelect($("workspace-filter"), {
  label: "Workspace",
  searchLabel: "Search workspaces",
  load: async (query) => {
    const needle = query.toLowerCase();
    return workspaces
      .filter((workspace) => !needle || (workspace.name ?? workspace.id).toLowerCase().includes(needle))
      .map((workspace) => ({ value: workspace.id, label: workspace.name ?? workspace.id, sub: workspace.name ? workspace.id : null }));
  },
  onChange: (values) => changeView({ workspaces: values }),
});

function actorOption(actor) {
  const kind = actor.type === "api_key" ? "API key" : actor.type === "system" ? "System" : null;
  return {
    value: actor.id,
    label: actor.name ?? actor.email ?? actor.id,
    sub: [actor.name ? actor.email : null, kind].filter(Boolean),
  };
}

/** Puts the filter dropdowns in line with `state`, naming restored actors. */
async function syncFilters() {
  actionFilter.setValues(state.actions);
  workspaceFilter.setValues(state.workspaces);
  let named = [];
  if (state.actors.length) {
    try {
      named = (await getJSON(`${api}/actors`, state.actors.map((id) => ["id", id]))).data.map(actorOption);
    } catch {
      // The labels fall back to ids; the list request will say what is wrong.
    }
  }
  actorFilter.setValues(state.actors, named);
  $("clear-filters").hidden = !hasFilters(state);
}

// ----- Date range

const rangeButton = $("date-range-button");
const rangeMenu = $("date-range-menu");

function rangeLabel() {
  return state.range === "custom" ? `${formatShort(state.from)} – ${formatShort(state.to)}` : RANGES[state.range].label;
}

function openRangeMenu() {
  rangeMenu.hidden = false;
  rangeButton.setAttribute("aria-expanded", "true");
  for (const item of rangeMenu.querySelectorAll("[data-range]")) {
    item.setAttribute("aria-checked", String(item.dataset.range === state.range));
  }
  // A custom range starts from the view on screen, to be narrowed or moved from there.
  const now = new Date();
  // The inputs are in the zone the page shows times in.
  $("custom-from").value = toZoneInput(state.from ?? new Date(now.getTime() - RANGES[state.range].hours * 3_600_000));
  // Up to the next whole minute, so the minute under way is part of the range.
  $("custom-to").value = toZoneInput(state.to ?? new Date(Math.ceil(now.getTime() / 60_000) * 60_000));
  for (const label of rangeMenu.querySelectorAll(".custom-zone")) label.textContent = `(${shownZone()})`;
  $("custom-range-error").hidden = true;
  // No range before the oldest day the retention policy keeps.
  const oldest = retentionStart(now);
  for (const input of [$("custom-from"), $("custom-to")]) {
    if (oldest) input.min = toZoneInput(oldest);
  }
  (rangeMenu.querySelector("[aria-checked=true]") ?? rangeMenu.querySelector("[data-range]")).focus();
}

/** The start of the oldest day the organization's retention policy keeps; null when it keeps everything. */
function retentionStart(now) {
  const days = Number(document.body.dataset.retentionDays);
  if (!days) return null;
  const start = new Date(now.getTime() - days * 86_400_000);
  start.setSeconds(0, 0);
  return new Date(Math.ceil(start.getTime() / 60_000) * 60_000);
}

function closeRangeMenu(returnFocus) {
  rangeMenu.hidden = true;
  rangeButton.setAttribute("aria-expanded", "false");
  if (returnFocus) rangeButton.focus();
}

rangeButton.addEventListener("click", () => (rangeMenu.hidden ? openRangeMenu() : closeRangeMenu(true)));
for (const item of rangeMenu.querySelectorAll("[data-range]")) {
  item.setAttribute("role", "menuitemradio");
  item.addEventListener("click", () => {
    closeRangeMenu(true);
    changeView({ range: item.dataset.range, from: null, to: null });
  });
}
rangeMenu.addEventListener("keydown", (event) => {
  const items = [...rangeMenu.querySelectorAll("[data-range], input, #apply-custom-range")];
  const index = items.indexOf(document.activeElement);
  if (event.key === "Escape") {
    event.preventDefault();
    closeRangeMenu(true);
  } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && document.activeElement.dataset.range) {
    event.preventDefault();
    items[Math.max(0, Math.min(items.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))].focus();
  }
});
$("custom-range").addEventListener("submit", (event) => {
  event.preventDefault();
  const from = fromZoneInput($("custom-from").value);
  const to = fromZoneInput($("custom-to").value);
  const error = $("custom-range-error");
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
    error.textContent = "Choose a start before the end.";
    error.hidden = false;
    return;
  }
  const oldest = retentionStart(new Date());
  if (oldest && from < oldest) {
    error.textContent = `Events are kept for ${document.body.dataset.retentionDays} days: choose a start on or after ${formatShort(oldest)}.`;
    error.hidden = false;
    return;
  }
  closeRangeMenu(true);
  changeView({ range: "custom", from, to });
});
document.addEventListener("pointerdown", (event) => {
  if (!rangeMenu.hidden && !$("date-range").contains(event.target)) closeRangeMenu(false);
});
$("date-range").addEventListener("focusout", (event) => {
  if (!rangeMenu.hidden && event.relatedTarget && !$("date-range").contains(event.relatedTarget)) closeRangeMenu(false);
});

// ----- The table

const rows = $("event-rows");

// ----- Time zone: the viewer's or UTC, remembered by the browser

function showZone() {
  $("time-zone").textContent = `(${shownZone()})`;
  $("zone-local").setAttribute("aria-pressed", String(!showsUTC()));
  $("zone-utc").setAttribute("aria-pressed", String(showsUTC()));
  $("zone-local").title = `Show times in your time zone (${viewerZone})`;
  $("zone-utc").title = "Show times in UTC, as exports write them";
}

for (const [id, utc] of [["zone-local", false], ["zone-utc", true]]) {
  $(id).addEventListener("click", () => {
    if (showsUTC() === utc) return;
    showUTC(utc);
    showZone();
    reformatTimes(rows);
    $("date-range-label").textContent = rangeLabel();
  });
}
showZone();

function show(part) {
  for (const id of ["loading", "empty-state", "error-state"]) $(id).hidden = id !== part;
}

async function loadFirstPage() {
  const view = ++generation;
  $("linked-event").hidden = linkedEvent === null;
  loading?.abort();
  loading = null;
  cursor = null;
  // "Last 7 days" means the 7 days before now, once: later pages, the preview and the export
  // use the same window, however long the page stays open.
  viewParameters = apiParameters(state);
  rows.replaceChildren();
  $("load-more").hidden = true;
  $("result-summary").textContent = "";
  $("events").setAttribute("aria-busy", "true");
  show("loading");
  updateExportNotice(null);
  if (linkedEvent !== null) return loadLinkedEvent(view, linkedEvent);
  await loadPage(view);
  if (view === generation) refreshPreview(view);
}

/** The event of a link, alone and expanded; the filters and exports stay as they were. */
async function loadLinkedEvent(view, id) {
  try {
    const event = await getJSON(`${api}/events/${encodeURIComponent(id)}`);
    if (view !== generation) return;
    // An id such as "feed" names another route of the API: that answer is not this event.
    if (event?.id !== id) throw new ApiError(404, "not_found", "No such event.");
    show(null);
    expandRow(appendEventRow(rows, event, eventLink(event.id)));
    $("result-summary").textContent = "Showing one event, from its link. Choose Show all events for the rest.";
  } catch (error) {
    if (view !== generation) return;
    $("error-message").replaceChildren(error instanceof ApiError && error.status === 404
      ? "This organization has no event with that id: the link may be incomplete, or the event is older than the retention policy keeps."
      : outsideText(error.message));
    show("error-state");
  } finally {
    if (view === generation) $("events").setAttribute("aria-busy", "false");
  }
}

async function loadPage(view) {
  const controller = new AbortController();
  loading = controller;
  const more = cursor !== null;
  const params = [...viewParameters];
  if (cursor) params.push(["cursor", cursor]);
  params.push(["limit", cursor ? "100" : "50"]);
  try {
    const response = await request(withQuery(`${api}/audit-logs`, params), { signal: controller.signal });
    const page = await response.json();
    if (view !== generation) return;
    for (const event of page.data) appendEventRow(rows, event, eventLink(event.id));
    cursor = page.next_cursor;
    const shown = rows.querySelectorAll("tr.event-row").length;
    show(shown ? null : "empty-state");
    if (!shown) {
      $("empty-message").textContent = emptyMessage();
      $("empty-clear").hidden = !hasFilters(state);
      $("empty-widen").hidden = state.range === "90d";
    }
    $("load-more").hidden = !cursor;
    $("result-summary").textContent = shown
      ? `Showing ${plural(shown, "event")}${cursor ? ", newest first — scroll or choose Load more for older ones" : ", newest first — that is all of them"}.`
      : "";
  } catch (error) {
    if (error.name === "AbortError" || view !== generation) return;
    const message = error instanceof ApiError && error.details.length
      ? `${error.message} ${error.details.map((detail) => `${detail.field}: ${detail.message}`).join("; ")}`
      : error.message;
    if (more) {
      // Keep the rows already read; Load more tries the same page again.
      // An error may quote the view's filters, which a link's author chose.
      $("result-summary").replaceChildren("Older events could not be loaded: ", outsideText(message));
      $("load-more").hidden = false;
    } else {
      $("error-message").replaceChildren(outsideText(message));
      show("error-state");
    }
  } finally {
    if (loading === controller) {
      loading = null;
      $("events").setAttribute("aria-busy", "false");
      // The sentinel may still be in view on a tall screen: observe it afresh so that the
      // next page follows.
      sentinelObserver.unobserve($("scroll-sentinel"));
      sentinelObserver.observe($("scroll-sentinel"));
    }
  }
}

function emptyMessage() {
  const range = state.range === "custom" ? "this date range" : RANGES[state.range].label.toLowerCase();
  return hasFilters(state)
    ? `No events in ${range} match these filters. Clear them or widen the date range.`
    : `Nothing was recorded in ${range}. Widen the date range to look further back.`;
}

function loadMore() {
  if (!cursor || loading) return;
  loadPage(generation);
}

$("load-more").addEventListener("click", loadMore);
$("retry").addEventListener("click", loadFirstPage);
const sentinelObserver = new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadMore();
}, { rootMargin: "400px" });
sentinelObserver.observe($("scroll-sentinel"));

// ----- Changing the view

function changeView(change, { record = true } = {}) {
  state = { ...state, ...change };
  // The URL follows the view so that it can be reloaded and shared, and each change is an entry
  // of the history: Back returns to the view before it (popstate below restores it). Any change
  // leaves an event's link for the list.
  if (record) {
    linkedEvent = null;
    const url = listPath + writeViewState(state);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
  }
  $("date-range-label").textContent = rangeLabel();
  $("clear-filters").hidden = !hasFilters(state);
  loadFirstPage();
}

function clearFilters() {
  actionFilter.setValues([]);
  actorFilter.setValues([]);
  workspaceFilter.setValues([]);
  changeView({ actions: [], actors: [], workspaces: [] });
}

$("clear-filters").addEventListener("click", clearFilters);
$("empty-clear").addEventListener("click", clearFilters);
$("empty-widen").addEventListener("click", () => changeView({ range: "90d", from: null, to: null }));
$("show-all-events").addEventListener("click", (click) => {
  click.preventDefault();
  changeView({});
  $("events").focus();
});
window.addEventListener("popstate", async () => {
  linkedEvent = linkedEventOf(location.pathname);
  state = readViewState(location.search);
  await syncFilters();
  changeView({}, { record: false });
});

// ----- Export

async function refreshPreview(view) {
  try {
    const answer = await getJSON(`${api}/audit-logs/export-preview`, viewParameters);
    if (view !== generation) return;
    preview = answer;
    updateExportNotice(answer.truncated ? "before" : null);
  } catch {
    // The notice is a courtesy; the export itself says whether it was cut.
  }
}

function updateExportNotice(when) {
  const notice = $("export-notice");
  if (!when) {
    notice.hidden = true;
    return;
  }
  const limit = (preview?.limit ?? EXPORT_LIMIT).toLocaleString();
  notice.textContent = when === "before"
    ? `More than ${limit} events match this view. An export holds the newest ${limit} of them; narrow the filters or the date range to capture everything.`
    : `The export holds the newest ${limit} of more matching events; narrow the filters or the date range to capture everything.`;
  notice.hidden = false;
}

/** Hands `blob` to the browser as a download named `name`. */
function saveFile(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** Exports the view on screen as `format` (csv or jsonl), then its manifest. */
async function exportView(format, button) {
  const view = generation;
  button.disabled = true;
  try {
    const response = await request(withQuery(`${api}/audit-logs/export.${format}`, viewParameters));
    const truncated = response.headers.get("X-Export-Truncated") === "true";
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `audit-logs.${format}`;
    // Said as soon as the headers arrive, before the file is saved, even if the preview had
    // not answered yet.
    if (truncated && view === generation) updateExportNotice("before");
    const file = await response.blob();
    if (view === generation) updateExportNotice(truncated ? "after" : null);
    saveFile(file, name);
    // Its signed manifest beside it, for an auditor to check the file with (docs/INTEGRITY.md).
    // The server records it before the CSV's last byte, so it is there once the CSV is.
    const exportId = response.headers.get("X-Export-Id");
    let manifestName = null;
    if (exportId) {
      const manifest = await request(`${api}/exports/${encodeURIComponent(exportId)}/manifest.json`);
      manifestName = name.replace(/\.(csv|jsonl)$/, "") + ".manifest.json";
      saveFile(await manifest.blob(), manifestName);
    }
    if (view === generation) {
      const rows = plural(Number(response.headers.get("X-Export-Rows") ?? 0), "event");
      $("result-summary").textContent = `Exported ${rows} to ${name}${manifestName ? ` with its manifest, ${manifestName}` : ""}.`;
    }
  } catch (error) {
    $("export-notice").textContent = `The export failed: ${error.message}`;
    $("export-notice").hidden = false;
  } finally {
    button.disabled = false;
  }
}

$("export-csv").addEventListener("click", () => exportView("csv", $("export-csv")));
$("export-jsonl").addEventListener("click", () => exportView("jsonl", $("export-jsonl")));

// ----- Start

async function start() {
  $("date-range-label").textContent = rangeLabel();
  const [actions, directory] = await Promise.allSettled([getJSON(`${api}/actions`), getJSON(`${api}/workspaces`)]);
  if (actions.status === "fulfilled") catalog = actions.value.data;
  if (directory.status === "fulfilled") workspaces = directory.value.data;
  actionFilter.setValues(state.actions, catalog.flatMap((category) => category.actions.map((action) => ({ value: action.name, label: action.name }))));
  workspaceFilter.setValues(state.workspaces, workspaces.map((workspace) => ({ value: workspace.id, label: workspace.name ?? workspace.id })));
  await syncFilters();
  if (state.range === DEFAULT_RANGE) history.replaceState(null, "", location.pathname + writeViewState(state));
  loadFirstPage();
}

start();
