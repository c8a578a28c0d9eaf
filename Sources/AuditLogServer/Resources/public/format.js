// How times read on the page: in the viewer's time zone, with the exact UTC time on hover.

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const shortDateTime = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
});
const shortDateTimeWithYear = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
});

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "local time";

export function formatTime(iso) {
  return dateTime.format(new Date(iso));
}

/** A short date and time; with the year when it is not this year's. */
export function formatShort(date) {
  return (date.getFullYear() === new Date().getFullYear() ? shortDateTime : shortDateTimeWithYear).format(date);
}

/** The value of a `datetime-local` input for `date`, in the viewer's time zone. */
export function toLocalInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
