// The playground page: reads the workspace as one person sees it (GET /ui/state), re-reads it
// whenever the live feed (server-sent events, /ui/events) says something changed, and posts what
// the person does (/ui/send, /ui/action, /ui/submit, ...). The server turns those into exactly
// what Slack sends an app.

import { renderBlocks } from "./blocks.js";
import { escapeHtml, mrkdwn, textContent, textObject } from "./mrkdwn.js";

const params = new URLSearchParams(location.search);
const view = {
  me: params.get("user") || localStorage.getItem("playground-user") || "U0ALICE",
  place: { kind: "channel", id: params.get("channel") || "C0GENERAL" },
  threadTs: null,
  snapshot: null,
};
const stores = new Map(); // container key -> state.values typed so far (kept across re-renders)
const rendered = new Map(); // list item key -> signature, so unchanged items keep their DOM and focus

const $ = (id) => document.getElementById(id);

function store(key) {
  if (!stores.has(key)) stores.set(key, {});
  return stores.get(key);
}

// Made for this start of the playground and put in the page: the server takes no action without it.
const TOKEN = document.querySelector('meta[name="playground-token"]')?.content ?? "";

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Playground-Token": TOKEN },
    body: JSON.stringify({ user: view.me, ...body }),
  });
  if (!response.ok) {
    const text = await response.text();
    say(`Could not do that: ${text}`);
    throw new Error(text);
  }
  return response.json();
}

function say(message) {
  $("status").textContent = message;
}

// -- names ------------------------------------------------------------------------------------

function names() {
  const snap = view.snapshot;
  return {
    users: Object.fromEntries(snap.users.map((u) => [u.id, u.is_bot ? "Airplane" : u.name])),
    channels: Object.fromEntries(snap.channels.filter((c) => !c.is_im).map((c) => [c.id, c.name])),
  };
}

function person(userId) {
  return view.snapshot.users.find((u) => u.id === userId);
}

function placeTitle() {
  if (view.place.kind === "home") return "Airplane — Home";
  const channel = view.snapshot.channels.find((c) => c.id === view.place.id);
  if (!channel) return "";
  return channel.is_im ? "Airplane (direct message)" : `#${channel.name}`;
}

function when(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// -- block context: how rendered Block Kit talks back -------------------------------------------

function blockContext(container, key, errors = {}) {
  const values = store(key);
  return {
    names: names(),
    values,
    errors,
    act: async (block, element, entry) => {
      const answer = await post("/ui/action", {
        ...container, block_id: block.block_id, action_id: element.action_id, values, entry,
      });
      if (!answer.ok) say(`The app did not answer in time (HTTP ${answer.app_status}).`);
    },
    options: (block, element, value) =>
      post("/ui/options", { ...container, block_id: block.block_id, action_id: element.action_id, value }),
    confirm: confirmDialog,
  };
}

// -- rendering ----------------------------------------------------------------------------------

function renderUsers() {
  const select = $("user-select");
  const people = view.snapshot.users.filter((u) => !u.is_bot);
  const signature = JSON.stringify(people) + view.me;
  if (select.dataset.signature === signature) return;
  select.dataset.signature = signature;
  select.replaceChildren(...people.map((u) => {
    const option = document.createElement("option");
    option.value = u.id;
    option.textContent = `${u.name} (${u.email})`;
    option.selected = u.id === view.me;
    return option;
  }));
}

// -- unread marks -------------------------------------------------------------------------------
// As Slack keeps a read mark per person and conversation: the newest message each person has
// seen in each channel (kept in this browser). A newer top-level message from someone else, or
// a reply that mentions them, marks the channel unread until they open it.

const marks = new Map(); // user -> {channel: ts}

function readMarks() {
  if (!marks.has(view.me)) {
    let stored = {};
    try { stored = JSON.parse(localStorage.getItem(`playground-read:${view.me}`) || "{}"); } catch { stored = {}; }
    marks.set(view.me, stored && typeof stored === "object" ? stored : {});
  }
  return marks.get(view.me);
}

function markRead(channel) {
  const latest = view.snapshot.messages
    .filter((m) => m.channel === channel)
    .reduce((newest, m) => (Number(m.ts) > Number(newest) ? m.ts : newest), "0");
  const read = readMarks();
  if (Number(latest) <= Number(read[channel] || 0)) return;
  read[channel] = latest;
  localStorage.setItem(`playground-read:${view.me}`, JSON.stringify(read));
}

function unreadCount(channel) {
  const since = Number(readMarks()[channel] || 0);
  const mention = `<@${view.me}>`;
  return view.snapshot.messages.filter((m) => m.channel === channel && m.user !== view.me
    && Number(m.ts) > since
    && (!m.thread_ts || m.text.includes(mention) || JSON.stringify(m.blocks || []).includes(mention))).length;
}

function sidebarButton(label, current, onClick, unread = 0) {
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  if (current) button.setAttribute("aria-current", "page");
  if (unread) {
    // Bold with a count, as Slack's sidebar; the name stays the channel's (the count is said
    // as the button's description).
    button.classList.add("unread");
    button.setAttribute("aria-description", `${unread} unread`);
    const badge = document.createElement("span");
    badge.className = "unread-count";
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    button.append(badge);
  }
  button.addEventListener("click", onClick);
  li.append(button);
  return li;
}

function renderSidebar() {
  const channels = view.snapshot.channels;
  const here = (kind, id) => view.place.kind === kind && (id === undefined || view.place.id === id);
  const button = (c, label) => sidebarButton(label, here("channel", c.id),
    () => go({ kind: "channel", id: c.id }), here("channel", c.id) ? 0 : unreadCount(c.id));
  $("channels").replaceChildren(...channels.filter((c) => !c.is_im).map((c) => button(c, `# ${c.name}`)));
  $("dms").replaceChildren(...channels.filter((c) => c.is_im).map((c) => button(c, "Airplane")));
  $("apps").replaceChildren(sidebarButton("Airplane — Home", here("home"), () => go({ kind: "home" })));
}

function avatar(user) {
  const div = document.createElement("div");
  div.className = user?.is_bot ? "avatar bot" : "avatar";
  div.setAttribute("aria-hidden", "true");
  div.textContent = user?.is_bot ? "✈" : (user?.name || "?")[0].toUpperCase();
  return div;
}

function messageItem(item, key) {
  const li = document.createElement("li");
  li.className = item.ephemeral ? "message ephemeral" : "message";
  li.dataset.key = key;
  li.dataset.ts = item.ts;
  const user = item.ephemeral ? (item.from_slackbot ? { name: "Slackbot", is_bot: true } : person("U0BOT")) : person(item.user);
  const body = document.createElement("div");
  body.className = "message-body";
  const isBot = user?.is_bot;
  const name = item.from_slackbot ? "Slackbot" : isBot ? "Airplane" : user?.name || item.user;
  body.innerHTML = `<span class="author">${escapeHtml(name)}</span>${isBot ? '<span class="app-badge">APP</span>' : ""}`
    + `<span class="time">${when(item.ts)}</span>${item.edited ? '<span class="edited">(edited)</span>' : ""}`;
  const container = item.ephemeral
    ? { container: "ephemeral", channel: item.channel, ts: item.ts }
    : { container: "message", channel: item.channel, ts: item.ts };
  if (item.blocks && item.blocks.length) {
    const blocks = document.createElement("div");
    blocks.className = "blocks";
    blocks.append(renderBlocks(item.blocks, blockContext(container, `${key}`)));
    body.append(blocks);
  } else {
    const text = document.createElement("div");
    text.className = "text";
    text.innerHTML = mrkdwn(item.text, names());
    body.append(text);
  }
  for (const file of item.files || []) {
    const link = document.createElement("a");
    link.className = "file";
    link.href = file.url;
    link.target = "_blank";
    link.textContent = `📄 ${file.title} (${file.size} bytes)`;
    body.append(document.createElement("br"), link);
  }
  if (item.ephemeral) {
    const note = document.createElement("div");
    note.className = "ephemeral-note";
    note.textContent = "Only visible to you";
    body.append(note);
  }
  if (item.replyCount) {
    const replies = document.createElement("button");
    replies.type = "button";
    replies.className = "replies";
    replies.textContent = `${item.replyCount} ${item.replyCount === 1 ? "reply" : "replies"}`;
    replies.setAttribute("aria-label", `${replies.textContent}, open thread`);
    replies.addEventListener("click", () => openThread(item.ts));
    body.append(replies);
  }
  li.append(avatar(user), body);
  return li;
}

// Replace only the items that changed, so focus and typed text survive live updates.
function renderList(list, items) {
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const wanted = items.map((item) => {
    const key = `${item.ephemeral ? "e" : "m"}:${item.channel}:${item.ts}`;
    const signature = JSON.stringify([item, view.me, view.snapshot.users.length]);
    let node = list.querySelector(`:scope > li[data-key="${CSS.escape(key)}"]`);
    if (!node || rendered.get(key) !== signature) {
      node = messageItem(item, key);
      rendered.set(key, signature);
    }
    return node;
  });
  const current = [...list.children];
  if (current.length !== wanted.length || current.some((node, i) => node !== wanted[i])) {
    list.replaceChildren(...wanted);
    if (nearBottom) list.scrollTop = list.scrollHeight;
  }
}

function channelItems() {
  const snap = view.snapshot;
  const channel = view.place.id;
  const replies = {};
  for (const m of snap.messages) if (m.channel === channel && m.thread_ts) replies[m.thread_ts] = (replies[m.thread_ts] || 0) + 1;
  const items = snap.messages
    .filter((m) => m.channel === channel && !m.thread_ts)
    .map((m) => ({ ...m, replyCount: replies[m.ts] || 0 }));
  items.push(...snap.ephemerals.filter((e) => e.channel === channel && !e.thread_ts).map((e) => ({ ...e, ephemeral: true })));
  return items.sort((a, b) => Number(a.ts) - Number(b.ts));
}

function threadItems() {
  const snap = view.snapshot;
  const channel = view.place.id;
  const parent = snap.messages.find((m) => m.channel === channel && m.ts === view.threadTs);
  const items = snap.messages.filter((m) => m.channel === channel && m.thread_ts === view.threadTs);
  items.push(...snap.ephemerals.filter((e) => e.channel === channel && e.thread_ts === view.threadTs).map((e) => ({ ...e, ephemeral: true })));
  items.sort((a, b) => Number(a.ts) - Number(b.ts));
  return parent ? [{ ...parent, replyCount: 0 }, ...items] : items;
}

function renderRefusals() {
  const refusals = view.snapshot.refusals.filter((r) => view.place.kind === "home" || !r.channel || r.channel === view.place.id);
  const box = $("refusals");
  const signature = JSON.stringify(refusals);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  box.replaceChildren(...refusals.map((r) => {
    const div = document.createElement("div");
    div.className = "refusal";
    div.innerHTML = `<strong>Slack refused a ${escapeHtml(r.method)} call from Airplane: ${escapeHtml(r.error)}</strong>`
      + `<ul>${r.errors.map((e) => `<li><code>${escapeHtml(e)}</code></li>`).join("")}</ul>`
      + "<div>This is what the app would get back from Slack; nothing was shown to anyone.</div>";
    return div;
  }));
}

// What Slack's rate limits did to the app's calls: whether the tiers are enforced, and per
// Web API method the calls served and those refused with 429.
function renderLimits() {
  const limits = view.snapshot.limits;
  const box = $("limits");
  const signature = JSON.stringify(limits);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  const state = document.createElement("p");
  state.className = "limits-state";
  state.textContent = limits.enforced ? "Rate tiers enforced, as in Slack" : "Rate tiers off";
  const list = document.createElement("ul");
  list.className = "limits-list";
  list.replaceChildren(...limits.methods.map((m) => {
    const item = document.createElement("li");
    item.textContent = `${m.method}: ${m.served} served`;
    if (m.refused) {
      const refused = document.createElement("strong");
      refused.textContent = ` · ${m.refused} refused (429)`;
      item.append(refused);
    }
    return item;
  }));
  box.replaceChildren(state, list);
}

function renderHome() {
  const home = $("home");
  const snap = view.snapshot.home;
  const signature = JSON.stringify([snap, view.me]);
  if (home.dataset.signature === signature) return;
  home.dataset.signature = signature;
  if (!snap) {
    home.innerHTML = "<p>Loading the app's Home tab…</p>";
    return;
  }
  home.replaceChildren(renderBlocks(snap.blocks, blockContext({ container: "view", view_id: snap.id }, `home:${snap.id}`)));
}

function render() {
  const snap = view.snapshot;
  $("notice").textContent = snap.notice;
  if (view.place.kind === "channel") markRead(view.place.id);
  renderUsers();
  renderSidebar();
  $("channel-title").textContent = placeTitle();
  const onHome = view.place.kind === "home";
  $("home").hidden = !onHome;
  $("timeline").hidden = onHome;
  $("composer-form").hidden = onHome;
  $("composer").placeholder = `Message ${placeTitle()}`;
  $("composer-label").textContent = `Message ${placeTitle()}`;
  if (onHome) renderHome();
  else renderList($("timeline"), channelItems());
  renderRefusals();
  renderLimits();
  $("thread").hidden = !view.threadTs || onHome;
  if (view.threadTs && !onHome) renderList($("thread-timeline"), threadItems());
  renderModal();
}

// -- modals -------------------------------------------------------------------------------------

function trapFocus(dialog, onEscape) {
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onEscape();
      return;
    }
    if (event.key !== "Tab") return;
    const focusable = [...dialog.querySelectorAll("button, input, select, textarea, a[href]")].filter((n) => !n.disabled);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  });
}

let modalSignature = null;
let focusBeforeModal = null;

function renderModal() {
  const root = $("modal-root");
  const views = view.snapshot.views;
  const top = views[views.length - 1];
  const signature = top ? JSON.stringify([top.id, top.title, top.blocks, top.errors, top.submit, top.close]) : null;
  if (signature === modalSignature) return;
  modalSignature = signature;
  if (!top) {
    root.replaceChildren();
    if (focusBeforeModal) focusBeforeModal.focus();
    focusBeforeModal = null;
    return;
  }
  if (!root.children.length) focusBeforeModal = document.activeElement;
  const key = `view:${top.id}`;
  const values = store(key);
  const backdrop = document.createElement("div");
  backdrop.className = "backdrop";
  const dialog = document.createElement("div");
  dialog.className = "modal";
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-labelledby", "modal-title");
  const form = document.createElement("form");
  form.noValidate = true;
  form.style.display = "contents";
  form.innerHTML = `<header><h2 id="modal-title">${textObject(top.title, names())}</h2>`
    + '<button type="button" class="bk-button modal-x" aria-label="Close">✕</button></header>';
  const body = document.createElement("div");
  body.className = "modal-body";
  body.append(renderBlocks(top.blocks, blockContext({ container: "view", view_id: top.id }, key, top.errors)));
  const problem = document.createElement("div");
  problem.className = "modal-error";
  problem.setAttribute("role", "alert");
  const footer = document.createElement("footer");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "bk-button";
  close.textContent = top.close ? textContent(top.close) : "Cancel";
  footer.append(close);
  if (top.submit) {
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "bk-button bk-primary";
    submit.textContent = textContent(top.submit);
    footer.append(submit);
  }
  const doClose = () => post("/ui/close", { view_id: top.id });
  close.addEventListener("click", doClose);
  form.querySelector(".modal-x").addEventListener("click", doClose);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.textContent = "";
    const answer = await post("/ui/submit", { view_id: top.id, values });
    if (!answer.ok) problem.textContent = "We had some trouble connecting. Try again?";
  });
  form.append(body, problem, footer);
  dialog.append(form);
  trapFocus(dialog, doClose);
  backdrop.append(dialog);
  root.replaceChildren(backdrop);
  const firstError = dialog.querySelector("[aria-invalid='true']");
  (firstError || dialog.querySelector("input, select, textarea, button.bk-primary, button"))?.focus();
}

// Slack's confirmation dialog for buttons with `confirm`: resolves true on the confirm button.
function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const backdrop = document.createElement("div");
    backdrop.className = "backdrop";
    const dialog = document.createElement("div");
    dialog.className = "modal";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-text");
    const style = confirm.style === "danger" ? "bk-danger" : "bk-primary";
    dialog.innerHTML = `<header><h2 id="confirm-title">${textObject(confirm.title, names())}</h2></header>`
      + `<div class="modal-body" id="confirm-text">${textObject(confirm.text, names())}</div>`
      + `<footer><button type="button" class="bk-button deny">${escapeHtml(textContent(confirm.deny) || "Cancel")}</button>`
      + `<button type="button" class="bk-button ${style} confirm">${escapeHtml(textContent(confirm.confirm) || "Yes")}</button></footer>`;
    const finish = (answer) => {
      backdrop.remove();
      previous?.focus();
      resolve(answer);
    };
    dialog.querySelector(".deny").addEventListener("click", () => finish(false));
    dialog.querySelector(".confirm").addEventListener("click", () => finish(true));
    trapFocus(dialog, () => finish(false));
    backdrop.append(dialog);
    document.body.append(backdrop);
    dialog.querySelector(".confirm").focus();
  });
}

// -- navigation, user switch, message box ----------------------------------------------------

function go(place) {
  view.place = place;
  view.threadTs = null;
  if (place.kind === "home") post("/ui/home", {});
  render();
  (place.kind === "home" ? $("home") : $("composer")).focus?.();
}

function openThread(ts) {
  view.threadTs = ts;
  render();
  $("thread-composer").focus();
}

function completions(text) {
  const commands = view.snapshot.commands;
  if (!text.startsWith("/") || text.includes("\n")) return [];
  const [name, ...rest] = text.split(" ");
  if (!rest.length) {
    // Every subcommand by name (the manifest's usage hint names only a few of them).
    return commands.filter((c) => c.command.startsWith(name)).map((c) => ({
      fill: `${c.command} `, label: c.command,
      hint: c.subcommands.length
        ? `${c.subcommands.map((s) => s.name).join(" · ")} — ${c.description}`
        : `${c.usage_hint} — ${c.description}`,
    }));
  }
  const command = commands.find((c) => c.command === name);
  if (!command || rest.length > 1) return [];
  return command.subcommands.filter((s) => s.name.startsWith(rest[0])).map((s) => ({
    fill: `${command.command} ${s.name} `,
    label: `${command.command} ${s.name} ${s.arguments}`.trim(),
    hint: s.description.replaceAll("{command}", command.command),
  }));
}

const autocomplete = { items: [], index: 0 };

// A hint's `code` as code, as Slack shows it, not as literal backticks.
function hintHtml(hint) {
  return escapeHtml(hint).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function renderAutocomplete() {
  const box = $("composer");
  const list = $("autocomplete");
  autocomplete.items = completions(box.value);
  autocomplete.index = Math.min(autocomplete.index, Math.max(0, autocomplete.items.length - 1));
  const open = autocomplete.items.length > 0;
  list.hidden = !open;
  box.setAttribute("aria-expanded", String(open));
  list.replaceChildren(...autocomplete.items.map((item, i) => {
    const li = document.createElement("li");
    li.id = `completion-${i}`;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", String(i === autocomplete.index));
    li.innerHTML = `<strong>${escapeHtml(item.label)}</strong><span class="hint">${hintHtml(item.hint)}</span>`;
    li.addEventListener("mousedown", (event) => { event.preventDefault(); pick(i); });
    return li;
  }));
  if (open) box.setAttribute("aria-activedescendant", `completion-${autocomplete.index}`);
  else box.removeAttribute("aria-activedescendant");
}

function pick(index) {
  const box = $("composer");
  box.value = autocomplete.items[index].fill;
  autocomplete.index = 0;
  renderAutocomplete();
  box.focus();
}

async function send(text, threadTs) {
  if (!text.trim()) return;
  await post("/ui/send", { channel: view.place.id, text, thread_ts: threadTs || null });
}

function wireComposer() {
  const box = $("composer");
  box.addEventListener("input", () => { autocomplete.index = 0; renderAutocomplete(); });
  box.addEventListener("keydown", (event) => {
    const open = !$("autocomplete").hidden;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      autocomplete.index = (autocomplete.index + step + autocomplete.items.length) % autocomplete.items.length;
      renderAutocomplete();
    } else if (open && event.key === "Tab") {
      event.preventDefault();
      pick(autocomplete.index);
    } else if (open && event.key === "Escape") {
      $("autocomplete").hidden = true;
      box.setAttribute("aria-expanded", "false");
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      const fill = open ? autocomplete.items[autocomplete.index]?.fill : null;
      // Enter on a suggestion that adds words completes it; on a finished command it sends.
      if (fill && fill.trim() !== box.value.trim() && !box.value.trim().startsWith(fill.trim())) pick(autocomplete.index);
      else $("composer-form").requestSubmit();
    }
  });
  $("composer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value;
    box.value = "";
    renderAutocomplete();
    await send(text, null);
  });
  const reply = $("thread-composer");
  reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("thread-form").requestSubmit(); }
  });
  $("thread-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = reply.value;
    reply.value = "";
    await send(text, view.threadTs);
  });
  $("thread-close").addEventListener("click", () => { view.threadTs = null; render(); $("composer").focus(); });
  $("user-select").addEventListener("change", (event) => {
    view.me = event.target.value;
    localStorage.setItem("playground-user", view.me);
    stores.clear();
    rendered.clear();
    modalSignature = null;
    $("home").dataset.signature = "";
    if (view.place.kind === "home") post("/ui/home", {});
    refresh();
  });
}

// -- live updates -------------------------------------------------------------------------------

let fetching = null;
let again = false;

async function refresh() {
  if (fetching) { again = true; return fetching; }
  fetching = (async () => {
    do {
      again = false;
      const response = await fetch(`/ui/state?user=${encodeURIComponent(view.me)}`);
      if (response.ok) {
        view.snapshot = await response.json();
        if (view.place.kind === "channel" && !view.snapshot.channels.some((c) => c.id === view.place.id)) {
          view.place = { kind: "channel", id: view.snapshot.channels[0].id };
        }
        render();
        document.body.dataset.changes = view.snapshot.changes;
      }
    } while (again);
  })();
  try { await fetching; } finally { fetching = null; }
}

function listen() {
  const events = new EventSource("/ui/events");
  events.addEventListener("change", () => refresh());
  events.addEventListener("open", () => { say("Live"); document.body.dataset.live = "true"; refresh(); });
  events.addEventListener("error", () => { say("Reconnecting…"); document.body.dataset.live = "false"; });
}

wireComposer();
await refresh();
listen();
