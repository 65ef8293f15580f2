"""The world the stand-in Bot API serves: people, chats, messages, topics and files, the updates
Telegram holds for the bot, and what the bot has set (commands, webhook).

``BotApiState`` holds it all, with the lookups every part needs. ``server.FakeTelegram`` is this
state plus the mixins that act on it: the Bot API methods (``methods/``), what people do
(``actions``), the injected faults (``faults``) and the test-side views (``inspection``). A mixin may
use another's methods through ``self``; each says in its docstring what it is for.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.botapi.limits import DEFAULT_UPDATES

ADMIN_RIGHTS = ("can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
                "can_change_info can_invite_users can_post_stories can_edit_stories "
                "can_delete_stories can_pin_messages can_manage_topics").split()


class ImpossibleAction(Exception):
    """What a person was asked to do cannot happen in Telegram: they are not in that chat, the
    message or the button is not there, the topic is gone. Raised as a real check, never by
    ``assert``: the sandbox runs this as product code."""


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
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    creator: int = 0


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
    bot_rights: set[str] = field(default_factory=lambda: set(ADMIN_RIGHTS))
    """The administrator rights the bot holds here (while it is an administrator)."""

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


class BotApiState:
    """Everything the stand-in Bot API knows, and the lookups shared by its parts."""

    def __init__(self, token: str, bot_username: str) -> None:
        self.token, self.bot_username = token, bot_username
        self.bot_id = int(token.split(":", 1)[0])
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
        self._clock_offset = 0.0
        self._sends_global: deque[float] = deque()
        self._sends_chat: dict[int, deque[float]] = {}
        self._deleted: set[int] = set()  # deleted accounts
        self._migrated: dict[int, int] = {}  # old group id -> supergroup id
        # injected faults (faults.py)
        self._faults: dict | None = None
        self._garbled: dict[str, tuple[int, int | None]] = {}  # method -> (times, chat)
        self._slow: dict[str, float] = {}  # method -> seconds before answering
        self._get_updates_fault: str | None = None

    def now(self) -> float:
        """The server's clock (wall clock plus whatever advance_clock added)."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        self._clock_offset += seconds

    # ---------------------------------------------------------------- lookups
    def _user(self, user_id: int) -> User:
        if user_id not in self._users:
            raise ImpossibleAction(f"unknown user {user_id}; call add_user() first")
        return self._users[user_id]

    def _group(self, chat_id: int) -> _Chat:
        if chat_id not in self._chats or chat_id >= 0:
            raise ImpossibleAction(f"unknown group {chat_id}")
        return self._chats[chat_id]

    def _bot_admin(self, chat: _Chat) -> bool:
        return chat.type == "private" or chat.members.get(self.bot_id) in ("administrator",
                                                                           "creator")

    def _bot_may(self, chat: _Chat, right: str) -> bool:
        """The bot is an administrator here holding `right` (the creator holds every right)."""
        status = chat.members.get(self.bot_id)
        return status == "creator" or (status == "administrator" and right in chat.bot_rights)

    def _bot_json(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Peluit Test",
                "username": self.bot_username}

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
