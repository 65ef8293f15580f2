/* Telegram text + entities (UTF-16 offsets, as the Bot API returns them) to DOM nodes.
   Only text nodes and a fixed set of elements are created; nothing is ever parsed as HTML,
   so whatever a person typed stays text. */
"use strict";

const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (_) {
    return null;
  }
}

function entityElement(entity, slice, onCommand) {
  const tag = ENTITY_TAGS[entity.type];
  if (tag) {
    const el = document.createElement(tag);
    if (entity.type === "expandable_blockquote") el.className = "expandable";
    return el;
  }
  if (entity.type === "pre") {
    const pre = document.createElement("pre");
    return pre;
  }
  if (entity.type === "spoiler") {
    const el = document.createElement("span");
    el.className = "spoiler";
    el.title = "spoiler: click to show";
    el.addEventListener("click", () => el.classList.add("shown"));
    return el;
  }
  if (entity.type === "text_link" || entity.type === "url") {
    const href = safeUrl(entity.type === "url" ? slice : entity.url || "");
    if (!href) {
      const el = document.createElement("span");
      el.className = "link";
      return el;
    }
    const a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    return a;
  }
  if (entity.type === "bot_command" && onCommand) {
    const el = document.createElement("span");
    el.className = "command";
    el.title = "send this command";
    el.addEventListener("click", () => onCommand(slice));
    return el;
  }
  const el = document.createElement("span");
  el.className = entity.type.replace(/[^a-z_]/g, "");
  return el;
}

function buildText(parent, text, entities, start, end, onCommand) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const entityEnd = entity.offset + entity.length;
    let j = i + 1;
    while (j < entities.length && entities[j].offset < entityEnd) j++;
    const children = entities.slice(i + 1, j);
    const from = Math.max(entity.offset, pos);
    const to = Math.min(entityEnd, end);
    if (from > pos) parent.append(text.slice(pos, from));
    if (to > from) {
      const el = entityElement(entity, text.slice(from, to), onCommand);
      parent.append(el);
      buildText(el, text, children, from, to, onCommand);
      pos = to;
    }
    i = j;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

/* A DocumentFragment for a message's text; `onCommand(text)` runs when a /command is clicked. */
function renderText(text, entities, onCommand) {
  const fragment = document.createDocumentFragment();
  const sorted = (entities || [])
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  buildText(fragment, text || "", sorted, 0, (text || "").length, onCommand);
  return fragment;
}

window.renderText = renderText;
