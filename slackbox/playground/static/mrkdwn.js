// Slack's mrkdwn and plain_text, rendered to safe HTML (everything the app sent is escaped first).
// https://api.slack.com/reference/surfaces/formatting: *bold* _italic_ ~strike~ `code` ```pre```,
// > quotes, <url|text> links, <@U…> user and <#C…> channel mentions, <!here>, :emoji: codes,
// <!date^…> times in the viewer's own time zone (dates.js).

import { formatDate, parseDateToken } from "./dates.js";

const EMOJI = {
  arrows_counterclockwise: "🔄", bell: "🔔", eyes: "👀", grey_question: "❔",
  heavy_minus_sign: "➖", hourglass: "⌛", hourglass_flowing_sand: "⏳", large_blue_circle: "🔵",
  memory: "📝", no_bell: "🔕", no_entry: "⛔", no_entry_sign: "🚫", raised_hand: "✋",
  warning: "⚠️", white_check_mark: "✅", white_circle: "⚪", x: "❌", runner: "🏃",
  tada: "🎉", rocket: "🚀", stopwatch: "⏱️", lock: "🔒", wave: "👋", heavy_check_mark: "✔️",
  thumbsup: "👍", "+1": "👍", question: "❓", information_source: "ℹ️", calendar: "📅",
  double_vertical_bar: "⏸️", page_facing_up: "📄", scroll: "📜", alarm_clock: "⏰",
};

export function escapeHtml(text) {
  return String(text)
    .replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

// Slack escapes &, < and > in message text as entities; show them as the characters they are.
function decodeSlackEntities(text) {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

function emoji(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (whole, name) =>
    EMOJI[name] ? `<span role="img" aria-label="${name.replaceAll("_", " ")}">${EMOJI[name]}</span>` : whole);
}

function safeUrl(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

// A Slack date as HTML: a <time> the page keeps current (`refreshDates`), its full moment in
// the tooltip; the fallback, as Slack shows it, when the time or a format token is unknown.
// `fallback` is as the app sent it (Slack-escaped).
export function dateHtml(seconds, format, fallback, link = "") {
  const text = formatDate(seconds, format);
  if (text === null) return escapeHtml(decodeSlackEntities(fallback));
  const moment = new Date(Number(seconds) * 1000);
  const html = `<time datetime="${moment.toISOString()}" title="${escapeHtml(moment.toLocaleString())}"`
    + ` data-seconds="${escapeHtml(seconds)}" data-format="${escapeHtml(format)}">${escapeHtml(text)}</time>`;
  const url = safeUrl(decodeSlackEntities(link));
  return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${html}</a>` : html;
}

// `<...>` tokens: links, mentions and dates. `names` maps user and channel IDs to names.
function angle(token, names) {
  // Only the first `|` separates the target from the label, which may hold more.
  const bar = token.indexOf("|");
  const target = bar < 0 ? token : token.slice(0, bar);
  const label = bar < 0 ? undefined : token.slice(bar + 1);
  if (target.startsWith("@")) {
    const name = names.users[target.slice(1)] || label || target.slice(1);
    return `<span class="mention">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const name = names.channels[target.slice(1)] || label || target.slice(1);
    return `<span class="mention">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("!date^")) {
    // <!date^1700000000^{date_short} {time}|fallback>: shown in the reader's own time zone.
    const { seconds, format, link, fallback } = parseDateToken(token);
    return dateHtml(seconds, format, fallback, link);
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    return `<span class="mention">@${escapeHtml(label || word)}</span>`;
  }
  const url = safeUrl(decodeSlackEntities(target));
  const text = escapeHtml(decodeSlackEntities(label || target));
  return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>` : text;
}

function inline(text, names) {
  // Protect code spans and <...> tokens from the emphasis rules, then put them back.
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let work = text.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(decodeSlackEntities(code))}</code>`));
  work = work.replace(/<([^<>\n]+)>/g, (_, token) => hold(angle(token, names)));
  let html = escapeHtml(decodeSlackEntities(work));
  html = html
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, "$1<strong>$2</strong>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, "$1<em>$2</em>")
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, "$1<del>$2</del>");
  html = emoji(html);
  return html.replace(/\u0000(\d+)\u0000/g, (_, index) => held[Number(index)]);
}

function lines(text, names) {
  const out = [];
  let quote = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    quote = [];
  };
  for (const line of text.split("\n")) {
    const match = /^(?:&gt;|>)\s?(.*)$/.exec(line);
    if (match) {
      quote.push(inline(match[1], names));
    } else {
      flush();
      out.push(inline(line, names));
    }
  }
  flush();
  return out.join("<br>").replace(/<br>(<blockquote>)/g, "$1").replace(/(<\/blockquote>)<br>/g, "$1");
}

export function mrkdwn(text, names) {
  const parts = String(text ?? "").split("```");
  return parts
    .map((part, index) =>
      index % 2 === 1
        ? `<pre>${escapeHtml(decodeSlackEntities(part.replace(/^\n/, "")))}</pre>`
        : lines(part, names))
    .join("");
}

export function plainText(text, emojiOn = true) {
  const html = escapeHtml(String(text ?? ""));
  return emojiOn ? emoji(html) : html;
}

// A text object (`{type: "mrkdwn"|"plain_text", text}`) as HTML.
export function textObject(object, names) {
  if (!object) return "";
  if (object.type === "mrkdwn") return object.verbatim ? lines(object.text, names) : mrkdwn(object.text, names);
  return plainText(object.text, object.emoji !== false);
}

// The same text object as plain words (for labels of form controls and aria attributes).
export function textContent(object) {
  if (!object) return "";
  const div = document.createElement("div");
  div.innerHTML = textObject(object, { users: {}, channels: {} });
  return div.textContent;
}
