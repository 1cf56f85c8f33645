// Block Kit, rendered as Slack shows it: every block and element the app can send, as accessible
// HTML controls. Inputs keep what the person typed in `ctx.values` (Slack's `state.values` shape:
// block_id -> action_id -> state entry), which travels with every click and submission.
// Elements that dispatch (anything in an actions block or a section accessory, inputs with
// `dispatch_action`) call `ctx.act(block, element, entry)`, as Slack sends `block_actions`.

import { dateHtml, escapeHtml, mrkdwn, textContent, textObject } from "./mrkdwn.js";

let uniqueCounter = 0;
function uid(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function optionsOf(element) {
  const options = [...(element.options || [])];
  for (const group of element.option_groups || []) options.push(...(group.options || []));
  return options;
}

function sameOption(a, b) {
  return a && b && a.value === b.value;
}

// The current state entry of an element: what was typed, else its initial_* value.
const STATE_KEYS = {
  plain_text_input: ["value", "initial_value"], email_text_input: ["value", "initial_value"],
  url_text_input: ["value", "initial_value"], number_input: ["value", "initial_value"],
  static_select: ["selected_option", "initial_option"], external_select: ["selected_option", "initial_option"],
  radio_buttons: ["selected_option", "initial_option"], multi_static_select: ["selected_options", "initial_options"],
  multi_external_select: ["selected_options", "initial_options"], checkboxes: ["selected_options", "initial_options"],
  users_select: ["selected_user", "initial_user"], multi_users_select: ["selected_users", "initial_users"],
  conversations_select: ["selected_conversation", "initial_conversation"],
  channels_select: ["selected_channel", "initial_channel"], datepicker: ["selected_date", "initial_date"],
  timepicker: ["selected_time", "initial_time"], datetimepicker: ["selected_date_time", "initial_date_time"],
};

function current(ctx, block, element) {
  const entry = ctx.values[block.block_id]?.[element.action_id];
  const [stateKey, initialKey] = STATE_KEYS[element.type] || ["value", "initial_value"];
  if (entry) return entry[stateKey];
  return element[initialKey] ?? null;
}

function entryFor(element, value) {
  const [stateKey] = STATE_KEYS[element.type] || ["value"];
  return { type: element.type, [stateKey]: value };
}

// Typing or picking: keep the value; elements that dispatch also tell the app.
function changed(ctx, block, element, value, dispatches) {
  const entry = entryFor(element, value);
  ctx.values[block.block_id] = { ...(ctx.values[block.block_id] || {}), [element.action_id]: entry };
  if (dispatches) ctx.act(block, element, entry);
}

function button(ctx, block, element) {
  const style = element.style ? ` bk-${element.style}` : "";
  const node = el("button", {
    type: "button",
    class: `bk-button${style}`,
    "aria-label": element.accessibility_label || null,
    "data-action-id": element.action_id,
  });
  node.innerHTML = textObject(element.text, ctx.names);
  node.addEventListener("click", async () => {
    if (element.confirm && !(await ctx.confirm(element.confirm))) return;
    if (element.url) window.open(element.url, "_blank", "noopener");
    node.disabled = true;
    try {
      await ctx.act(block, element, null);
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

function labelled(control, labelText, id) {
  control.id = id;
  return [el("label", { for: id, class: "visually-hidden" }, labelText), control];
}

function staticSelect(ctx, block, element, dispatches, label) {
  const id = uid("select");
  const selected = current(ctx, block, element);
  const node = el("select", { class: "bk-select" });
  node.append(el("option", { value: "" }, textContent(element.placeholder) || "Select an option"));
  const options = optionsOf(element);
  const addOption = (option, parent) =>
    parent.append(el("option", { value: option.value, selected: sameOption(option, selected) }, textContent(option.text)));
  if (element.option_groups) {
    for (const group of element.option_groups) {
      const optgroup = el("optgroup", { label: textContent(group.label) });
      for (const option of group.options || []) addOption(option, optgroup);
      node.append(optgroup);
    }
  } else {
    for (const option of options) addOption(option, node);
  }
  node.addEventListener("change", () => {
    const option = options.find((o) => o.value === node.value) || null;
    changed(ctx, block, element, option, dispatches);
  });
  if (element.confirm) node.dataset.confirm = "1";
  return labelled(node, label, id);
}

function multiSelect(ctx, block, element, dispatches, label) {
  const id = uid("multi");
  const selected = current(ctx, block, element) || [];
  const node = el("select", { class: "bk-select", multiple: true, size: Math.min(5, optionsOf(element).length || 1) });
  const options = optionsOf(element);
  for (const option of options) {
    node.append(el("option", { value: option.value, selected: selected.some((s) => sameOption(s, option)) }, textContent(option.text)));
  }
  node.addEventListener("change", () => {
    const picked = options.filter((o) => [...node.selectedOptions].some((s) => s.value === o.value));
    changed(ctx, block, element, picked, dispatches);
  });
  return labelled(node, label, id);
}

// External selects ask the app for options as the person types (`block_suggestion`).
function externalSelect(ctx, block, element, dispatches, label) {
  const id = uid("external");
  const listId = uid("options");
  const selected = current(ctx, block, element);
  const multi = element.type === "multi_external_select";
  const node = el("input", {
    class: "bk-input",
    type: "text",
    role: "combobox",
    "aria-autocomplete": "list",
    list: listId,
    autocomplete: "off",
    placeholder: textContent(element.placeholder) || "Type to search",
    value: !multi && selected ? textContent(selected.text) : "",
  });
  const list = el("datalist", { id: listId });
  let loaded = [];
  const load = async () => {
    const answer = await ctx.options(block, element, node.value);
    loaded = [...(answer.options || [])];
    for (const group of answer.option_groups || []) loaded.push(...(group.options || []));
    list.replaceChildren(...loaded.map((o) => el("option", { value: textContent(o.text) })));
  };
  node.addEventListener("focus", load);
  node.addEventListener("input", () => {
    const option = loaded.find((o) => textContent(o.text) === node.value);
    if (option) {
      changed(ctx, block, element, multi ? [option] : option, dispatches);
    } else if ((node.value || "").length >= (element.min_query_length ?? 0)) {
      load();
    }
  });
  return [...labelled(node, label, id), list];
}

function usersSelect(ctx, block, element, dispatches, label) {
  const id = uid("users");
  const selected = current(ctx, block, element);
  const node = el("select", { class: "bk-select" });
  node.append(el("option", { value: "" }, textContent(element.placeholder) || "Select a person"));
  for (const [userId, name] of Object.entries(ctx.names.users)) {
    node.append(el("option", { value: userId, selected: selected === userId }, name));
  }
  node.addEventListener("change", () => changed(ctx, block, element, node.value || null, dispatches));
  return labelled(node, label, id);
}

function conversationsSelect(ctx, block, element, dispatches, label) {
  const id = uid("conversations");
  const selected = current(ctx, block, element);
  const node = el("select", { class: "bk-select" });
  node.append(el("option", { value: "" }, textContent(element.placeholder) || "Select a channel"));
  for (const [channelId, name] of Object.entries(ctx.names.channels)) {
    node.append(el("option", { value: channelId, selected: selected === channelId }, `#${name}`));
  }
  node.addEventListener("change", () => changed(ctx, block, element, node.value || null, dispatches));
  return labelled(node, label, id);
}

function choiceList(ctx, block, element, dispatches, label) {
  const radio = element.type === "radio_buttons";
  const selected = current(ctx, block, element);
  const name = uid("choice");
  const fieldset = el("fieldset", { class: "bk-choices" }, el("legend", { class: "visually-hidden" }, label));
  const options = element.options || [];
  for (const option of options) {
    const id = uid("choice-option");
    const checked = radio ? sameOption(option, selected) : (selected || []).some((s) => sameOption(s, option));
    const input = el("input", { type: radio ? "radio" : "checkbox", id, name, value: option.value, checked });
    input.addEventListener("change", () => {
      const boxes = [...fieldset.querySelectorAll("input")];
      const picked = options.filter((o, i) => boxes[i].checked);
      changed(ctx, block, element, radio ? picked[0] || null : picked, dispatches);
    });
    const text = el("label", { for: id, html: textObject(option.text, ctx.names) });
    const description = option.description
      ? el("div", { class: "bk-hint", html: textObject(option.description, ctx.names) })
      : null;
    fieldset.append(el("div", { class: "bk-choice" }, input, text, description));
  }
  return [fieldset];
}

function textInput(ctx, block, element, dispatches, label) {
  const id = uid("text");
  const value = current(ctx, block, element) ?? "";
  const kinds = { email_text_input: "email", url_text_input: "url", number_input: "number" };
  const multiline = element.type === "plain_text_input" && element.multiline;
  const node = multiline
    ? el("textarea", { class: "bk-input", rows: 4 })
    : el("input", { class: "bk-input", type: kinds[element.type] || "text" });
  node.value = value;
  if (element.placeholder) node.placeholder = textContent(element.placeholder);
  if (element.max_length) node.maxLength = element.max_length;
  if (element.min_length) node.minLength = element.min_length;
  if (element.type === "number_input") {
    node.step = element.is_decimal_allowed ? "any" : "1";
    if (element.min_value !== undefined) node.min = element.min_value;
    if (element.max_value !== undefined) node.max = element.max_value;
  }
  node.addEventListener("input", () => changed(ctx, block, element, node.value === "" ? null : node.value, false));
  if (dispatches) {
    // Slack's default dispatch trigger for text inputs: on Enter.
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        changed(ctx, block, element, node.value, true);
      }
    });
  }
  return labelled(node, label, id);
}

function datePicker(ctx, block, element, dispatches, label) {
  const id = uid("date");
  const value = current(ctx, block, element);
  const kind = { datepicker: "date", timepicker: "time", datetimepicker: "datetime-local" }[element.type];
  const node = el("input", { class: "bk-input", type: kind });
  if (element.type === "datetimepicker" && value) {
    const date = new Date(value * 1000);
    node.value = new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  } else if (value) {
    node.value = value;
  }
  node.addEventListener("change", () => {
    let picked = node.value || null;
    if (element.type === "datetimepicker" && picked) picked = Math.floor(new Date(picked).getTime() / 1000);
    changed(ctx, block, element, picked, dispatches);
  });
  return labelled(node, label, id);
}

function overflow(ctx, block, element, label) {
  const id = uid("overflow");
  const node = el("select", { class: "bk-select bk-overflow" });
  node.append(el("option", { value: "" }, "…"));
  for (const option of element.options || []) node.append(el("option", { value: option.value }, textContent(option.text)));
  node.addEventListener("change", () => {
    const option = (element.options || []).find((o) => o.value === node.value);
    if (option) ctx.act(block, element, { type: "overflow", selected_option: option });
    node.value = "";
  });
  return labelled(node, label || "More actions", id);
}

function image(element) {
  return el("img", { class: "bk-image", src: element.image_url, alt: element.alt_text || "" });
}

// One interactive or display element; `dispatches` says whether a change is sent at once.
function element(ctx, block, element, dispatches, label) {
  switch (element.type) {
    case "button": return [button(ctx, block, element)];
    case "static_select": return staticSelect(ctx, block, element, dispatches, label);
    case "multi_static_select": return multiSelect(ctx, block, element, dispatches, label);
    case "external_select":
    case "multi_external_select": return externalSelect(ctx, block, element, dispatches, label);
    case "users_select": return usersSelect(ctx, block, element, dispatches, label);
    case "conversations_select":
    case "channels_select": return conversationsSelect(ctx, block, element, dispatches, label);
    case "checkboxes":
    case "radio_buttons": return choiceList(ctx, block, element, dispatches, label);
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input": return textInput(ctx, block, element, dispatches, label);
    case "datepicker":
    case "timepicker":
    case "datetimepicker": return datePicker(ctx, block, element, dispatches, label);
    case "overflow": return [overflow(ctx, block, element, label)];
    case "image": return [image(element)];
    default: return [el("span", { class: "bk-unknown" }, `[${element.type}]`)];
  }
}

function section(ctx, block) {
  const node = el("div", { class: "bk-section" });
  const body = el("div", { class: "bk-section-body" });
  if (block.text) body.append(el("div", { class: "bk-text", html: textObject(block.text, ctx.names) }));
  if (block.fields) {
    body.append(el("div", { class: "bk-fields" }, block.fields.map((f) => el("div", { class: "bk-field", html: textObject(f, ctx.names) }))));
  }
  node.append(body);
  if (block.accessory) {
    const label = textContent(block.text) || "Action";
    node.append(el("div", { class: "bk-accessory" }, element(ctx, block, block.accessory, true, label)));
  }
  return node;
}

function context(ctx, block) {
  return el("div", { class: "bk-context" }, (block.elements || []).map((item) =>
    item.type === "image"
      ? el("img", { class: "bk-context-image", src: item.image_url, alt: item.alt_text || "" })
      : el("span", { html: textObject(item, ctx.names) })));
}

function actions(ctx, block) {
  return el("div", { class: "bk-actions", role: "group", "aria-label": "Actions" },
    (block.elements || []).map((item) => el("div", { class: "bk-action" }, element(ctx, block, item, true, textContent(item.placeholder) || item.action_id))));
}

function input(ctx, block) {
  const label = textContent(block.label);
  const error = ctx.errors?.[block.block_id];
  const errorId = error ? uid("error") : null;
  const controls = element(ctx, block, block.element, Boolean(block.dispatch_action), label);
  const node = el("div", { class: `bk-input-block${error ? " bk-has-error" : ""}` });
  const visibleLabel = el("div", { class: "bk-label" }, label, block.optional ? el("span", { class: "bk-optional" }, " (optional)") : null);
  node.append(visibleLabel);
  for (const control of controls) {
    if (control.tagName === "LABEL") continue; // the visible label above names the control
    if (["INPUT", "SELECT", "TEXTAREA"].includes(control.tagName)) {
      control.setAttribute("aria-label", label);
      if (!block.optional) control.setAttribute("aria-required", "true");
      if (errorId) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", errorId);
      }
    }
    if (control.tagName === "FIELDSET") control.querySelector("legend").textContent = label;
    node.append(control);
  }
  if (block.hint) node.append(el("div", { class: "bk-hint", html: textObject(block.hint, ctx.names) }));
  if (error) node.append(el("div", { class: "bk-error", id: errorId, role: "alert" }, error));
  return node;
}

function richText(ctx, block) {
  const render = (items) => (items || []).map((item) => {
    if (item.type === "text") {
      const style = item.style || {};
      let html = escapeHtml(item.text);
      if (style.code) html = `<code>${html}</code>`;
      if (style.bold) html = `<strong>${html}</strong>`;
      if (style.italic) html = `<em>${html}</em>`;
      if (style.strike) html = `<del>${html}</del>`;
      return html.replaceAll("\n", "<br>");
    }
    if (item.type === "link") return mrkdwn(`<${item.url}|${item.text || item.url}>`, ctx.names);
    if (item.type === "user") return mrkdwn(`<@${item.user_id}>`, ctx.names);
    if (item.type === "channel") return mrkdwn(`<#${item.channel_id}>`, ctx.names);
    if (item.type === "emoji") return mrkdwn(`:${item.name}:`, ctx.names);
    // A rich text date element: the same tokens as mrkdwn's <!date^…>; its fallback is plain.
    if (item.type === "date") {
      const fallback = String(item.fallback || "").replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
      return dateHtml(String(item.timestamp), item.format || "", fallback, item.url || "");
    }
    return "";
  }).join("");
  const parts = (block.elements || []).map((part) => {
    if (part.type === "rich_text_preformatted") return `<pre>${render(part.elements)}</pre>`;
    if (part.type === "rich_text_quote") return `<blockquote>${render(part.elements)}</blockquote>`;
    if (part.type === "rich_text_list") {
      const tag = part.style === "ordered" ? "ol" : "ul";
      return `<${tag}>${(part.elements || []).map((s) => `<li>${render(s.elements)}</li>`).join("")}</${tag}>`;
    }
    return render(part.elements);
  });
  return el("div", { class: "bk-rich-text", html: parts.join("") });
}

function block(ctx, block) {
  switch (block.type) {
    case "section": return section(ctx, block);
    case "context": return context(ctx, block);
    case "actions": return actions(ctx, block);
    case "input": return input(ctx, block);
    case "divider": return el("hr", { class: "bk-divider" });
    case "header": return el("h3", { class: "bk-header", html: textObject(block.text, ctx.names) });
    case "image": return el("figure", { class: "bk-image-block" },
      block.title ? el("figcaption", { html: textObject(block.title, ctx.names) }) : null, image(block));
    case "rich_text": return richText(ctx, block);
    case "file": return el("div", { class: "bk-file" }, `📄 File ${block.external_id || ""}`);
    default: return el("div", { class: "bk-unknown" }, `[unsupported block: ${block.type}]`);
  }
}

export function renderBlocks(blocks, ctx) {
  const fragment = document.createDocumentFragment();
  for (const item of blocks || []) {
    const node = block(ctx, item);
    node.dataset.blockId = item.block_id;
    fragment.append(node);
  }
  return fragment;
}
