/* The sandbox page: shows the world's state (long-polled from /api/state) and acts as the
   people through the JSON API. Every node is built with createElement and text nodes. */
"use strict";

const ui = {
  state: null,
  world: null,
  phonePerson: null,
  staffPerson: null,
  topic: null, // open topic id in the staff group; null = General
  replyTo: { phone: null, staff: null },
  noticeSeen: 0,
  composers: {},
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/* ------------------------------------------------------------------ talking to the server */

async function post(path, body, isForm) {
  const headers = { "X-Peluit-Sandbox": "1" };
  if (!isForm) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: "POST", headers, body: isForm ? body : JSON.stringify(body || {}),
  });
  if (!response.ok) {
    let why = response.statusText;
    try { why = (await response.json()).error || why; } catch (_) { /* not JSON */ }
    throw new Error(why);
  }
  return response.json();
}

async function poll() {
  let since = -1;
  for (;;) {
    try {
      const response = await fetch(`/api/state?since=${since}`);
      if (!response.ok) throw new Error(response.statusText);
      const state = await response.json();
      since = state.version;
      receive(state);
    } catch (_) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/* ------------------------------------------------------------------ state in, page out */

function receive(state) {
  if (ui.world !== state.world) { // a fresh world: forget what belonged to the old one
    ui.world = state.world;
    ui.topic = null;
    ui.replyTo = { phone: null, staff: null };
    ui.noticeSeen = Math.max(0, ...state.notices.map((n) => n.seq));
  }
  ui.state = state;
  const reporters = state.people.filter((p) => p.role === "reporter");
  const group = state.people.filter((p) => p.role !== "reporter");
  if (!reporters.some((p) => p.id === ui.phonePerson)) ui.phonePerson = reporters[0].id;
  if (!group.some((p) => p.id === ui.staffPerson)) ui.staffPerson = group[0].id;
  if (ui.topic !== null && !state.group.topics.some((t) => t.id === ui.topic)) ui.topic = null;
  fillPeople($("phone-person"), reporters, ui.phonePerson);
  fillPeople($("staff-person"), group, ui.staffPerson);
  $("phone-lang").value = person(ui.phonePerson).language;
  renderHeader(state);
  renderPhone(state);
  renderStaff(state);
  showNotices(state);
}

function person(id) {
  return ui.state.people.find((p) => p.id === id);
}

function fillPeople(select, people, chosen) {
  const wanted = people.map((p) => `${p.id}:${p.name}:${p.description}`).join("|");
  if (select.dataset.people !== wanted) {
    select.replaceChildren(...people.map((p) => {
      const option = el("option", null, `${p.name} — ${p.description}`);
      option.value = String(p.id);
      return option;
    }));
    select.dataset.people = wanted;
  }
  select.value = String(chosen);
}

function formatDate(seconds, withDay) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDay ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

function renderHeader(state) {
  const days = state.clock_offset / 86400;
  const ahead = state.clock_offset ? ` (clock moved ${days >= 1 ? `${+days.toFixed(1)} days` : `${Math.round(state.clock_offset / 3600)} h`} ahead)` : "";
  $("clock").textContent = `Sandbox time ${formatDate(state.now, true)}${ahead}`;
  const refused = $("refused");
  refused.hidden = state.refused_count === 0;
  refused.textContent = `⚠ the Bot API refused ${state.refused_count} call(s) from the bot`;
  refused.title = state.refused.map((c) => `${c.method}: ${c.description}`).join("\n");
}

function keepScroll(list, draw) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const top = list.scrollTop;
  draw();
  list.scrollTop = atBottom ? list.scrollHeight : top;
}

function renderPhone(state) {
  const list = $("phone-messages");
  const messages = state.private[String(ui.phonePerson)] || [];
  if (!messages.length) { // a chat never opened: Telegram offers START
    const empty = el("li", "empty", "A new chat with the bot.");
    const start = el("button", "start", "START");
    start.type = "button";
    start.addEventListener("click", () => send("phone", "/start", null));
    empty.append(el("br"), start);
    list.replaceChildren(empty);
  } else {
    keepScroll(list, () => list.replaceChildren(...messages.map((m) => messageView(m, "phone"))));
  }
  renderComposer("phone", messages);
}

function renderStaff(state) {
  const me = person(ui.staffPerson);
  $("staff-note").textContent = me.role === "outsider"
    ? "Not a member: the group sees what he writes, the bot obeys none of it."
    : "Member of the staff group.";
  const byThread = new Map([[null, []]]);
  for (const t of state.group.topics) byThread.set(t.id, []);
  for (const m of state.group.messages) {
    const key = byThread.has(m.thread) ? m.thread : null;
    byThread.get(key).push(m);
  }
  const topics = $("topics");
  const entries = [{ id: null, name: "General", closed: false }, ...state.group.topics];
  topics.replaceChildren(...entries.map((t) => {
    const item = el("li", "topic");
    const button = el("button", null);
    button.type = "button";
    button.dataset.topic = t.id === null ? "general" : String(t.id);
    button.setAttribute("aria-current", String(t.id === ui.topic));
    const inside = byThread.get(t.id) || [];
    const last = inside.filter((m) => !m.service).at(-1);
    button.append(el("span", "topic-name", (t.closed ? "🔒 " : "") + t.name));
    button.append(el("span", "topic-last", last ? `${last.from.bot ? "Peluit" : last.from.name}: ${last.text || mediaLabel(last.media)}` : ""));
    button.addEventListener("click", () => {
      ui.topic = t.id;
      ui.replyTo.staff = null;
      renderStaff(ui.state);
      document.querySelector(".topic-chat").scrollIntoView({ block: "nearest" });
    });
    item.append(button);
    return item;
  }));
  const open = entries.find((t) => t.id === ui.topic);
  $("topic-title").textContent = `${state.group.title} › ${open.name}`;
  const list = $("staff-messages");
  const shown = byThread.get(ui.topic) || [];
  keepScroll(list, () => list.replaceChildren(...shown.map((m) => messageView(m, "staff"))));
  renderComposer("staff", state.group.messages);
}

function mediaLabel(media) {
  if (!media) return "";
  return { photo: "🖼 photo", voice: "🎤 voice note", document: `📄 ${media.name || "file"}` }[media.kind] || media.kind;
}

function senderName(m) {
  return m.from.bot ? "Peluit" : m.from.name;
}

function messageView(m, pane) {
  const me = pane === "phone" ? ui.phonePerson : ui.staffPerson;
  if (m.service) {
    const item = el("li", "msg service", `Topic created: ${m.service.topic_created}`);
    item.dataset.id = String(m.id);
    return item;
  }
  const item = el("li", `msg ${m.from.id === me ? "out" : "in"}${m.from.bot ? " bot" : ""}`);
  item.dataset.id = String(m.id);
  if (pane === "staff" || !m.from.bot) item.append(el("div", "sender", senderName(m)));
  if (m.reply_to) {
    const quote = el("div", "quote");
    quote.append(el("b", null, m.reply_to.from || ""));
    quote.append(el("span", null, m.reply_to.text || mediaLabel({ kind: m.reply_to.media })));
    item.append(quote);
  }
  if (m.media) item.append(mediaView(m.media));
  if (m.text) {
    const body = el("div", "text");
    body.append(window.renderText(m.text, m.entities, (command) => send(pane, command, null)));
    item.append(body);
  }
  if (m.buttons.length) item.append(buttonsView(m, pane));
  const meta = el("div", "meta");
  if (m.protected) meta.append(el("span", "protected", "🔒 protected"));
  if (m.edited) meta.append(el("span", "edited", "edited"));
  meta.append(el("time", null, formatDate(m.date, false)));
  const reply = el("button", "reply-button", "↩ Reply");
  reply.type = "button";
  reply.addEventListener("click", () => {
    ui.replyTo[pane] = m.id;
    renderComposer(pane, pane === "phone" ? ui.state.private[String(ui.phonePerson)] : ui.state.group.messages);
    ui.composers[pane].querySelector("textarea").focus();
  });
  meta.append(reply);
  item.append(meta);
  return item;
}

function mediaView(media) {
  const box = el("div", `media ${media.kind}`);
  const src = `/api/file/${encodeURIComponent(media.file_id)}`;
  if (media.kind === "photo") {
    const img = el("img");
    img.src = src;
    img.alt = "photo";
    img.loading = "lazy";
    box.append(img);
  } else if (media.kind === "voice" || media.kind === "audio") {
    box.append(el("span", "label", `🎤 voice note · ${media.duration || 0}s`));
    const audio = el("audio");
    audio.controls = true;
    audio.preload = "none";
    audio.src = src;
    box.append(audio);
  } else {
    const link = el("a", "file", `📄 ${media.name || media.kind}`);
    link.href = src;
    link.setAttribute("download", media.name || "file");
    box.append(link);
    if (media.size) box.append(el("span", "size", ` ${Math.ceil(media.size / 1024)} KB`));
  }
  return box;
}

function buttonsView(m, pane) {
  const box = el("div", "buttons");
  for (const row of m.buttons) {
    const line = el("div", "row");
    for (const b of row) {
      if (b.url) {
        const link = el("a", "button", b.text);
        if (/^https?:\/\//.test(b.url)) {
          link.href = b.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer nofollow";
        }
        line.append(link);
        continue;
      }
      const button = el("button", "button", b.text);
      button.type = "button";
      button.dataset.data = b.data || "";
      button.addEventListener("click", () => act(pane, () => post("/api/press", {
        person: pane === "phone" ? ui.phonePerson : ui.staffPerson, message_id: m.id, data: b.data,
      })));
      line.append(button);
    }
    box.append(line);
  }
  return box;
}

/* ------------------------------------------------------------------ composing */

function setupComposer(pane) {
  const host = $(`${pane}-composer`);
  host.append($("composer-template").content.cloneNode(true));
  ui.composers[pane] = host;
  const form = host.querySelector("form");
  const text = host.querySelector("textarea");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value;
    if (!value.trim()) return;
    send(pane, value, () => { text.value = ""; });
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  host.querySelector(".cancel-reply").addEventListener("click", () => {
    ui.replyTo[pane] = null;
    renderComposer(pane, []);
  });
  host.querySelector("input[type=file]").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) sendFile(pane, file, host.querySelector(".kind").value, text);
  });
}

function currentPrompt(pane) {
  const id = pane === "phone" ? ui.phonePerson : ui.staffPerson;
  const prompt = ui.state.prompts[String(id)];
  if (!prompt) return null;
  if (pane === "staff" && (prompt.thread || null) !== ui.topic) return null;
  return prompt;
}

function renderComposer(pane, messages) {
  const host = ui.composers[pane];
  if (!host || !ui.state) return;
  const bar = host.querySelector(".replying");
  const text = host.querySelector("textarea");
  const prompt = currentPrompt(pane);
  const all = pane === "phone" ? (ui.state.private[String(ui.phonePerson)] || []) : ui.state.group.messages;
  const target = ui.replyTo[pane] !== null ? all.find((m) => m.id === ui.replyTo[pane]) : null;
  if (ui.replyTo[pane] !== null && !target) ui.replyTo[pane] = null; // the message is gone
  text.placeholder = prompt && !target ? (prompt.placeholder || "Reply") : "Message";
  if (target) {
    bar.hidden = false;
    bar.querySelector(".replying-label").textContent = `Replying to ${senderName(target)}:`;
    bar.querySelector(".replying-text").textContent = (target.text || mediaLabel(target.media)).slice(0, 80);
  } else if (prompt) {
    bar.hidden = false;
    bar.querySelector(".replying-label").textContent = "The bot asks for a reply:";
    bar.querySelector(".replying-text").textContent = prompt.placeholder || "";
  } else {
    bar.hidden = true;
  }
}

function showError(pane, message) {
  const box = ui.composers[pane].querySelector(".error");
  box.hidden = !message;
  box.textContent = message || "";
}

async function act(pane, call, after) {
  showError(pane, "");
  try {
    await call();
    if (after) after();
  } catch (error) {
    showError(pane, error.message);
  }
}

function send(pane, value, after) {
  const body = { text: value, reply_to: ui.replyTo[pane] };
  if (pane === "phone") body.person = ui.phonePerson;
  else { body.person = ui.staffPerson; body.thread = ui.topic; }
  ui.replyTo[pane] = null;
  return act(pane, () => post("/api/write", body), after);
}

function sendFile(pane, file, kind, text) {
  if (kind === "auto") {
    kind = file.type.startsWith("image/") && file.type !== "image/svg+xml" ? "photo"
      : file.type.startsWith("audio/") ? "voice" : "document";
  }
  const form = new FormData();
  form.append("person", String(pane === "phone" ? ui.phonePerson : ui.staffPerson));
  form.append("kind", kind);
  form.append("caption", text.value);
  if (ui.replyTo[pane] !== null) form.append("reply_to", String(ui.replyTo[pane]));
  if (pane === "staff" && ui.topic !== null) form.append("thread", String(ui.topic));
  form.append("file", file, file.name);
  ui.replyTo[pane] = null;
  return act(pane, () => post("/api/upload", form, true), () => { text.value = ""; });
}

/* ------------------------------------------------------------------ notices, controls */

function showNotices(state) {
  const mine = [ui.phonePerson, ui.staffPerson];
  for (const notice of state.notices) {
    if (notice.seq <= ui.noticeSeen) continue;
    ui.noticeSeen = notice.seq;
    if (!mine.includes(notice.user)) continue;
    if (notice.alert) {
      $("alert-text").textContent = notice.text;
      if (!$("alert").open) $("alert").showModal();
    } else {
      const toast = el("div", "toast", notice.text);
      $("toasts").append(toast);
      setTimeout(() => toast.remove(), 4000);
    }
  }
}

function control(id, call) {
  const button = $(id);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try { await call(); } catch (error) { alert(error.message); } finally { button.disabled = false; }
  });
}

function setup() {
  setupComposer("phone");
  setupComposer("staff");
  $("phone-person").addEventListener("change", (e) => {
    ui.phonePerson = Number(e.target.value);
    ui.replyTo.phone = null;
    receive(ui.state);
  });
  $("staff-person").addEventListener("change", (e) => {
    ui.staffPerson = Number(e.target.value);
    ui.replyTo.staff = null;
    receive(ui.state);
  });
  $("phone-lang").addEventListener("change", (e) => act("phone", () => post("/api/language", {
    person: ui.phonePerson, language: e.target.value,
  })));
  control("clock-advance", () => post("/api/clock", { seconds: Number($("clock-step").value) }));
  control("reset-empty", () => post("/api/reset", { seeded: false }));
  control("reset-seeded", () => post("/api/reset", { seeded: true }));
  for (const tab of document.querySelectorAll(".tabs [data-pane]")) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll(".tabs [data-pane]")) {
        other.setAttribute("aria-selected", String(other === tab));
        $(other.dataset.pane).classList.toggle("active", other === tab);
      }
    });
  }
  poll();
}

document.addEventListener("DOMContentLoaded", setup);
