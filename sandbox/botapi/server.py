"""A strict, in-process stand-in for the Telegram Bot API HTTP server (tests only).

The real application (python-telegram-bot 22) talks to it over real HTTP::

    async with running_fake_telegram() as tg:
        tg.add_user(1001, "Ani")
        tg.add_group(-100500, "Integrity staff", forum=True, members=[2001])
        app = (ApplicationBuilder().token(tg.token)
               .base_url(tg.url + "/bot").base_file_url(tg.url + "/file/bot").build())
        ...                                   # start the app (polling or webhook)
        await tg.send_text(1001, "/start")    # a user action -> Update
        msg = await tg.wait_bot_message(1001, contains="Halo")
        await tg.press(1001, msg, "lapor")    # a button press -> callback_query Update
        assert not tg.rejected                # nothing Telegram would have refused

It is meant to be *at least as strict as Telegram*: text/caption limits after entity parsing,
HTML/MarkdownV2 validation, callback_data byte limits, "message is not modified", callback query
expiry, chat/thread/membership/blocking rules, deletion rules, getUpdates conflicts and flood limits
are answered with Telegram's status codes and description strings. Every call lands in ``calls``;
refusals from these checks also land in ``rejected`` (injected faults do not, and neither does a
409 answered to a long poll whose client already hung up).

Besides the core API: ``add_topic`` (a human creates a topic), ``unblock_bot``,
``advance_clock`` (ages messages and callback queries), ``rate_limits``/``enforce_rate_limits``,
``privacy_mode`` (non-admin bots see only commands, replies and mentions in groups),
``callback_answers``, ``reply_keyboard(chat)``, ``commands``, ``calls_to(method)``,
``describe_calls()`` and ``flush_webhook()``.

Faults, for delivery tests: ``inject_faults`` (429, an HTML 502 from a proxy, Telegram's 401/404
JSON answers, an HTML 404, a non-JSON 200, at a rate or on every call), ``garble_answers`` (the
call succeeds, the answer is one python-telegram-bot cannot parse), ``slow`` (a method is carried
out at once and answered late), ``change_member`` (emits ``my_chat_member`` / ``chat_member`` like
Telegram), ``migrate_group`` (a group upgraded to a supergroup: its old id answers with
``migrate_to_chat_id``) and ``delete_account`` (a deleted user: "chat not found"). Creating a forum
topic posts the ``forum_topic_created`` service message, which reaches the bot as an update.

Deliberate differences from Telegram: photos are not recompressed (the largest PhotoSize holds
the uploaded bytes); webhook URLs may use plain http on localhost; "@username" chat ids are
"chat not found"; a newer getUpdates ends an older pending one with 409, as Telegram does; where
Telegram is lenient (a bare "&" or ">" in HTML, unknown HTML entities) we refuse; messages in a
forum topic carry ``reply_to_message`` = the topic's creation message, a real Telegram quirk.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import inspect
import io
import json
import math
import random
import re
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from PIL import Image

# --------------------------------------------------------------------------------------------
# Limits and errors
# --------------------------------------------------------------------------------------------

MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA, MAX_ANSWER_TEXT = 4096, 1024, 64, 200
CALLBACK_TTL = 15.0
DELETE_WINDOW = 48 * 3600
MAX_DOWNLOAD, MAX_UPLOAD, MAX_PHOTO = 20 * 2**20, 50 * 2**20, 10 * 2**20
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
DEFAULT_UPDATES = frozenset(
    "message edited_message channel_post edited_channel_post inline_query chosen_inline_result "
    "callback_query shipping_query pre_checkout_query poll poll_answer my_chat_member "
    "chat_join_request chat_boost removed_chat_boost".split()
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
MEDIA_KINDS = ("photo", "document", "video", "voice", "audio", "video_note", "animation", "sticker")
_FILE_DIRS = {"photo": ("photos", "jpg"), "document": ("documents", "bin"),
              "video": ("videos", "mp4"), "voice": ("voice", "oga"), "audio": ("music", "mp3"),
              "video_note": ("video_notes", "mp4"), "animation": ("animations", "mp4"),
              "sticker": ("stickers", "webp")}
_DEFAULT_MIME = {"video": "video/mp4", "voice": "audio/ogg", "audio": "audio/mpeg",
                 "animation": "video/mp4", "document": "application/octet-stream"}


class ApiError(Exception):
    """An ok=false answer: HTTP status, Telegram description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(desc: str) -> ApiError:
    return ApiError(400, "Bad Request: " + desc)


def forbidden(desc: str) -> ApiError:
    return ApiError(403, "Forbidden: " + desc)


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after})


# --------------------------------------------------------------------------------------------
# Text formatting: HTML, MarkdownV2, Markdown -> (plain text, entities with UTF-16 offsets)
# --------------------------------------------------------------------------------------------

def u16len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class _Builder:
    """Accumulates the plain text and entities while a markup parser runs."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0
        self.entities: list[dict] = []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.u16 += u16len(s)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        if self.u16 > start:
            self.entities.append({"type": type_, "offset": start, "length": self.u16 - start,
                                  **extra})

    def result(self) -> tuple[str, list[dict]]:
        return "".join(self.parts), sorted(self.entities,
                                           key=lambda e: (e["offset"], -e["length"]))


def _parse_error(msg: str) -> ApiError:
    return bad("can't parse entities: " + msg)


def _link_entity(url: str) -> tuple[str, dict]:
    m = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if m:
        return "text_mention", {"user": {"id": int(m.group(1)), "is_bot": False,
                                         "first_name": "User"}}
    return "text_link", {"url": url}


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
              "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
              "code": "code", "pre": "pre", "blockquote": "blockquote",
              "tg-emoji": "custom_emoji"}
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_:-]+(?:\s*=\s*(?:\"[^\"]*\"|"
                     r"'[^']*'|[^\s\"'<>]+))?)*)\s*>")
_ATTR_RE = re.compile(r"([A-Za-z_:-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'<>]+)))?")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")


def parse_html(src: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode, strictly: unknown tags, misnesting, bare < > & are errors."""
    b, stack, i = _Builder(), [], 0  # stack items: [tag, start, attrs]
    while i < len(src):
        c, at = src[i], len(src[:i].encode())
        if c == "<":
            m = _TAG_RE.match(src, i)
            if not m:
                raise _parse_error(f"Unexpected character '<' at byte offset {at}; use &lt;")
            name = m.group(2).lower()
            if m.group(1):  # end tag
                if not stack:
                    raise _parse_error(f'Unexpected end tag "{name}" at byte offset {at}')
                if stack[-1][0] != name:
                    raise _parse_error(f'Unmatched end tag at byte offset {at}, expected '
                                       f'"</{stack[-1][0]}>", found "</{name}>"')
                _close_html(b, stack)
            else:
                if name not in _HTML_TAGS:
                    raise _parse_error(f'Unsupported start tag "{name}" at byte offset {at}')
                attrs = {k.lower(): html.unescape(v1 or v2 or v3)
                         for k, v1, v2, v3 in _ATTR_RE.findall(m.group(3))}
                _open_html(name, attrs, stack, at)
                stack.append([name, b.u16, attrs])
            i = m.end()
        elif c == "&":
            m = _ENTITY_RE.match(src, i)
            if not m:
                raise _parse_error(f"Unsupported HTML entity at byte offset {at}; use &amp;")
            if m.group(3):
                b.add(html.unescape(m.group(0)))
            else:
                code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
                if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise _parse_error(f"Invalid character reference at byte offset {at}")
                b.add(chr(code))
            i = m.end()
        elif c == ">":
            raise _parse_error(f"Unexpected character '>' at byte offset {at}; use &gt;")
        else:
            b.add(c)
            i += 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return b.result()


def _open_html(name: str, attrs: dict, stack: list, at: int) -> None:
    parents = [s[0] for s in stack]
    if (parents and parents[-1] == "code") or ("pre" in parents and name != "code"):
        raise _parse_error(f'Entities can\'t be nested in code or pre ("{name}" at byte offset '
                           f"{at})")
    if name == "blockquote" and "blockquote" in parents:
        raise _parse_error("Blockquote entities can't be nested")
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error('Tag "span" must have class "tg-spoiler"')
    if name == "a" and not attrs.get("href"):
        raise _parse_error(f'Tag "a" must have attribute "href" (byte offset {at})')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise _parse_error('Tag "tg-emoji" must have attribute "emoji-id"')


def _close_html(b: _Builder, stack: list) -> None:
    name, start, attrs = stack.pop()
    etype, extra = _HTML_TAGS[name], {}
    if name == "a":
        etype, extra = _link_entity(attrs["href"])
    elif name == "code" and stack and stack[-1][0] == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1][2]["language"] = lang[len("language-"):]
        return
    elif name == "pre" and attrs.get("language"):
        extra = {"language": attrs["language"]}
    elif name == "blockquote" and "expandable" in attrs:
        etype = "expandable_blockquote"
    elif name == "tg-emoji":
        extra = {"custom_emoji_id": attrs["emoji-id"]}
    b.entity(etype, start, **extra)


_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_KINDS = {"*": ("bold", "Bold"), "_": ("italic", "Italic"), "__": ("underline", "Underline"),
              "~": ("strikethrough", "Strikethrough"), "||": ("spoiler", "Spoiler"),
              "[": ("text_link", "TextUrl")}


def _md_scan(src: str, i: int, closer: str, escapable: str) -> tuple[str, int]:
    """Read up to an unescaped ``closer``; returns (content, index after closer) or (_, -1)."""
    out = []
    while i < len(src):
        if src[i] == "\\" and i + 1 < len(src) and src[i + 1] in escapable:
            out.append(src[i + 1])
            i += 2
        elif src.startswith(closer, i):
            return "".join(out), i + len(closer)
        else:
            out.append(src[i])
            i += 1
    return "".join(out), -1


def parse_markdown_v2(src: str) -> tuple[str, list[dict]]:
    """An approximate MarkdownV2 parser that refuses every unescaped reserved character."""
    b, stack, i, quote = _Builder(), [], 0, None
    while i < len(src):
        c, at = src[i], len(src[:i].encode())
        if c == "\\":
            if i + 1 < len(src) and 0 < ord(src[i + 1]) < 127:
                b.add(src[i + 1])
                i += 2
                continue
            raise _parse_error(f"Character '\\' at byte offset {at} must be escaped")
        if c == "`":
            fence = "```" if src.startswith("```", i) else "`"
            start_i, lang = i + len(fence), None
            if fence == "```":
                nl = src.find("\n", start_i)
                if nl > start_i and re.fullmatch(r"[\w+-]+", src[start_i:nl]):
                    lang, start_i = src[start_i:nl], nl + 1
            body, end = _md_scan(src, start_i, fence, "`\\")
            if end < 0:
                kind = "Pre" if fence == "```" else "Code"
                raise _parse_error(f"Can't find end of {kind} entity at byte offset {at}")
            start = b.u16
            b.add(body)
            b.entity("pre" if fence == "```" else "code", start,
                     **({"language": lang} if lang else {}))
            i = end
        elif c in "*_~|":
            mark = "__" if src.startswith("__", i) else "||" if src.startswith("||", i) else c
            if mark == "|":
                raise _parse_error("Character '|' is reserved and must be escaped with the "
                                   "preceding '\\'")
            if any(s[0] == mark for s in stack):
                if stack[-1][0] != mark:
                    raise _parse_error(f"Can't find end of {_MD2_KINDS[stack[-1][0]][1]} "
                                       f"entity at byte offset {stack[-1][2]}")
                _, start, _ = stack.pop()
                b.entity(_MD2_KINDS[mark][0], start)
            else:
                stack.append((mark, b.u16, at))
            i += len(mark)
        elif c == "[":
            stack.append(("[", b.u16, at))
            i += 1
        elif c == "]" and stack and stack[-1][0] == "[" and src.startswith("(", i + 1):
            url, end = _md_scan(src, i + 2, ")", ")\\")
            if end < 0 or not url:
                raise _parse_error(f"Can't find end of a URL at byte offset {at}")
            _, start, _ = stack.pop()
            etype, extra = _link_entity(url)
            b.entity(etype, start, **extra)
            i = end
        elif c == ">" and (i == 0 or src[i - 1] == "\n"):
            quote = b.u16 if quote is None else quote
            i += 1
        elif c in _MD2_RESERVED:
            raise _parse_error(f"Character '{c}' is reserved and must be escaped with the "
                               "preceding '\\'")
        else:
            if c == "\n" and quote is not None and not src.startswith(">", i + 1):
                b.entity("blockquote", quote)
                quote = None
            b.add(c)
            i += 1
    if stack:
        raise _parse_error(f"Can't find end of {_MD2_KINDS[stack[-1][0]][1]} entity at byte "
                           f"offset {stack[-1][2]}")
    if quote is not None:
        b.entity("blockquote", quote)
    return b.result()


def parse_markdown(src: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    b, i = _Builder(), 0
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < len(src):
        c, at = src[i], len(src[:i].encode())
        if c == "\\" and i + 1 < len(src) and src[i + 1] in "_*`[":
            b.add(src[i + 1])
            i += 2
        elif c in "*_`[":
            fence = "```" if src.startswith("```", i) else c
            closer = "]" if c == "[" else fence
            j = src.find(closer, i + len(fence))
            if j < 0 or (c == "[" and not src.startswith("(", j + 1)):
                raise _parse_error(f"Can't find end of the entity starting at byte offset {at}")
            start = b.u16
            b.add(src[i + len(fence):j])
            if c == "[":
                k = src.find(")", j + 2)
                if k < 0:
                    raise _parse_error(f"Can't find end of the entity starting at byte offset "
                                       f"{at}")
                etype, extra = _link_entity(src[j + 2:k])
                b.entity(etype, start, **extra)
                i = k + 1
            else:
                b.entity("pre" if fence == "```" else kinds[c], start)
                i = j + len(fence)
        else:
            b.add(c)
            i += 1
    return b.result()


_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
_AUTO_ENTITY_RES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("url", re.compile(r"https?://[^\s<>\"]+")),
)


def detect_entities(text: str) -> list[dict]:
    """Entities Telegram adds to what a user types: commands, @mentions, URLs."""
    found = [{"type": t, "offset": u16len(text[:m.start()]), "length": u16len(m.group(0))}
             for t, rx in _AUTO_ENTITY_RES for m in rx.finditer(text)]
    return sorted(found, key=lambda e: e["offset"])


# --------------------------------------------------------------------------------------------
# World model
# --------------------------------------------------------------------------------------------

@dataclass
class User(Mapping[str, Any]):
    """A simulated Telegram user; reads like the User JSON object (``user["id"]``)."""

    id: int
    first_name: str = "Ani"
    username: str | None = None
    language_code: str | None = "id"

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


@dataclass
class Call:
    """One Bot API call as the server saw and answered it."""

    method: str
    params: dict
    status: int
    response: dict
    at: float

    @property
    def description(self) -> str:
        return self.response.get("description", "") if isinstance(self.response, dict) else ""


@dataclass
class _Topic:
    name: str
    icon_color: int
    closed: bool = False
    deleted: bool = False


@dataclass
class _Stored:
    data: dict
    sender: int
    sent_at: float
    deleted: bool = False
    service: bool = False


@dataclass
class _Chat:
    id: int
    type: str  # private / group / supergroup
    title: str | None = None
    user: User | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, _Stored] = field(default_factory=dict)
    topics: dict[int, _Topic] = field(default_factory=dict)
    last_id: int = 0
    reply_keyboard: dict | None = None

    def json(self) -> dict:
        if self.user is not None:
            return {"id": self.id, "type": "private", **{k: v for k, v in self.user.to_dict()
                    .items() if k in ("first_name", "username")}}
        d: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            d["is_forum"] = True
        return d


@dataclass
class _File:
    file_id: str
    unique_id: str
    kind: str
    size: int
    data: bytes | None
    path: str
    meta: dict = field(default_factory=dict)  # file_name, mime_type, width, height, duration
    issued: bool = False
    sizes: list | None = None  # photos: the PhotoSize array this file belongs to


class _Params(dict):
    """Request parameters; typed getters answer type errors the way Telegram does."""

    _JSON_KEYS = frozenset(
        "chat_id from_chat_id message_id message_ids message_thread_id user_id reply_markup "
        "entities caption_entities reply_parameters link_preview_options disable_notification "
        "protect_content show_alert cache_time offset limit timeout allowed_updates "
        "drop_pending_updates max_connections commands scope media duration width height length "
        "latitude longitude icon_color reply_to_message_id allow_sending_without_reply "
        "has_spoiler supports_streaming show_caption_above_media".split())

    @classmethod
    def normalize(cls, raw: Mapping) -> _Params:
        p = cls()
        for k, v in raw.items():
            if k in cls._JSON_KEYS and isinstance(v, str):
                with contextlib.suppress(ValueError):
                    v = json.loads(v)
            p[k] = v
        return p

    def get_int(self, key: str, *, required: bool = False) -> int | None:
        v = self.get(key)
        if v is None or v == "":
            if required:
                raise bad(f"{key} is empty")
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            raise bad(f'field "{key}" must be of type Integer')
        return int(v)

    def get_str(self, key: str) -> str | None:
        v = self.get(key)
        return None if v is None else str(v)

    def get_bool(self, key: str) -> bool:
        v = self.get(key)
        return v is True or (isinstance(v, str) and v.lower() in ("true", "1"))

    def get_json(self, key: str, types: type | tuple = (dict, list), err: str = "") -> Any:
        v = self.get(key)
        if isinstance(v, str) and v:
            try:
                v = json.loads(v)
            except ValueError:
                raise bad(err or f"can't parse {key} JSON object") from None
        if v is not None and v != "" and not isinstance(v, types):
            raise bad(err or f"can't parse {key} JSON object")
        return None if v == "" else v


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

class FakeTelegram:
    """The stand-in Bot API server plus the simulated world (users, chats, topics, files)."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, bot_username: str = "peluit_test_bot"):
        self.token, self.bot_username = token, bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.url = ""
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.uploaded_files: list[tuple[str, bytes]] = []
        self.left_chats: set[int] = set()
        self.callback_answers: dict[str, dict] = {}  # query id -> answerCallbackQuery params
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope json, lang) -> commands
        self.descriptions: dict[tuple[str, str], str] = {}  # (kind, lang) -> text
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_last_error: str | None = None
        self.webhook_retry_delay = 0.02  # doubled after each refused POST (3 retries)
        self.privacy_mode = True  # non-admin bots see only commands/replies/mentions in groups
        self.enforce_rate_limits = True
        self.per_group_per_minute, self.global_per_second = 20, 30
        self._users: dict[int, User] = {}
        self._blocked: set[int] = set()
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, _File] = {}
        self._file_seq = 0
        self._callbacks: dict[str, dict] = {}
        self._queue: list[dict] = []  # {"update": ..., "delivered": bool, "redelivery": bool}
        self._next_update_id = 100_000_001
        self._allowed: set[str] = set(DEFAULT_UPDATES)
        self._poll_gen = 0
        self._wake = asyncio.Event()
        self._clock_offset = 0.0
        self._sends_global: deque[float] = deque()
        self._sends_chat: dict[int, deque[float]] = {}
        self._faults: dict | None = None
        self._garbled: dict[str, tuple[int, int | None]] = {}  # method -> (times, chat)
        self._slow: dict[str, float] = {}  # method -> seconds before answering
        self._deleted: set[int] = set()  # deleted accounts
        self._migrated: dict[int, int] = {}  # old group id -> supergroup id
        self._handlers = {name[5:]: getattr(self, name) for name in dir(self)
                          if name.startswith("_api_")}
        self._handlers_lc = {name.lower(): name for name in self._handlers}
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._webhook_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()
        self._closing = False

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD + 2**20,
                              middlewares=[self._broken_get_updates])
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    def now(self) -> float:
        """The server's clock (wall clock plus whatever advance_clock added)."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        self._clock_offset += seconds

    # ---------------------------------------------------------------- world setup
    def add_user(self, user_id: int, first_name: str = "Ani", *, username: str | None = None,
                 language_code: str | None = "id") -> User:
        assert user_id > 0, "user ids are positive"
        user = User(user_id, first_name, username, language_code)
        self._users[user_id] = user
        if user_id in self._chats:
            self._chats[user_id].user = user
        return user

    def add_group(self, chat_id: int, title: str, *, forum: bool = True,
                  members: Iterable[int] = (), bot_is_admin: bool = True) -> None:
        assert chat_id < 0, "group ids are negative"
        supergroup = str(chat_id).startswith("-100")
        assert supergroup or not forum, "only supergroups (-100...) can be forums"
        chat = _Chat(chat_id, "supergroup" if supergroup else "group", title, is_forum=forum)
        chat.members = {uid: "member" for uid in members}
        chat.members[self.bot_id] = "administrator" if bot_is_admin else "member"
        self._chats[chat_id] = chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Change a membership; an administrator bot is told of anyone else's change with a
        ``chat_member`` update (see ``_member_changed``). The bot's own status changes silently:
        ``change_member`` also sends the ``my_chat_member`` update Telegram sends."""
        assert status in ("member", "administrator", "creator", "left", "kicked"), status
        chat = self._group(chat_id)
        told = user_id != self.bot_id and self._bot_admin(chat)  # see _member_changed
        before = self._current_member(chat_id, user_id) if told else None
        chat.members[user_id] = status
        if before is not None:
            self._member_changed(chat_id, user_id, before)

    async def change_member(self, chat_id: int, user_id: int, status: str, *,
                            by: int | None = None) -> None:
        """An admin (``by``) changes a membership, and Telegram tells the bot: a change of the
        bot's own status is a ``my_chat_member`` update, anyone else's a ``chat_member`` update
        (only delivered to an administrator bot that asked for it in ``allowed_updates``)."""
        chat = self._group(chat_id)
        if user_id != self.bot_id:
            self.set_member(chat_id, user_id, status)  # tells an administrator bot itself
            return
        old = chat.members.get(user_id, "left")
        self.set_member(chat_id, user_id, status)
        actor = self._users[by].to_dict() if by in self._users else {
            "id": 777000, "is_bot": False, "first_name": "Telegram"}
        change = {"chat": chat.json(), "from": actor, "date": int(self.now()),
                  "old_chat_member": self._member_json(chat, user_id, old),
                  "new_chat_member": self._member_json(chat, user_id, status)}
        await self._emit("my_chat_member", change)

    def delete_account(self, user_id: int) -> None:
        """The user deletes their Telegram account: their chat is gone ("chat not found")."""
        self._user(user_id)
        self._deleted.add(user_id)

    async def migrate_group(self, old_id: int, new_id: int, *, forum: bool = False) -> None:
        """A basic group is upgraded to a supergroup with a new id (members and the bot's status
        move along). Calls naming the old id are answered 400 with ``migrate_to_chat_id``; both
        groups get their service message (``migrate_to_chat_id`` / ``migrate_from_chat_id``)."""
        old = self._group(old_id)
        assert old.type == "group" and str(new_id).startswith("-100"), "group -> supergroup"
        new = _Chat(new_id, "supergroup", old.title, is_forum=forum)
        new.members = dict(old.members)
        self._chats[new_id] = new
        self._migrated[old_id] = new_id
        for chat, content in ((old, {"migrate_to_chat_id": new_id}),
                              (new, {"migrate_from_chat_id": old_id})):
            msg = self._store(chat, 0, content, service=True)
            if self._bot_sees(chat, msg, None):
                await self._emit("message", msg)

    def add_topic(self, chat_id: int, name: str, icon_color: int = TOPIC_COLORS[0]) -> int:
        """A human admin creates a forum topic; returns its message_thread_id."""
        chat = self._group(chat_id)
        assert chat.is_forum, "not a forum"
        return self._create_topic(chat, name, icon_color, sender=0)

    def block_bot(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock_bot(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        chat = self._group(chat_id)
        assert thread_id in chat.topics, f"no topic {thread_id} in {chat_id}"
        chat.topics[thread_id].deleted = True
        for m in chat.messages.values():
            if m.data.get("message_thread_id") == thread_id:
                m.deleted = True

    def rate_limits(self, *, per_group_per_minute: int | None = None,
                    global_per_second: int | None = None, enabled: bool | None = None) -> None:
        if per_group_per_minute is not None:
            self.per_group_per_minute = per_group_per_minute
        if global_per_second is not None:
            self.global_per_second = global_per_second
        if enabled is not None:
            self.enforce_rate_limits = enabled

    # ---------------------------------------------------------------- user actions
    async def send_text(self, user_id: int, text: str, *, chat_id: int | None = None,
                        reply_to: int | None = None, thread_id: int | None = None) -> dict:
        content: dict[str, Any] = {"text": text}
        if ents := detect_entities(text):
            content["entities"] = ents
        return await self._user_message(user_id, chat_id, content, reply_to, thread_id)

    async def send_photo(self, user_id: int, data: bytes, *, chat_id: int | None = None,
                         caption: str | None = None, reply_to: int | None = None) -> dict:
        rec = self._store_file("photo", data, strict_image=False)
        content: dict[str, Any] = {"photo": copy.deepcopy(rec.sizes)}
        if caption:
            content["caption"] = caption
        return await self._user_message(user_id, chat_id, content, reply_to)

    async def send_document(self, user_id: int, data: bytes, file_name: str, mime_type: str, *,
                            chat_id: int | None = None, caption: str | None = None,
                            reply_to: int | None = None) -> dict:
        rec = self._store_file("document", data, file_name=file_name, mime_type=mime_type)
        content: dict[str, Any] = {"document": self._file_json(rec)}
        if caption:
            content["caption"] = caption
        return await self._user_message(user_id, chat_id, content, reply_to)

    async def send_media(self, user_id: int, kind: str, data: bytes, *,
                         mime_type: str | None = None, duration: int = 1,
                         chat_id: int | None = None, reply_to: int | None = None) -> dict:
        assert kind in ("video", "voice", "audio", "video_note", "animation"), kind
        rec = self._store_file(kind, data, mime_type=mime_type or _DEFAULT_MIME.get(kind),
                               duration=duration, width=320, height=320)
        return await self._user_message(user_id, chat_id, self._media_content(rec), reply_to)

    async def send_sticker(self, user_id: int, *, chat_id: int | None = None) -> dict:
        rec = self._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 fake", width=512,
                               height=512)
        return await self._user_message(user_id, chat_id, self._media_content(rec), None)

    async def send_location(self, user_id: int, lat: float = -6.2, lon: float = 106.8, *,
                            chat_id: int | None = None) -> dict:
        content = {"location": {"latitude": lat, "longitude": lon}}
        return await self._user_message(user_id, chat_id, content, None)

    async def send_big_document(self, user_id: int, size: int, file_name: str = "big.pdf", *,
                                chat_id: int | None = None) -> dict:
        rec = self._store_file("document", None, size=size, file_name=file_name,
                               mime_type="application/pdf")
        return await self._user_message(user_id, chat_id, {"document": self._file_json(rec)},
                                        None)

    async def press(self, user_id: int, message: dict, data: str) -> dict:
        """The user taps an inline button (as currently displayed) on a bot message."""
        user = self._user(user_id)
        chat = self._chats[message["chat"]["id"]]
        stored = chat.messages.get(message["message_id"])
        assert stored and not stored.deleted, "that message is gone; nothing to press"
        assert stored.sender == self.bot_id, "only bot messages carry inline keyboards"
        datas = [b.get("callback_data") for row in
                 stored.data.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        assert data in datas, f"no button with callback_data {data!r}; buttons have {datas}"
        assert chat.type == "private" or chat.members.get(user_id) in (
            "member", "administrator", "creator"), f"user {user_id} is not in chat {chat.id}"
        query = {"id": str(secrets.randbits(63)), "from": user.to_dict(),
                 "message": copy.deepcopy(stored.data),
                 "chat_instance": str(abs(hash((chat.id, "ci"))) % 10**18), "data": data}
        self._callbacks[query["id"]] = {"at": self.now(), "answered": False}
        if chat.type == "private":
            self._blocked.discard(user_id)
        await self._emit("callback_query", query)
        return query

    async def inject_raw_update(self, update: dict) -> None:
        """Queue/POST an update as-is (a reused update_id simulates Telegram redelivering)."""
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        await self._dispatch({"update": copy.deepcopy(update), "delivered": False,
                              "redelivery": True})

    # ---------------------------------------------------------------- inspection
    def messages(self, chat_id: int, *, thread_id: Any = ...) -> list[dict]:
        """Snapshots of the chat's visible messages (edits applied, deleted ones left out)."""
        chat = self._chats.get(chat_id)
        return [] if chat is None else [
            copy.deepcopy(m.data) for m in chat.messages.values() if not m.deleted
            and (thread_id is ... or m.data.get("message_thread_id") == thread_id)]

    def bot_messages(self, chat_id: int, thread_id: Any = ...) -> list[dict]:
        """The bot's content messages (service messages such as topic creation excluded)."""
        chat = self._chats.get(chat_id)
        return [d for d in self.messages(chat_id, thread_id=thread_id) if chat and
                chat.messages[d["message_id"]].sender == self.bot_id and
                not chat.messages[d["message_id"]].service]

    def last_bot_message(self, chat_id: int) -> dict:
        msgs = self.bot_messages(chat_id)
        assert msgs, f"the bot has sent nothing (still visible) to chat {chat_id}"
        return msgs[-1]

    def topics(self, chat_id: int) -> dict[int, str]:
        return {tid: t.name for tid, t in self._group(chat_id).topics.items() if not t.deleted}

    def reply_keyboard(self, chat_id: int) -> dict | None:
        """The reply keyboard / force_reply last sent to the chat (None after removal)."""
        return self._chats[chat_id].reply_keyboard

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def describe_calls(self, n: int = 8) -> str:
        return "\n".join(f"  {c.method} -> {c.status} {c.description}".rstrip()
                         for c in self.calls[-n:]) or "  (no calls)"

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; last calls:\n"
                                   f"{self.describe_calls()}\nrejected: "
                                   f"{[(c.method, c.description) for c in self.rejected]}")
            await asyncio.sleep(0.01)

    async def wait_bot_message(self, chat_id: int, *, contains: str | None = None,
                               after: int = 0, timeout: float = 10.0,
                               thread_id: Any = ...) -> dict:
        def find() -> dict | None:
            for m in self.bot_messages(chat_id, thread_id):
                body = m.get("text") or m.get("caption") or ""
                if m["message_id"] > after and (contains is None or contains in body):
                    return m
            return None

        return await self.wait_for(find, timeout)

    # ---------------------------------------------------------------- faults
    FAULT_KINDS = ("429", "502", "401", "404", "404html", "200html")

    def inject_faults(self, rate: float, *, retry_after: int = 1, kinds: Iterable[str] = ("429",
                      "502"), seed: int = 0, methods: set[str] | None = None) -> None:
        """Answer a share (``rate``, 1.0 = every call) of the calls with a fault instead of
        carrying them out: "429" (Telegram's flood answer), "502" (an HTML page from a proxy),
        "401" / "404" (Telegram's own JSON answers for a revoked token / an unknown endpoint),
        "404html" (a proxy's HTML 404), "200html" (a 200 that is not JSON: a captive portal or a
        broken proxy). getUpdates and getMe are spared unless named in ``methods``."""
        kinds = tuple(kinds)
        assert set(kinds) <= set(self.FAULT_KINDS), kinds
        self._faults = {"rate": rate, "retry_after": retry_after, "kinds": kinds,
                        "rng": random.Random(seed), "methods": methods}

    def clear_faults(self) -> None:
        self._faults = None

    def garble_answers(self, method: str, times: int = 1, *, chat_id: int | None = None) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) are carried out (the
        message is sent), but the answer has a field python-telegram-bot cannot parse."""
        self._garbled[method] = (times, chat_id)

    def slow(self, method: str, seconds: float) -> None:
        """``method`` is carried out at once and answered ``seconds`` later (0: at once)."""
        self._slow[method] = seconds

    def _fault_for(self, method: str) -> tuple[int, str, str] | None:
        """(status, content type, body) of an injected fault for this call, or None."""
        f = self._faults
        if not f or (f["methods"] is None and method in ("getUpdates", "getMe")):
            return None
        if f["methods"] is not None and method not in f["methods"]:
            return None
        if f["rng"].random() >= f["rate"]:
            return None
        kind = f["rng"].choice(f["kinds"])
        if kind == "429":
            return 429, "application/json", json.dumps(too_many(f["retry_after"]).body())
        if kind in ("401", "404"):
            description = "Unauthorized" if kind == "401" else "Not Found"
            return int(kind), "application/json", json.dumps(ApiError(int(kind),
                                                                      description).body())
        if kind == "404html":
            return 404, "text/html", "<html><body><h1>404 Not Found</h1>nginx</body></html>"
        if kind == "200html":
            return 200, "text/html", "<html><body>Please log in to continue.</body></html>"
        return 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"

    def _garble(self, method: str, result: Any) -> Any:
        left, chat_id = self._garbled.get(method, (0, None))
        if not left or not isinstance(result, dict) or chat_id not in (None, result.get(
                "chat", {}).get("id")):
            return result
        self._garbled[method] = (left - 1, chat_id)
        return {**result, "date": "soon"}  # a Message whose date python-telegram-bot rejects

    # ---------------------------------------------------------------- polling faults
    _get_updates_fault: str | None = None

    def break_get_updates(self, kind: str | None) -> None:
        """From now on getUpdates answers "404" (Telegram's JSON "Not Found", what a wrong token
        or a proxy's missing route gives), "html" (status 200 with an HTML page, a captive proxy
        or an incident page), or normally again (None). Counted in ``calls``, not ``rejected``."""
        assert kind in (None, "404", "html"), kind
        self._get_updates_fault = kind

    def pending_update_ids(self) -> list[int]:
        """Updates Telegram still holds for the bot (not yet confirmed by a getUpdates offset)."""
        return [e["update"]["update_id"] for e in self._queue]

    @web.middleware
    async def _broken_get_updates(self, request: web.Request, handler: Any) -> web.StreamResponse:
        kind = self._get_updates_fault
        if kind is None or request.match_info.get("method", "").lower() != "getupdates":
            return await handler(request)
        if kind == "404":
            body: Any = {"ok": False, "error_code": 404, "description": "Not Found"}
            response = web.json_response(body, status=404)
        else:
            body = {"html": True}
            response = web.Response(status=200, content_type="text/html", text=(
                "<html><head><title>Sedang dalam perbaikan</title></head>"
                "<body><h1>Maintenance</h1></body></html>"))
        self.calls.append(Call("getUpdates", {}, response.status, body, self.now()))
        await asyncio.sleep(0.05)  # a proxy answers fast, but not in zero time
        return response

    async def press_inline(self, user_id: int, data: str) -> dict:
        """The user taps a button on a message sent in inline mode (through the bot, in some
        other chat): the callback query has ``inline_message_id`` and no message or chat."""
        query = {"id": str(secrets.randbits(63)), "from": self._user(user_id).to_dict(),
                 "inline_message_id": secrets.token_urlsafe(18),
                 "chat_instance": str(secrets.randbits(60)), "data": data}
        self._callbacks[query["id"]] = {"at": self.now(), "answered": False}
        await self._emit("callback_query", query)
        return query

    # ---------------------------------------------------------------- chat_member updates
    def _current_member(self, chat_id: int, user_id: int) -> dict:
        return self._api_getChatMember(_Params.normalize({"chat_id": chat_id, "user_id": user_id}), {})

    def _member_changed(self, chat_id: int, user_id: int, before: dict) -> None:
        """Telegram tells an administrator bot about other members' changes with a chat_member
        update (delivered only when asked for in allowed_updates); the bot's own change is a
        my_chat_member update, which tests inject themselves."""
        chat = self._group(chat_id)
        after = self._current_member(chat_id, user_id)
        if before["status"] == after["status"]:
            return
        performer = self._users[user_id].to_dict() if user_id in self._users else after["user"]
        change = {"chat": chat.json(), "from": performer, "date": int(self.now()),
                  "old_chat_member": before, "new_chat_member": after}
        update = {"update_id": self._next_update_id, "chat_member": change}
        self._next_update_id += 1
        self._queue.append({"update": update, "delivered": False, "redelivery": False})
        if not self.webhook_url:
            self._notify()
            return
        task = asyncio.get_running_loop().create_task(self.flush_webhook())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---------------------------------------------------------------- HTTP plumbing
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        name = self._handlers_lc.get(method.lower())
        params: dict = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        try:
            params, files = await self._read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if name is None:
                raise ApiError(404, "Not Found")
            if (fault := self._fault_for(name)) is not None:
                status, content_type, text = fault
                body = json.loads(text) if content_type == "application/json" else {"ok": False}
                self.calls.append(Call(name, self._public(params, files), status, body,
                                       self.now()))
                return web.Response(status=status, content_type=content_type, text=text)
            result = self._handlers[name](_Params.normalize(params), files)
            if inspect.isawaitable(result):
                result = await result
            status, body = 200, {"ok": True, "result": self._garble(name, result)}
            if self._slow.get(name):
                await asyncio.sleep(self._slow[name])
        except ApiError as e:
            status, body = e.status, e.body()
        call = Call(name or method, self._public(params, files), status, body, self.now())
        self.calls.append(call)
        abandoned = request.transport is None or request.transport.is_closing()
        if status >= 400 and not abandoned:
            self.rejected.append(call)
        return web.Response(status=status, content_type="application/json",
                            text=json.dumps(body, ensure_ascii=False))

    async def _read_params(self, request: web.Request) -> tuple[dict, dict]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad("can't parse JSON encoded request parameters") from None
                if not isinstance(body, dict):
                    raise bad("can't parse JSON encoded request parameters")
                params.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.file.read(), value.content_type)
                    else:
                        params[key] = value
        return params, files

    @staticmethod
    def _public(params: dict, files: dict) -> dict:
        out = dict(_Params.normalize(params))
        for key, (fname, data, _) in files.items():
            out[key] = f"<upload {fname} {len(data)} bytes>"
        return out

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        rec = next((f for f in self._files.values() if f.path == path), None)
        if (request.match_info["token"] != self.token or rec is None or not rec.issued
                or rec.data is None):
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.Response(body=rec.data, content_type="application/octet-stream")

    # ---------------------------------------------------------------- update delivery
    def _notify(self) -> None:
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    async def _emit(self, kind: str, obj: dict) -> None:
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(obj)}
        self._next_update_id += 1
        await self._dispatch({"update": update, "delivered": False, "redelivery": False})

    async def _dispatch(self, entry: dict) -> None:
        self._queue.append(entry)
        if self.webhook_url:
            await self.flush_webhook()
        else:
            self._notify()

    async def flush_webhook(self) -> None:
        """POST pending updates to the webhook in order; stops at one refused 4 times."""
        async with self._webhook_lock:
            while self._queue and self.webhook_url and self._session:
                entry = self._queue[0]
                if not await self._post_webhook(entry["update"]):
                    return
                self._queue.pop(0)

    async def _post_webhook(self, update: dict) -> bool:
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        assert self._session and self.webhook_url
        for attempt in range(4):
            try:
                async with self._session.post(self.webhook_url, data=json.dumps(update),
                                              headers=headers) as resp:
                    if 200 <= resp.status < 300:
                        return True
                    self.webhook_last_error = (f"Wrong response from the webhook: "
                                               f"{resp.status} {resp.reason}")
            except (ClientError, TimeoutError) as e:
                self.webhook_last_error = f"Connection failed: {e!r}"
            if attempt < 3:
                await asyncio.sleep(self.webhook_retry_delay * 2**attempt)
        return False

    def _collect(self, limit: int) -> list[dict]:
        out = []
        for entry in list(self._queue):
            kind = next(k for k in entry["update"] if k != "update_id")
            if kind not in self._allowed and not entry["redelivery"]:
                self._queue.remove(entry)
                continue
            entry["delivered"] = True
            out.append(entry["update"])
            if len(out) >= limit:
                break
        return out

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._queue = self._queue[offset:]
            return
        self._queue = [e for e in self._queue if e["update"]["update_id"] >= offset
                       or (e["redelivery"] and not e["delivered"])]

    # ---------------------------------------------------------------- shared checks
    def _user(self, user_id: int) -> User:
        assert user_id in self._users, f"unknown user {user_id}; call add_user() first"
        return self._users[user_id]

    def _group(self, chat_id: int) -> _Chat:
        assert chat_id in self._chats and chat_id < 0, f"unknown group {chat_id}"
        return self._chats[chat_id]

    def _bot_admin(self, chat: _Chat) -> bool:
        return chat.type == "private" or chat.members.get(self.bot_id) in ("administrator",
                                                                           "creator")

    def _chat(self, p: _Params, key: str = "chat_id", *, sending: bool = True) -> _Chat:
        """Resolve chat_id and check the bot may act there, exactly like Telegram."""
        raw = p.get(key)
        if raw is None or raw == "":
            raise bad(f"{key} is empty")
        if isinstance(raw, str) and not re.fullmatch(r"-?\d+", raw):
            raise bad("chat not found")
        cid = int(raw)
        if cid in self._migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._migrated[cid]})
        if cid in self._deleted:
            raise bad("chat not found")
        if cid in self._users:
            if cid in self._blocked and sending:
                raise forbidden("bot was blocked by the user")
            if cid not in self._chats:
                raise forbidden("bot can't initiate conversation with a user")
            return self._chats[cid]
        chat = self._chats.get(cid)
        if chat is None or chat.type == "private":
            raise bad("chat not found")
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        status = chat.members.get(self.bot_id)
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if status not in ("member", "administrator", "creator"):
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def _thread(self, chat: _Chat, p: _Params) -> int | None:
        tid = p.get_int("message_thread_id")
        if tid is None:
            return None
        topic = chat.topics.get(tid)
        if topic is None or topic.deleted:
            raise bad("message thread not found")
        if topic.closed and not self._bot_admin(chat):
            raise bad("TOPIC_CLOSED")
        return tid

    def _format(self, p: _Params, key: str, limit: int) -> tuple[str, list[dict]]:
        """Parse text/caption with parse_mode (or take explicit entities) and check length."""
        raw = p.get_str(key) or ""
        ents_key = "entities" if key == "text" else "caption_entities"
        explicit = p.get_json(ents_key, list, err=f"can't parse {ents_key} JSON object")
        mode = (p.get_str("parse_mode") or "").lower()
        if explicit is not None:
            text, ents = raw, explicit
        elif mode in _PARSERS:
            text, ents = _PARSERS[mode](raw)
        elif mode:
            raise bad(f"unsupported parse_mode {p.get_str('parse_mode')!r}")
        else:
            text, ents = raw, []
        if key == "text" and not text.strip():
            raise bad("message text is empty")
        if len(text) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        return text, ents

    def _markup(self, p: _Params, *, inline_only: bool = False) -> tuple[dict | None, Any]:
        """Validate reply_markup -> (inline markup to store on the message, reply keyboard)."""
        err = "can't parse reply keyboard markup JSON object"
        raw = p.get_json("reply_markup", dict, err=err)
        if raw is None:
            return None, None
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad("can't parse inline keyboard button: InlineKeyboardMarkup must be an "
                          "Array of Arrays")
            if sum(len(r) for r in rows) > 100:
                raise bad("reply markup is too long")
            for btn in (b for r in rows for b in r):
                self._check_button(btn)
            return {"inline_keyboard": rows}, None
        if inline_only:
            raise bad("inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad(err)
            for btn in (b for r in rows for b in r):
                text = btn if isinstance(btn, str) else (btn or {}).get("text")
                if not isinstance(text, str) or not text.strip():
                    raise bad("keyboard button text must be non-empty")
            return None, raw
        if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
            return None, raw
        raise bad(err)

    @staticmethod
    def _check_button(btn: Any) -> None:
        if not isinstance(btn, dict) or not isinstance(btn.get("text"), str):
            raise bad("can't parse inline keyboard button: Field \"text\" must be of type String")
        if not btn["text"].strip():
            raise bad("BUTTON_TEXT_INVALID")
        actions = [k for k in ("url", "callback_data", "web_app", "login_url", "pay",
                               "switch_inline_query", "switch_inline_query_current_chat",
                               "switch_inline_query_chosen_chat", "copy_text", "callback_game")
                   if k in btn]
        if not actions:
            raise bad("text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad("can't parse inline keyboard button: exactly one of the optional fields "
                      "must be used")
        data = btn.get("callback_data")
        if "callback_data" in btn and (not isinstance(data, str) or
                                       not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA):
            raise bad("BUTTON_DATA_INVALID")
        if "url" in btn:
            u = urlsplit(str(btn["url"]))
            if u.scheme not in ("http", "https", "tg") or (u.scheme != "tg" and not u.netloc):
                raise bad(f"inline keyboard button URL '{btn['url']}' is invalid: Wrong HTTP URL")

    def _reply(self, chat: _Chat, p: _Params, thread: int | None) -> tuple[dict | None, Any]:
        """Resolve reply_parameters -> (replied message snapshot, thread it lives in)."""
        rp = p.get_json("reply_parameters", dict)
        if rp is None and p.get("reply_to_message_id") is not None:
            rp = {"message_id": p.get_int("reply_to_message_id"),
                  "allow_sending_without_reply": p.get_bool("allow_sending_without_reply")}
        if not rp:
            return None, thread
        target = chat.messages.get(rp.get("message_id"))
        if target is None or target.deleted:
            if rp.get("allow_sending_without_reply"):
                return None, thread
            raise bad("message to be replied not found")
        snapshot = {k: v for k, v in target.data.items() if k != "reply_to_message"}
        return snapshot, thread or target.data.get("message_thread_id")

    def _check_rate(self, chat: _Chat) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.now()
        sends = self._sends_global
        while sends and sends[0] <= now - 1:
            sends.popleft()
        if len(sends) >= self.global_per_second:
            raise too_many(max(1, math.ceil(sends[0] + 1 - now)))
        if chat.type != "private":
            per = self._sends_chat.setdefault(chat.id, deque())
            while per and per[0] <= now - 60:
                per.popleft()
            if len(per) >= self.per_group_per_minute:
                raise too_many(max(1, math.ceil(per[0] + 60 - now)))

    def _count_send(self, chat: _Chat) -> None:
        self._sends_global.append(self.now())
        if chat.type != "private":
            self._sends_chat.setdefault(chat.id, deque()).append(self.now())

    # ---------------------------------------------------------------- storing messages
    def _store(self, chat: _Chat, sender: int, content: dict, *, thread: int | None = None,
               reply: dict | None = None, service: bool = False) -> dict:
        mid = chat.last_id = chat.last_id + 1
        who = self._bot_json() if sender == self.bot_id else self._users[sender].to_dict() \
            if sender in self._users else None
        msg: dict[str, Any] = {"message_id": mid, **({"from": who} if who else {}),
                               "chat": chat.json(), "date": int(self.now())}
        if thread is not None:
            msg["message_thread_id"], msg["is_topic_message"] = thread, True
            if reply is None and thread in chat.messages and thread != mid:
                head = chat.messages[thread].data  # Telegram quirk: topic messages "reply"
                reply = {k: v for k, v in head.items() if k != "reply_to_message"}
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update(content)
        chat.messages[mid] = _Stored(msg, sender, self.now(), service=service)
        return msg

    def _bot_json(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Peluit Test",
                "username": self.bot_username}

    def _send(self, p: _Params, content_fn: Callable[[_Chat], dict]) -> dict:
        """The common sendX pipeline: access, thread, markup, reply, flood, store."""
        chat = self._chat(p)
        thread = self._thread(chat, p)
        content = content_fn(chat)
        inline, keyboard = self._markup(p)
        reply, thread = self._reply(chat, p, thread)
        self._check_rate(chat)
        if inline:
            content["reply_markup"] = inline
        if p.get_bool("protect_content"):
            content["has_protected_content"] = True
        msg = self._store(chat, self.bot_id, content, thread=thread, reply=reply)
        if keyboard is not None:
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        self._count_send(chat)
        return copy.deepcopy(msg)

    async def _user_message(self, user_id: int, chat_id: int | None, content: dict,
                            reply_to: int | None, thread_id: int | None = None) -> dict:
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:  # private chat; writing also unblocks
            chat = self._chats.setdefault(user_id, _Chat(user_id, "private", user=user))
            self._blocked.discard(user_id)
        else:
            chat = self._group(chat_id)
            assert chat.members.get(user_id) in ("member", "administrator", "creator"), \
                f"user {user_id} is not a member of {chat_id}"
        reply = thread = None
        if thread_id is not None:
            assert thread_id in chat.topics and not chat.topics[thread_id].deleted, \
                f"no topic {thread_id} in {chat.id}"
            thread = thread_id
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            assert target and not target.deleted, f"no message {reply_to} to reply to"
            reply = {k: v for k, v in target.data.items() if k != "reply_to_message"}
            thread = thread or target.data.get("message_thread_id")
        msg = self._store(chat, user_id, content, thread=thread, reply=reply)
        if self._bot_sees(chat, msg, reply_to):
            await self._emit("message", msg)
        return copy.deepcopy(msg)

    def _bot_sees(self, chat: _Chat, msg: dict, reply_to: int | None) -> bool:
        if chat.type == "private":
            return True
        if chat.members.get(self.bot_id) not in ("member", "administrator", "creator"):
            return False
        if not self.privacy_mode or self._bot_admin(chat):
            return True
        text = msg.get("text") or msg.get("caption") or ""
        cmd = re.match(r"/\w+(@\w+)?", text)
        replied = reply_to is not None and chat.messages[reply_to].sender == self.bot_id
        return bool(replied or f"@{self.bot_username}" in text or
                    (cmd and cmd.group(1) in (None, f"@{self.bot_username}")))

    # ---------------------------------------------------------------- files
    def _store_file(self, kind: str, data: bytes | None, *, size: int | None = None,
                    strict_image: bool = True, thumbnail: bool = False, **meta: Any) -> _File:
        self._file_seq += 1
        n = self._file_seq
        folder, ext = _FILE_DIRS[kind]
        if meta.get("file_name") and "." in meta["file_name"]:
            ext = meta["file_name"].rsplit(".", 1)[1]
        rec = _File(f"{kind[:2].upper()}AgAD{n:05d}{secrets.token_hex(6)}", f"AQAD{n:06d}",
                    kind, len(data) if data is not None else size or 0, data,
                    f"{folder}/file_{n}.{ext}", {k: v for k, v in meta.items() if v is not None})
        self._files[rec.file_id] = rec
        if kind == "photo" and not thumbnail:
            rec.sizes = self._photo_sizes(rec, strict_image)
        return rec

    def _photo_sizes(self, rec: _File, strict: bool) -> list[dict]:
        try:
            with Image.open(io.BytesIO(rec.data or b"")) as im:
                w, h = im.size
                thumb = im.convert("RGB")
                thumb.thumbnail((90, 90))
                buf = io.BytesIO()
                thumb.save(buf, "JPEG")
        except Exception:
            if strict:
                raise bad("IMAGE_PROCESS_FAILED") from None
            w, h, buf = 1280, 960, None
        if w + h > 10000 or max(w, h) > 20 * min(w, h):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        big = {"file_id": rec.file_id, "file_unique_id": rec.unique_id, "file_size": rec.size,
               "width": w, "height": h}
        if buf is None or max(w, h) <= 90:
            return [big]
        small = self._store_file("photo", buf.getvalue(), thumbnail=True)
        small.sizes = sizes = [{"file_id": small.file_id, "file_unique_id": small.unique_id,
                                "file_size": small.size, "width": thumb.width,
                                "height": thumb.height}, big]
        return sizes

    @staticmethod
    def _file_json(rec: _File) -> dict:
        d = {"file_id": rec.file_id, "file_unique_id": rec.unique_id, "file_size": rec.size}
        m, k = rec.meta, rec.kind
        keys = {"document": ("file_name", "mime_type"),
                "video": ("width", "height", "duration", "file_name", "mime_type"),
                "animation": ("width", "height", "duration", "file_name", "mime_type"),
                "voice": ("duration", "mime_type"),
                "audio": ("duration", "file_name", "mime_type", "title", "performer"),
                "video_note": ("duration",), "sticker": ("width", "height")}[k]
        required = {"duration": 0, "width": 320, "height": 320}  # PTB requires these fields
        d.update({key: m.get(key, required.get(key)) for key in keys
                  if key in m or key in required})
        if k == "video_note":
            d["length"] = m.get("width", 240)
        if k == "sticker":
            d.update(type="regular", is_animated=False, is_video=False, emoji="🙂")
        return d

    def _media_content(self, rec: _File) -> dict:
        if rec.kind == "photo":
            return {"photo": copy.deepcopy(rec.sizes)}
        j = self._file_json(rec)
        return {"animation": j, "document": j} if rec.kind == "animation" else {rec.kind: j}

    def _input_file(self, p: _Params, files: dict, key: str, method: str) -> _File:
        """An uploaded part, an attach:// reference, or an existing file_id of the same kind."""
        value = p.get(key)
        part = files.get(key)
        if part is None and isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://"):])
            if part is None:
                raise bad(f"file of the media {key} not found in the request")
        if part is not None:
            fname, data, mime = part
            if not data:
                raise bad("file must be non-empty")
            if len(data) > (MAX_PHOTO if key == "photo" else MAX_UPLOAD):
                raise ApiError(413, "Request Entity Too Large")
            self.uploaded_files.append((method, data))
            meta = {"file_name": fname, "mime_type": mime or _DEFAULT_MIME.get(key)}
            for k in ("duration", "width", "height", "title", "performer"):
                if p.get(k) is not None:
                    meta[k] = p.get(k)
            if key in ("video", "animation", "video_note"):
                meta.setdefault("width", p.get_int("length") or 320)
                meta.setdefault("height", 320)
            return self._store_file(key, data, **({} if key == "photo" else meta))
        if not value:
            raise bad(f"there is no {key} in the request")
        if re.match(r"https?://", str(value)):
            raise bad("failed to get HTTP URL content")
        rec = self._files.get(str(value))
        if rec is None:
            raise bad("wrong file identifier/HTTP URL specified")
        if rec.kind != key:
            names = {k: k.title().replace("_", "") for k in MEDIA_KINDS}
            raise bad(f"can't use file of type {names[rec.kind]} as {names[key]}")
        return rec

    # ---------------------------------------------------------------- misc internals
    def _create_topic(self, chat: _Chat, name: str, color: int, sender: int) -> int:
        content = {"forum_topic_created": {"name": name, "icon_color": color}}
        msg = self._store(chat, sender, content, service=True)
        tid = msg["message_id"]
        msg["message_thread_id"], msg["is_topic_message"] = tid, True
        chat.topics[tid] = _Topic(name, color)
        return tid

    def _message(self, chat: _Chat, p: _Params, missing: str) -> _Stored:
        stored = chat.messages.get(p.get_int("message_id", required=True))
        if stored is None or stored.deleted:
            raise bad(missing)
        return stored

    def _topic(self, chat: _Chat, p: _Params, action: str) -> _Topic:
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_admin(chat):
            raise bad(f"not enough rights to {action} a topic")
        topic = chat.topics.get(p.get_int("message_thread_id", required=True))
        if topic is None or topic.deleted:
            raise bad("message thread not found")
        return topic

    # ============================================================================================
    # Bot API methods (named _api_<method>; each gets normalized params and uploaded files)
    # ============================================================================================

    def _api_getMe(self, p: _Params, files: dict) -> dict:
        return {**self._bot_json(), "can_join_groups": True,
                "can_read_all_group_messages": not self.privacy_mode,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _api_getUpdates(self, p: _Params, files: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self._poll_gen += 1
        gen = self._poll_gen
        self._notify()  # an older long poll (if any) now ends with 409
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_int("timeout") or 0, 0)
        allowed = p.get_json("allowed_updates", list)
        if allowed is not None:
            self._allowed = set(allowed) or set(DEFAULT_UPDATES)
        self._confirm(p.get_int("offset"))
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if gen != self._poll_gen:
                raise ApiError(409, CONFLICT_POLL)
            if self.webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            updates = self._collect(limit)
            remaining = deadline - asyncio.get_running_loop().time()
            if updates or remaining <= 0 or self._closing:
                return copy.deepcopy(updates)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)

    async def _api_setWebhook(self, p: _Params, files: dict) -> bool:
        url = p.get_str("url") or ""
        if not url:
            return self._api_deleteWebhook(p, files)
        u = urlsplit(url)
        local = u.hostname in ("127.0.0.1", "localhost", "::1")
        if not u.netloc or not (u.scheme == "https" or (u.scheme == "http" and local)):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("secret token contains unallowed characters")
        if p.get_bool("drop_pending_updates"):
            self._queue.clear()
        allowed = p.get_json("allowed_updates", list)
        if allowed is not None:
            self._allowed = set(allowed) or set(DEFAULT_UPDATES)
        self.webhook_url, self.webhook_secret = url, secret
        self._notify()
        if self._queue:
            task = asyncio.create_task(self.flush_webhook())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    def _api_deleteWebhook(self, p: _Params, files: dict) -> bool:
        if p.get_bool("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url = self.webhook_secret = None
        return True

    def _api_getWebhookInfo(self, p: _Params, files: dict) -> dict:
        info: dict[str, Any] = {"url": self.webhook_url or "", "has_custom_certificate": False,
                                "pending_update_count": len(self._queue)}
        if self.webhook_url:
            info["max_connections"] = 40
        if self.webhook_last_error:
            info.update(last_error_date=int(self.now()),
                        last_error_message=self.webhook_last_error)
        return info

    @staticmethod
    def _scope_key(p: _Params) -> tuple[str, str]:
        scope = p.get_json("scope", dict) or {"type": "default"}
        kinds = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                 "chat", "chat_administrators", "chat_member")
        if scope.get("type") not in kinds:
            raise bad("unsupported bot command scope type")
        lang = p.get_str("language_code") or ""
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad("invalid language code specified")
        return json.dumps(scope, sort_keys=True), lang

    def _api_setMyCommands(self, p: _Params, files: dict) -> bool:
        commands = p.get_json("commands", list, err="can't parse commands JSON object")
        if commands is None:
            raise bad("commands is empty")
        if len(commands) > 100:
            raise bad("too many commands")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}",
                                                           str(c.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _api_getMyCommands(self, p: _Params, files: dict) -> list[dict]:
        return self.commands.get(self._scope_key(p), [])

    def _api_deleteMyCommands(self, p: _Params, files: dict) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    def _set_description(self, p: _Params, key: str, limit: int) -> bool:
        text, lang = p.get_str(key) or "", p.get_str("language_code") or ""
        if len(text) > limit:
            raise bad(f"{key.replace('_', ' ')} is too long")
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad("invalid language code specified")
        self.descriptions[(key, lang)] = text
        return True

    def _api_setMyDescription(self, p: _Params, files: dict) -> bool:
        return self._set_description(p, "description", 512)

    def _api_setMyShortDescription(self, p: _Params, files: dict) -> bool:
        return self._set_description(p, "short_description", 120)

    def _api_getMyDescription(self, p: _Params, files: dict) -> dict:
        return {"description": self.descriptions.get(("description",
                                                      p.get_str("language_code") or ""), "")}

    def _api_getMyShortDescription(self, p: _Params, files: dict) -> dict:
        key = ("short_description", p.get_str("language_code") or "")
        return {"short_description": self.descriptions.get(key, "")}

    # ---------------------------------------------------------------- sending
    def _api_sendMessage(self, p: _Params, files: dict) -> dict:
        def content(chat: _Chat) -> dict:
            text, ents = self._format(p, "text", MAX_TEXT)
            return {"text": text, **({"entities": ents} if ents else {})}
        return self._send(p, content)

    def _send_file(self, p: _Params, files: dict, kind: str, method: str) -> dict:
        def content(chat: _Chat) -> dict:
            caption, ents = self._format(p, "caption", MAX_CAPTION)
            c = self._media_content(self._input_file(p, files, kind, method))
            if caption:
                c["caption"] = caption
            if ents:
                c["caption_entities"] = ents
            return c
        return self._send(p, content)

    def _api_sendPhoto(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "photo", "sendPhoto")

    def _api_sendDocument(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "document", "sendDocument")

    def _api_sendVideo(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "video", "sendVideo")

    def _api_sendVoice(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "voice", "sendVoice")

    def _api_sendAudio(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "audio", "sendAudio")

    def _api_sendAnimation(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "animation", "sendAnimation")

    def _api_sendVideoNote(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "video_note", "sendVideoNote")

    def _api_sendSticker(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "sticker", "sendSticker")

    def _api_sendLocation(self, p: _Params, files: dict) -> dict:
        lat, lon = p.get("latitude"), p.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float) or \
                not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad("wrong latitude or longitude specified")
        return self._send(p, lambda chat: {"location": {"latitude": lat, "longitude": lon}})

    def _api_sendMediaGroup(self, p: _Params, files: dict) -> list[dict]:
        media = p.get_json("media", list, err="can't parse media JSON object")
        if not media or not 2 <= len(media) <= 10:
            raise bad("wrong number of messages in the media group; must be 2-10")
        kinds = {m.get("type") for m in media if isinstance(m, dict)}
        if not kinds <= {"photo", "video"} and len(kinds) > 1:
            raise bad("documents and audio can't be mixed with other media types")
        chat = self._chat(p)
        self._thread(chat, p)
        group_id, out = str(secrets.randbits(60)), []
        for item in media:
            sub = _Params.normalize({k: v for k, v in p.items() if k != "media"} | item)
            sub[item["type"]] = item.get("media")
            sub.pop("reply_markup", None)

            def content(chat: _Chat, sub: _Params = sub, kind: str = item["type"]) -> dict:
                caption, ents = self._format(sub, "caption", MAX_CAPTION)
                c = self._media_content(self._input_file(sub, files, kind, "sendMediaGroup"))
                c["media_group_id"] = group_id
                if caption:
                    c["caption"] = caption
                if ents:
                    c["caption_entities"] = ents
                return c
            out.append(self._send(sub, content))
        return out

    def _copy_source(self, p: _Params) -> tuple[_Chat, dict]:
        src_chat = self._chat(p, "from_chat_id", sending=False)
        stored = src_chat.messages.get(p.get_int("message_id", required=True))
        if stored is None or stored.deleted:
            raise bad("message to copy not found")
        if stored.service:
            raise bad("message can't be copied")
        if stored.data.get("has_protected_content"):
            raise bad("message has protected content and can't be forwarded")
        keep = ("text", "entities", "caption", "caption_entities", "location", *MEDIA_KINDS)
        return src_chat, {k: copy.deepcopy(v) for k, v in stored.data.items() if k in keep}

    def _api_copyMessage(self, p: _Params, files: dict) -> dict:
        def content(chat: _Chat) -> dict:
            _, c = self._copy_source(p)
            if p.get("caption") is not None and "text" not in c:
                c.pop("caption_entities", None)
                caption, ents = self._format(p, "caption", MAX_CAPTION)
                c.pop("caption", None)
                c.update({"caption": caption} if caption else {})
                c.update({"caption_entities": ents} if ents else {})
            return c
        return {"message_id": self._send(p, content)["message_id"]}

    def _api_forwardMessage(self, p: _Params, files: dict) -> dict:
        def content(chat: _Chat) -> dict:
            src_chat, c = self._copy_source(p)
            src = src_chat.messages[p.get_int("message_id")]
            origin = src.data.get("from") or {"id": 0, "is_bot": False, "first_name": "?"}
            c["forward_origin"] = {"type": "user", "sender_user": origin,
                                   "date": src.data["date"]}
            return c
        return self._send(p, content)

    def _api_sendChatAction(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p)
        self._thread(chat, p)
        if p.get_str("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    # ---------------------------------------------------------------- editing and deleting
    def _editable(self, p: _Params) -> tuple[_Chat, _Stored]:
        if p.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat(p)
        stored = self._message(chat, p, "message to edit not found")
        if stored.sender != self.bot_id or stored.service:
            raise bad("message can't be edited")
        return chat, stored

    def _apply_edit(self, stored: _Stored, changes: dict, markup: dict | None) -> dict:
        data = stored.data
        new = {**{k: v for k, v in data.items() if k not in changes}, **changes}
        new = {k: v for k, v in new.items() if v not in (None, [])}
        if markup:
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        same = all(data.get(k) in (None, []) if v in (None, []) else data.get(k) == v
                   for k, v in changes.items())
        if same and data.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED)
        new["edit_date"] = int(self.now())
        stored.data.clear()
        stored.data.update(new)
        return copy.deepcopy(new)

    def _api_editMessageText(self, p: _Params, files: dict) -> dict:
        _, stored = self._editable(p)
        if "text" not in stored.data:
            raise bad("there is no text in the message to edit")
        text, ents = self._format(p, "text", MAX_TEXT)
        markup, _ = self._markup(p, inline_only=True)
        return self._apply_edit(stored, {"text": text, "entities": ents}, markup)

    def _api_editMessageCaption(self, p: _Params, files: dict) -> dict:
        _, stored = self._editable(p)
        if "text" in stored.data:
            raise bad("there is no caption in the message to edit")
        caption, ents = self._format(p, "caption", MAX_CAPTION)
        markup, _ = self._markup(p, inline_only=True)
        return self._apply_edit(stored, {"caption": caption or None, "caption_entities": ents},
                                markup)

    def _api_editMessageReplyMarkup(self, p: _Params, files: dict) -> dict:
        _, stored = self._editable(p)
        markup, _ = self._markup(p, inline_only=True)
        return self._apply_edit(stored, {}, markup)

    def _deletable(self, chat: _Chat, stored: _Stored | None) -> bool:
        return bool(stored and not stored.deleted and not stored.service
                    and self.now() - stored.sent_at < DELETE_WINDOW
                    and (stored.sender == self.bot_id or self._bot_admin(chat)))

    def _api_deleteMessage(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p, sending=False)
        stored = self._message(chat, p, "message to delete not found")
        if not self._deletable(chat, stored):
            raise bad("message can't be deleted")
        stored.deleted = True
        return True

    def _api_deleteMessages(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p, sending=False)
        ids = p.get_json("message_ids", list, err="can't parse message_ids JSON array")
        if not ids:
            raise bad("message identifiers are not specified")
        if len(ids) > 100:
            raise bad("too many message identifiers specified")
        for mid in ids:  # as documented: messages that can't be found/deleted are skipped
            stored = chat.messages.get(mid)
            if self._deletable(chat, stored):
                stored.deleted = True
        return True

    def _api_answerCallbackQuery(self, p: _Params, files: dict) -> bool:
        qid = p.get_str("callback_query_id") or ""
        q = self._callbacks.get(qid)
        if q is None or q["answered"] or self.now() - q["at"] > CALLBACK_TTL:
            raise bad(QUERY_TOO_OLD)
        if len(p.get_str("text") or "") > MAX_ANSWER_TEXT:
            raise bad("MESSAGE_TOO_LONG")
        q["answered"] = True
        self.callback_answers[qid] = dict(p)
        return True

    # ---------------------------------------------------------------- files
    def _api_getFile(self, p: _Params, files: dict) -> dict:
        rec = self._files.get(p.get_str("file_id") or "")
        if rec is None:
            raise bad("invalid file_id")
        if rec.size > MAX_DOWNLOAD:
            raise bad("file is too big")
        rec.issued = True
        return {"file_id": rec.file_id, "file_unique_id": rec.unique_id, "file_size": rec.size,
                "file_path": rec.path}

    # ---------------------------------------------------------------- forum topics
    async def _api_createForumTopic(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p)
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_admin(chat):
            raise bad("not enough rights to create a topic")
        name = p.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = p.get_int("icon_color") or TOPIC_COLORS[0]
        if color not in TOPIC_COLORS:
            raise bad("TOPIC_ICON_COLOR_INVALID")
        tid = self._create_topic(chat, name, color, self.bot_id)
        await self._emit("message", chat.messages[tid].data)  # before the answer, as Telegram
        return {"message_thread_id": tid, "name": name, "icon_color": color}

    def _api_editForumTopic(self, p: _Params, files: dict) -> bool:
        topic = self._topic(self._chat(p), p, "edit")
        name = p.get_str("name")
        if name is not None and not 1 <= len(name) <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        if name is None or name == topic.name:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.name = name
        return True

    def _set_closed(self, p: _Params, closed: bool) -> bool:
        topic = self._topic(self._chat(p), p, "close" if closed else "reopen")
        if topic.closed == closed:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        return True

    def _api_closeForumTopic(self, p: _Params, files: dict) -> bool:
        return self._set_closed(p, True)

    def _api_reopenForumTopic(self, p: _Params, files: dict) -> bool:
        return self._set_closed(p, False)

    def _api_deleteForumTopic(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p)
        self._topic(chat, p, "delete")
        self.delete_topic(chat.id, p.get_int("message_thread_id"))
        return True

    # ---------------------------------------------------------------- chats and members
    def _api_getChat(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p, sending=False)
        return {**chat.json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _api_getChatMember(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p, sending=False)
        uid = p.get_int("user_id", required=True)
        status = ("member" if uid in (chat.id, self.bot_id) else "left") \
            if chat.type == "private" else chat.members.get(uid, "left")
        return self._member_json(chat, uid, status)

    def _member_json(self, chat: _Chat, uid: int, status: str) -> dict:
        """A ChatMember object, complete for the pinned python-telegram-bot."""
        user = self._bot_json() if uid == self.bot_id else self._users[uid].to_dict() \
            if uid in self._users else {"id": uid, "is_bot": False, "first_name": "Unknown"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            rights = ("can_manage_chat can_delete_messages can_manage_video_chats "
                      "can_restrict_members can_change_info can_invite_users can_post_stories "
                      "can_edit_stories can_delete_stories can_pin_messages can_manage_topics")
            member.update({k: True for k in rights.split()}, can_be_edited=False,
                          is_anonymous=False, can_promote_members=False)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_leaveChat(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p, sending=False)
        if chat.type == "private":
            raise bad("chat member status can't be changed in private chats")
        chat.members[self.bot_id] = "left"
        self.left_chats.add(chat.id)
        return True


@contextlib.asynccontextmanager
async def running_fake_telegram(**kw: Any) -> AsyncIterator[FakeTelegram]:
    """``async with running_fake_telegram() as tg:`` -- started on a free port, stopped after."""
    fake = FakeTelegram(**kw)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
