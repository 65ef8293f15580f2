"""Intents to Telegram messages: catalog text, user text escaped in exactly one place, and
long texts split into several messages without breaking HTML or Telegram's 4096-char limit."""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import label, text
from flows.buttons import encode
from flows.intents import (
    Block,
    Button,
    CaseRows,
    CategoryName,
    Fields,
    FileRows,
    Institution,
    Keyboard,
    MaybeSkipped,
    Mention,
    Moment,
    Note,
    OverdueMark,
    OverdueRows,
    Say,
    StatusName,
    Timeline,
    YesNo,
)

DEFAULT_ZONE = "Asia/Jakarta"
INDONESIAN_ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
                    "Asia/Ujung_Pandang": "WITA", "Asia/Jayapura": "WIT"}
"""Indonesia's three zones by their names; any other zone is shown as its UTC offset."""
_zone: tzinfo = ZoneInfo(DEFAULT_ZONE)
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
        [InlineKeyboardButton(button_label(language, b), callback_data=encode(b.data))
         for b in row]
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
    """Values that must become words in the reader's language, by their kind (flows/intents.py)."""
    words = {name: _words(language, value) for name, value in say.params.items()}
    for name, value in say.params.items():
        if isinstance(value, Note):  # filled with the message's own parameters
            words[name] = _Raw(f"{fill(language, value, words)}\n\n") if value else ""
    return words


def set_zone(zone: tzinfo) -> None:
    """The institution's time zone (`PELUIT_TIMEZONE`), set once by the composition root: every
    date and time shown to anyone is rendered in it."""
    global _zone
    _zone = zone


def zone_label(zone: tzinfo, local: datetime) -> str:
    """WIB / WITA / WIT for Indonesia's zones; else the UTC offset at that moment ("UTC+9",
    "UTC+5:30", "UTC-3", "UTC")."""
    name = INDONESIAN_ZONES.get(getattr(zone, "key", ""))
    if name:
        return name
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_moment(at: datetime, language: str, zone: tzinfo | None = None) -> str:
    """A moment for people: "28 Nov 2026, 14.05 WIB" (id), "28 Nov 2026, 14:05 WIB" (en), in
    the institution's zone."""
    zone = zone or _zone
    local = at.astimezone(zone)
    months = plain(language, "format.months").split()
    return plain(language, "format.moment", {
        "day": local.day, "month": months[local.month - 1], "year": local.year,
        "hour": f"{local.hour:02d}", "minute": f"{local.minute:02d}",
        "zone": zone_label(zone, local)})


def _moment(language: str, value: str) -> str:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value  # not a moment (e.g. written by an older version): shown as it is
    return format_moment(at, language) if at.tzinfo is not None else value


def _words(lang: str, value: object) -> object:
    if isinstance(value, Moment):
        return _moment(lang, value)
    if isinstance(value, Institution):
        return str(value) if value else plain(lang, "word.institution")
    if isinstance(value, StatusName):
        return plain(lang, f"state.{value}")
    if isinstance(value, CategoryName):
        return label(lang, f"category.{value}", str(value)) if value else ""
    if isinstance(value, YesNo):
        return plain(lang, f"word.{value}")
    if isinstance(value, MaybeSkipped):
        return str(value) if value else plain(lang, "word.skipped")
    if isinstance(value, Fields):
        return ", ".join(plain(lang, f"field.{name.strip()}") for name in value.split(",")
                         if name.strip())
    if isinstance(value, Timeline):
        return _Lines(timeline_lines(lang, value))
    if isinstance(value, CaseRows):
        return _Raw("\n".join(case_row(lang, row) for row in value))
    if isinstance(value, OverdueRows):
        return _Raw("\n".join(overdue_lines(lang, value)))
    if isinstance(value, FileRows):
        return _Lines([file_row(lang, i, row) for i, row in enumerate(value, start=1)])
    if isinstance(value, OverdueMark):
        return plain(lang, f"sla.{value}") if value else ""
    if isinstance(value, Mention):  # a text mention: Telegram addresses the reply prompt to them
        return _Raw(f'<a href="tg://user?id={int(value.user_id)}">{escape(value)}</a>')
    if isinstance(value, Block):
        if value:
            return _Raw(fill(lang, value.key, {value.field: str(value)}))
        return _Raw(fill(lang, value.empty_key, {}) if value.empty_key else "")
    return value


class _Raw(str):
    """Already-rendered HTML: not escaped again."""


class _Lines(_Raw):
    def __new__(cls, lines: list[str]) -> _Lines:
        return super().__new__(cls, "\n".join(escape(line) for line in lines))


def file_size(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(1, round(size / 1024))} KB"


def file_row(language: str, number: int, row: list[object]) -> str:
    """"2. 📷 Foto · 340 KB · “kwitansi dari…”": one file a draft keeps."""
    kind, size, caption = [*row, "", 0, ""][:3]
    words = f" · “{caption}”" if caption else ""
    return f"{number}. {plain(language, f'filekind.{kind}')} · {file_size(int(str(size)))}{words}"


def timeline_lines(language: str, timeline: list[list[str]]) -> list[str]:
    lines = []
    for at, action, detail in timeline:
        if action == "case.moved":
            what = plain(language, "timeline.moved",
                         {"status": plain(language, f"state.{detail}")})
        elif action == "case.submitted":
            what = plain(language, "timeline.submitted")
        elif action == "relay.to_reporter":
            what = plain(language, "timeline.question")
        else:
            what = plain(language, "timeline.answer")
        lines.append(f"{_moment(language, at)} · {what}")
    return lines


TOPIC_LINK = re.compile(r"https://t\.me/c/\d{1,20}/\d{1,12}")


def case_row(language: str, row: list[object]) -> str:
    """One /kasus row as HTML: the case number links to its topic (when it has one), then who
    handles it."""
    number, category, status, days, overdue, *more = row
    handler, link = ([*more, "", ""])[:2]
    text = escape(plain(language, "staff.row", {
        "number": number, "category": label(language, f"category.{category}", str(category)),
        "status": plain(language, f"state.{status}"), "days": days,
        "overdue": plain(language, f"sla.{overdue}") if overdue else plain(language, "sla.none"),
    }))
    if link and TOPIC_LINK.fullmatch(str(link)):
        shown = escape(str(number))
        text = text.replace(shown, f'<a href="{escape(str(link))}">{shown}</a>', 1)
    if len(row) > 5:
        text += escape(plain(language, "staff.row_handler", {"handler": handler}) if handler
                       else plain(language, "staff.row_no_handler"))
    return text


def overdue_lines(language: str, rows: list[tuple[object, ...]]) -> list[str]:
    """The daily reminder's rows as HTML, grouped by who handles them (nobody last)."""
    groups: dict[str, list[str]] = {}
    for number, kind, days, *more in rows:
        handler = str(more[0]) if more else ""
        groups.setdefault(handler, []).append(
            escape(f"{number} · {plain(language, f'sla.{kind}')} · {days}"))
    if list(groups) == [""] and not any(len(r) > 3 for r in rows):
        return groups[""]  # rows queued before handlers were kept
    lines: list[str] = []
    for handler in sorted(groups, key=lambda h: (h == "", h.lower())):
        title = (plain(language, "staff.overdue_handler", {"handler": handler}) if handler
                 else plain(language, "staff.overdue_no_handler"))
        lines += [f"<b>{escape(title)}</b>", *groups[handler]]
    return lines


def render_say(say: Say) -> Rendered:
    body = fill(say.lang, say.key, derived_params(say.lang, say))
    markup = (reply_prompt(say.lang, say.reply_prompt) if say.reply_prompt
              else keyboard(say.lang, say.buttons))
    return Rendered(split_html(body), markup)


def button_label(language: str, button: Button) -> str:
    if button.key.startswith("category."):  # categories are configuration: the code is the fallback
        return label(language, button.key, button.key.split(".", 1)[1])
    return plain(language, button.key, button.params)
