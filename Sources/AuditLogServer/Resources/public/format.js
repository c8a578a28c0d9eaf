// How times read on the page: in the viewer's time zone or in UTC, as the viewer chose (kept
// per browser), with the exact UTC time on hover. Exports are always in UTC.

const STORAGE_KEY = "auditlogs.timeZone";

/** The viewer's own time zone, as the browser names it. */
export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "local time";

let utc = storedChoice() === "utc";
let formats = makeFormats();

function storedChoice() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // Storage refused (a privacy setting): the viewer's zone, not remembered.
  }
}

function makeFormats() {
  const timeZone = utc ? "UTC" : undefined;
  const date = { year: "numeric", month: "short", day: "numeric" };
  const clock = { hour: "2-digit", minute: "2-digit" };
  return {
    dateTime: new Intl.DateTimeFormat(undefined, { ...date, ...clock, second: "2-digit", timeZone }),
    short: new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", ...clock, timeZone }),
    shortWithYear: new Intl.DateTimeFormat(undefined, { ...date, ...clock, timeZone }),
  };
}

/** True when times are shown in UTC rather than in the viewer's zone. */
export function showsUTC() {
  return utc;
}

/** The zone times are shown in: "UTC", or the viewer's, such as "Europe/Berlin". */
export function shownZone() {
  return utc ? "UTC" : viewerZone;
}

/** Shows times in UTC (true) or the viewer's zone (false) from now on, and remembers it. */
export function showUTC(value) {
  utc = value;
  formats = makeFormats();
  try {
    localStorage.setItem(STORAGE_KEY, value ? "utc" : "local");
  } catch {
    // Not remembered; it still holds for this page.
  }
}

export function formatTime(iso) {
  return formats.dateTime.format(new Date(iso));
}

/** A short date and time; with the year when it is not this year's. */
export function formatShort(date) {
  const year = (day) => (utc ? day.getUTCFullYear() : day.getFullYear());
  return (year(date) === year(new Date()) ? formats.short : formats.shortWithYear).format(date);
}

/** The value of a `datetime-local` input for `date`, in the zone times are shown in. */
export function toZoneInput(date) {
  const shifted = utc ? date : new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** The time a `datetime-local` input's value means, in the zone times are shown in; an
 * invalid date for an empty or malformed value. */
export function fromZoneInput(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return new Date(NaN);
  return new Date(utc ? `${value}Z` : value);
}

export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
