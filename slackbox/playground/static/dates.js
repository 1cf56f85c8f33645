// Slack's date token, `<!date^UNIX_SECONDS^FORMAT(^LINK)|FALLBACK>`, as a reader's client shows
// it: each `{token}` of FORMAT in the viewer's own time zone and locale, `{ago}` as a relative
// time ("3 minutes ago") that keeps itself current. A token Slack does not document, or a time
// that is not a number, shows FALLBACK instead, as Slack does.
// https://docs.slack.dev/messaging/formatting-message-text#date-formatting

const DAY_MS = 24 * 60 * 60 * 1000;

function pad(number, width = 2) {
  return String(number).padStart(width, "0");
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

// "today", "yesterday" or "tomorrow" when `date` is one of those days where the viewer is.
function nearDay(date, now) {
  const days = Math.round((startOfDay(date) - startOfDay(now)) / DAY_MS);
  return { "-1": "yesterday", 0: "today", 1: "tomorrow" }[days] || "";
}

function day(date, options) {
  return date.toLocaleDateString(undefined, options);
}

const LONG = { weekday: "long", month: "long", day: "numeric", year: "numeric" };
const FULL = { month: "long", day: "numeric", year: "numeric" };
const SHORT = { month: "short", day: "numeric", year: "numeric" };

// Relative time the way Slack words it: "a few seconds ago", "5 minutes ago", "in 2 hours".
export function ago(date, now = new Date()) {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const past = seconds <= 0;
  const span = Math.abs(seconds);
  const say = (words) => (past ? `${words} ago` : `in ${words}`);
  if (span < 45) return past ? "a few seconds ago" : "in a few seconds";
  if (span < 90) return say("a minute");
  const minutes = Math.round(span / 60);
  if (minutes < 45) return say(`${minutes} minutes`);
  if (minutes < 90) return say("an hour");
  const hours = Math.round(minutes / 60);
  if (hours < 22) return say(`${hours} hours`);
  if (hours < 36) return say("a day");
  const days = Math.round(hours / 24);
  if (days < 26) return say(`${days} days`);
  if (days < 46) return say("a month");
  if (days < 320) return say(`${Math.round(days / 30)} months`);
  if (days < 548) return say("a year");
  return say(`${Math.round(days / 365)} years`);
}

// Each documented token: what it shows for `date`, for a viewer whose clock says `now`.
const TOKENS = {
  date_num: (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
  date_slash: (d) => day(d, { day: "2-digit", month: "2-digit", year: "numeric" }),
  date: (d) => day(d, FULL),
  date_short: (d) => day(d, SHORT),
  date_long: (d) => day(d, LONG),
  date_long_full: (d) => day(d, FULL),
  date_pretty: (d, now) => nearDay(d, now) || day(d, FULL),
  date_short_pretty: (d, now) => nearDay(d, now) || day(d, SHORT),
  date_long_pretty: (d, now) => nearDay(d, now) || day(d, LONG),
  day_divider_pretty: (d, now) => nearDay(d, now)
    || (d.getFullYear() === now.getFullYear() ? day(d, { weekday: "long", month: "long", day: "numeric" }) : day(d, LONG)),
  time: (d) => d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" }),
  time_secs: (d) => d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" }),
  ago: (d, now) => ago(d, now),
};

// FORMAT with its tokens written out, or null when one is not a token Slack knows.
export function formatDate(seconds, format, now = new Date()) {
  if (!/^-?\d+(\.\d+)?$/.test(String(seconds))) return null;
  const date = new Date(Number(seconds) * 1000);
  let known = true;
  const text = String(format).replace(/\{([a-z_]+)\}/g, (whole, token) => {
    const write = TOKENS[token];
    if (!write) known = false;
    return write ? write(date, now) : whole;
  });
  if (!known) return null;
  // "today at 14:03" reads "Today at 14:03" at the start of a line, as in Slack.
  return text.replace(/^(today|yesterday|tomorrow)/, (word) => word[0].toUpperCase() + word.slice(1));
}

// The parts of a token's inside (after `<`, before `>`): `!date^SECONDS^FORMAT^LINK|FALLBACK`.
// Only the first `|` separates: the fallback may hold more.
export function parseDateToken(inside) {
  const bar = inside.indexOf("|");
  const target = bar < 0 ? inside : inside.slice(0, bar);
  const fallback = bar < 0 ? "" : inside.slice(bar + 1);
  const [, seconds = "", format = "", ...link] = target.split("^");
  return { seconds, format, link: link.join("^"), fallback };
}

// Every `{ago}` on the page shown anew from the viewer's clock (Slack keeps them current too).
export function refreshDates(root = document, now = new Date()) {
  for (const time of root.querySelectorAll("time[data-format]")) {
    const text = formatDate(time.dataset.seconds, time.dataset.format, now);
    if (text !== null) time.textContent = text;
  }
}

if (typeof window !== "undefined" && !window.__slackDatesTicking) {
  window.__slackDatesTicking = true;
  setInterval(() => refreshDates(), 15_000);
}
