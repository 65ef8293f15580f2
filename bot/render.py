"""Intents to Telegram messages: catalog text, user text escaped in exactly one place, and
long texts split into several messages without breaking HTML or Telegram's 4096-char limit."""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import label, text
from flows.intents import Button, Keyboard, Say

LIMIT = 4096
SAFE_LIMIT = 3900
"""Split well below Telegram's limit so a re-opened tag never pushes a part over it."""
_TOKENS = re.compile(r"(<[^>]+>)|(&#?\w+;)|([^<&]+)")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z-]+)")
_FORMATTER = string.Formatter()


def escape(value: object) -> str:
    """The one place user-provided text is made safe for parse_mode=HTML."""
    return html.escape(str(value), quote=False)


def fill(language: str, key: str, params: dict[str, object]) -> str:
    """The catalog text for `key` with `params`: values escaped, unless already rendered HTML."""
    template = text(language, key)
    names = {name for _, name, _, _ in _FORMATTER.parse(template) if name}
    values = {n: (params[n] if isinstance(params.get(n), _Raw) else escape(params.get(n, "")))
              for n in names}
    return template.format_map(values)


def plain(language: str, key: str, params: dict[str, object] | None = None) -> str:
    """A catalog text without HTML (button labels, topic names, command descriptions)."""
    template = text(language, key)
    return template.format_map({k: str(v) for k, v in (params or {}).items()}) if params else template


def keyboard(language: str, buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(button_label(language, b), callback_data=b.data) for b in row]
        for row in buttons
    ])


def visible_length(markup: str) -> int:
    """Characters Telegram counts: text after tags are removed and entities decoded."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def split_html(markup: str, limit: int = SAFE_LIMIT) -> list[str]:
    """Split HTML into parts of at most `limit` visible characters, closing and re-opening tags."""
    if visible_length(markup) <= limit:
        return [markup]
    parts: list[str] = []
    current, size, open_tags = "", 0, []  # open_tags: (name, full opening tag)

    def flush() -> None:
        nonlocal current, size
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        if current.strip():
            parts.append(current + closing)
        current, size = "".join(tag for _, tag in open_tags), 0

    for tag, entity, chunk in _TOKENS.findall(markup):
        if tag:
            match = _TAG.match(tag)
            name = match.group(2).lower() if match else ""
            if match and match.group(1):
                if open_tags and open_tags[-1][0] == name:
                    open_tags.pop()
            elif name:
                open_tags.append((name, tag))
            current += tag
        elif entity:
            if size + 1 > limit:
                flush()
            current, size = current + entity, size + 1
        else:
            while chunk:
                room = limit - size
                if len(chunk) <= room:
                    current, size, chunk = current + chunk, size + len(chunk), ""
                    break
                cut = chunk.rfind("\n", 0, room)
                if cut < room // 2:
                    cut = chunk.rfind(" ", 0, room)
                if cut < room // 2:
                    cut = room
                current, size = current + chunk[:cut], size + cut
                chunk = chunk[cut:].lstrip(" ")
                flush()
    flush()
    return parts


def reply_prompt(language: str, placeholder_key: str) -> ForceReply:
    """Ask for an answer: the input field opens as a reply, with a hint (at most 64 characters)."""
    return ForceReply(selective=True,
                      input_field_placeholder=plain(language, placeholder_key)[:64])


@dataclass(frozen=True)
class Rendered:
    texts: list[str]
    markup: InlineKeyboardMarkup | ForceReply | None


def derived_params(language: str, say: Say) -> dict[str, object]:
    """Turn codes into words: statuses, categories, lists, yes/no, optional blocks."""
    params = dict(say.params)
    lang = language
    if "status" in params:
        params["status"] = plain(lang, f"state.{params['status']}")
    if "category" in params:
        code = str(params["category"])
        params["category"] = label(lang, f"category.{code}", code) if code else ""
    if "contact" in params and params["contact"] in ("yes", "no"):
        params["contact"] = plain(lang, f"word.{params['contact']}")
    if "where" in params and not params["where"]:
        params["where"] = plain(lang, "word.skipped")
    if "missing" in params:
        params["missing"] = ", ".join(plain(lang, f"field.{m.strip()}")
                                      for m in str(params["missing"]).split(",") if m.strip())
    if "timeline" in params:
        params["timeline"] = _Lines(timeline_lines(lang, params["timeline"]))  # type: ignore[arg-type]
    if "question" in params:
        q = params.pop("question")
        params["question_block"] = _Raw(fill(lang, "status.question_block", {"question": q}) if q else "")
    if "outcome" in params and say.key == "status.show":
        o = params.pop("outcome")
        params["outcome_block"] = _Raw(fill(lang, "status.outcome_block", {"outcome": o}) if o else "")
    if "rows" in params:
        params["rows"] = _Lines([row_line(lang, row) for row in params["rows"]])  # type: ignore[union-attr]
    for name in ("by_status", "by_category"):
        if name in params:
            prefix = "state" if name == "by_status" else "category"
            params[name] = _Lines([f"• {label(lang, f'{prefix}.{k}', k)}: {n}"
                                   for k, n in params[name]])  # type: ignore[union-attr]
    return params


class _Raw(str):
    """Already-rendered HTML: not escaped again."""


class _Lines(_Raw):
    def __new__(cls, lines: list[str]) -> _Lines:
        return super().__new__(cls, "\n".join(escape(line) for line in lines))


def timeline_lines(language: str, timeline: list[list[str]]) -> list[str]:
    lines = []
    for day, action, detail in timeline:
        if action == "case.moved":
            what = plain(language, f"state.{detail}")
        elif action == "case.submitted":
            what = plain(language, "timeline.submitted")
        elif action == "relay.to_reporter":
            what = plain(language, "timeline.question")
        else:
            what = plain(language, "timeline.answer")
        lines.append(f"{day} · {what}")
    return lines


def row_line(language: str, row: list[object]) -> str:
    if len(row) == 3:  # overdue reminder rows: number, kind, days
        number, kind, days = row
        return f"{number} · {plain(language, f'sla.{kind}')} · {days}"
    number, category, status, days, overdue = row
    return plain(language, "staff.row", {
        "number": number, "category": label(language, f"category.{category}", str(category)),
        "status": plain(language, f"state.{status}"), "days": days,
        "overdue": plain(language, f"sla.{overdue}") if overdue else plain(language, "sla.none"),
    })


def render_say(say: Say) -> Rendered:
    body = fill(say.lang, say.key, derived_params(say.lang, say))
    markup = (reply_prompt(say.lang, say.reply_prompt) if say.reply_prompt
              else keyboard(say.lang, say.buttons))
    return Rendered(split_html(body), markup)


def button_label(language: str, button: Button) -> str:
    if button.key.startswith("category."):  # categories are configuration: the code is the fallback
        return label(language, button.key, button.key.split(".", 1)[1])
    return plain(language, button.key, button.params)
