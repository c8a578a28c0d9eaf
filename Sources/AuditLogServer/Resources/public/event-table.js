// The rows of the events table. Every value is set as text, never as HTML: events carry text
// chosen by whoever acted. Each piece of that text is isolated, its invisible characters shown
// (outside-text.js), so that none can reorder or disguise what is around it.
import { formatTime } from "./format.js";
import { outsideText } from "./outside-text.js";

/** Appends a row for `event` to `body` and returns it; clicking it (or its button) shows the
 * whole event, with a Copy link button for `link`, the address of the event's own page. */
export function appendEventRow(body, event, link) {
  const row = document.createElement("tr");
  row.className = "event-row";
  row.setAttribute("aria-expanded", "false");
  row.dataset.eventId = event.id;
  row.dataset.action = event.action;
  row.dataset.actorId = event.actor.id;
  row.dataset.workspaceId = event.workspace?.id ?? "";
  row.dataset.occurredAt = event.occurred_at;

  const time = cell("Timestamp");
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "disclose";
  toggle.setAttribute("aria-expanded", "false");
  toggle.title = `${event.occurred_at} (UTC)`;
  const when = document.createElement("time");
  when.dateTime = event.occurred_at;
  when.textContent = formatTime(event.occurred_at);
  toggle.append(when);
  time.append(toggle);

  const action = cell("Action");
  const actionName = document.createElement("span");
  actionName.className = "action-name";
  actionName.textContent = event.action;
  action.append(actionName);

  const actor = cell("Actor");
  const actorName = document.createElement("span");
  actorName.className = "actor-name";
  actorName.append(outsideText(event.actor.name ?? event.actor.email ?? event.actor.id));
  actor.append(actorName);
  const secondary = event.actor.name ? event.actor.email : null;
  const kind = event.actor.type === "api_key" ? "API key" : event.actor.type === "system" ? "System" : null;
  if (secondary || kind) {
    const sub = document.createElement("span");
    sub.className = "actor-email";
    sub.append(secondary ? outsideText(secondary) : kind);
    actor.append(sub);
  }

  const workspace = cell("Workspace");
  if (event.workspace) {
    workspace.append(outsideText(event.workspace.name ?? event.workspace.id));
  } else {
    const none = document.createElement("span");
    none.className = "no-workspace";
    none.textContent = "—";
    none.title = "An account-level event";
    workspace.append(none);
  }

  const details = cell("Details");
  details.className = "details";
  details.append(outsideText(event.details));

  row.append(time, action, actor, workspace, details);
  const expand = () => toggleDetail(row, toggle, event, link);
  row.addEventListener("click", (click) => {
    if (click.target.closest("button") !== toggle && window.getSelection()?.toString()) return;
    expand();
  });
  toggle.addEventListener("click", (click) => {
    click.stopPropagation();
    expand();
  });
  body.append(row);
  return row;
}

/** Shows the whole of `row`'s event, unless it is shown already. */
export function expandRow(row) {
  if (row.getAttribute("aria-expanded") !== "true") row.querySelector("button.disclose").click();
}

/** Writes every time of the table again, after the viewer chose another time zone. */
export function reformatTimes(body) {
  for (const time of body.querySelectorAll("time[datetime]")) time.textContent = formatTime(time.dateTime);
}

function toggleDetail(row, toggle, event, link) {
  const open = row.getAttribute("aria-expanded") === "true";
  row.setAttribute("aria-expanded", String(!open));
  toggle.setAttribute("aria-expanded", String(!open));
  if (open) {
    row.nextElementSibling?.classList.contains("event-detail") && row.nextElementSibling.remove();
    return;
  }
  const detail = document.createElement("tr");
  detail.className = "event-detail";
  const td = document.createElement("td");
  td.colSpan = 5;
  const grid = document.createElement("div");
  grid.className = "detail-grid";
  grid.append(
    section("Event", [
      ["Event ID", code(event.id)],
      ["Occurred", `${event.occurred_at} UTC`],
      ["Received", `${event.received_at} UTC`],
      ["Actor ID", code(event.actor.id)],
      ["Actor type", event.actor.type],
      ["Workspace ID", event.workspace ? code(event.workspace.id) : "—"],
    ]),
    section("Targets", event.targets.length
      ? event.targets.map((target) => [
        outsideText(target.type),
        target.name ? joined(outsideText(target.name), " (", outsideText(target.id), ")") : outsideText(target.id),
      ])
      : [["", "None"]]),
    section("Context", [
      ["IP address", event.context.ip_address ?? "—"],
      ["User agent", event.context.user_agent ? outsideText(event.context.user_agent) : "—"],
    ]),
    section("Metadata", Object.keys(event.metadata).length
      ? Object.entries(event.metadata).map(([key, value]) => [outsideText(key), value === null ? "null" : outsideText(String(value))])
      : [["", "None"]]),
  );
  td.append(linkActions(link), grid);
  detail.append(td);
  row.after(detail);
}

/** Copy link: the event's address to the clipboard; where the browser refuses (a page served
 * over plain HTTP to another machine), the address selected in a box, to copy by hand. */
function linkActions(link) {
  const bar = document.createElement("div");
  bar.className = "detail-actions";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary copy-link";
  button.textContent = "Copy link";
  button.dataset.link = link;
  const status = document.createElement("span");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", async (click) => {
    click.stopPropagation();
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = "Link copied.";
    } catch {
      let box = bar.querySelector("input");
      if (!box) {
        box = document.createElement("input");
        box.type = "text";
        box.readOnly = true;
        box.value = link;
        box.setAttribute("aria-label", "Link to this event");
        bar.insertBefore(box, status);
      }
      box.focus();
      box.select();
      status.textContent = "Copy the selected link (Ctrl+C or ⌘C).";
    }
  });
  bar.append(button, status);
  return bar;
}

/** A title and its terms and values: a string is the page's own text, a node came from outside. */
function section(title, pairs) {
  const wrapper = document.createElement("section");
  const heading = document.createElement("h4");
  heading.textContent = title;
  const list = document.createElement("dl");
  for (const [term, value] of pairs) {
    const dt = document.createElement("dt");
    dt.append(term);
    const dd = document.createElement("dd");
    dd.append(value);
    list.append(dt, dd);
  }
  wrapper.append(heading, list);
  return wrapper;
}

function code(text) {
  const node = document.createElement("code");
  node.append(outsideText(text));
  return node;
}

function joined(...parts) {
  const fragment = document.createDocumentFragment();
  fragment.append(...parts);
  return fragment;
}

function cell(label) {
  const td = document.createElement("td");
  td.dataset.label = label;
  return td;
}
