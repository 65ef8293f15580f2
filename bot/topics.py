"""One forum topic per case in the staff group: made once, even when the bot dies mid-request.

Before asking Telegram for a topic the sender has the case marked (`TopicWanted`: flows decides
whether a topic is needed and notes the request). If the bot dies while Telegram answers (or the
answer is lost), the topic exists but its id was never recorded. Telegram also announces every new
topic with a `forum_topic_created` service message, which the bot receives as an update from
itself, with the topic's name: `AdoptTopic` matches that name to the case and records the topic
(bot/delivery_updates.py). A retry that finds the mark gives that update a moment (`grace`) to
arrive before it asks for a topic again. This module is the Telegram half: the calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.delivery import ANSWER, Later, Permanent, carefully, field
from bot.i18n import label
from bot.render import plain
from flows.bus import MessageBus
from flows.commands import TopicMade, TopicWanted
from flows.delivery_model import Gone, NotYet
from flows.intents import MarkMoved, ShowTopicStatus
from flows.policy import Policy

MAX_NAME = 128
"""Telegram's limit on a topic's name."""
STATUS_ICONS = {"received": "📝", "verifying": "🔎", "needs_info": "❓", "clarification": "🗣",
                "concluded": "✅", "forwarded": "➡️", "not_actionable": "⛔️"}
"""The emoji that marks each status in a topic's name, and its icon when Telegram offers it
among the topic icons (`getForumTopicIconStickers`)."""


def _bare(emoji: str) -> str:
    return emoji.replace("\ufe0f", "")


def topic_name(policy: Policy, number: str, category: str, status: str = "received") -> str:
    """A case's topic: its number, category and status, in the staff language (no content), at
    most 128 characters (a long category gives way; the status stays readable)."""
    lang = policy.staff_language
    state = f"{STATUS_ICONS.get(status, '')} {plain(lang, f'state.{status}')}".strip()
    category_label = label(lang, f"category.{category}", category)
    name = plain(lang, "staff.topic_name", {
        "number": number, "category": category_label, "status": state})
    if len(name) > MAX_NAME:
        cut = max(1, len(category_label) - (len(name) - MAX_NAME) - 1)
        name = plain(lang, "staff.topic_name", {
            "number": number, "category": category_label[:cut] + "…", "status": state})
    return name[:MAX_NAME]


def _unchanged(exc: BadRequest) -> bool:
    return "topic_not_modified" in exc.message.lower()


class Topics:
    def __init__(self, bot: Bot, bus: MessageBus, policy: Policy, staff_chat_id: int, *,
                 grace: float, pace: Callable[[int], Awaitable[None]],
                 queued: Callable[[object], None]) -> None:
        self.bot, self.bus, self.policy, self.staff_chat_id = bot, bus, policy, staff_chat_id
        self.grace, self.pace, self.queued = grace, pace, queued
        self._forum: dict[int, bool] = {}
        """Whether each staff group is a forum (asked of Telegram once)."""
        self._icons: dict[str, str] | None = None
        """Topic icons by their emoji (asked once; empty when Telegram offers none)."""

    @property
    def is_forum(self) -> bool | None:
        """Whether the main staff group is a forum (None: not asked yet)."""
        return self._forum.get(self.staff_chat_id)

    @is_forum.setter
    def is_forum(self, forum: bool | None) -> None:
        if forum is None:
            self._forum.pop(self.staff_chat_id, None)
        else:
            self._forum[self.staff_chat_id] = forum

    def name(self, number: str, category: str, status: str = "received") -> str:
        return topic_name(self.policy, number, category, status)

    async def icon(self, status: str) -> str | None:
        """The custom emoji id of the status's icon, when Telegram has one for topics."""
        if self._icons is None:
            try:
                stickers = await carefully(self.bot.get_forum_topic_icon_stickers)
            except TelegramError:
                return None  # no icon this time; the name still shows the status
            found = stickers if isinstance(stickers, tuple | list) else ()
            self._icons = {_bare(s.emoji or ""): s.custom_emoji_id for s in found
                           if s.custom_emoji_id}
        return self._icons.get(_bare(STATUS_ICONS.get(status, "")))

    async def show_status(self, intent: ShowTopicStatus, thread_id: int | None,
                          chat_id: int | None = None) -> None:
        """Name the topic by the case's status (and icon), then close or reopen it as asked;
        a change Telegram finds already made (`TOPIC_NOT_MODIFIED`) is done."""
        chat = self.staff_chat_id if chat_id is None else chat_id
        if thread_id is None or not await self.forum(chat):
            return
        changes: dict[str, str] = {"name": self.name(intent.number, intent.category,
                                                     intent.status)}
        if (icon := await self.icon(intent.status)) is not None:
            changes["icon_custom_emoji_id"] = icon
        calls = [lambda: self.bot.edit_forum_topic(chat, thread_id, **changes)]
        if intent.close is True:
            calls.append(lambda: self.bot.close_forum_topic(chat, thread_id))
        elif intent.close is False:
            calls.append(lambda: self.bot.reopen_forum_topic(chat, thread_id))
        for call in calls:
            await self.pace(chat)  # each change posts a service message in the group
            try:
                await carefully(call)
            except BadRequest as exc:
                if not _unchanged(exc):
                    raise

    async def mark_moved(self, intent: MarkMoved, thread_id: int | None,
                         chat_id: int | None = None) -> None:
        """The topic of a case moved to another group: renamed "<number> · dipindahkan" and
        closed (nothing in a group without topics)."""
        chat = self.staff_chat_id if chat_id is None else chat_id
        if thread_id is None or not await self.forum(chat):
            return
        name = f"{intent.number} · {plain(intent.lang, 'staff.topic_moved')}"[:128]
        for call in (lambda: self.bot.edit_forum_topic(chat, thread_id, name=name),
                     lambda: self.bot.close_forum_topic(chat, thread_id)):
            await self.pace(chat)
            try:
                await carefully(call)
            except BadRequest as exc:
                if not _unchanged(exc):
                    raise

    async def forum(self, chat_id: int | None = None) -> bool:
        chat_id = self.staff_chat_id if chat_id is None else chat_id
        if chat_id not in self._forum:
            chat = await carefully(lambda: self.bot.get_chat(chat_id))
            self._forum[chat_id] = bool(field(chat, "is_forum"))
        return self._forum[chat_id]

    async def open(self, case_id: str, *, stale: int | None = None,
                   chat_id: int | None = None) -> int | None:
        """The case's topic in its staff group `chat_id` (None: the main group), made if it has
        none yet (or if `stale`, its topic, is gone)."""
        chat = self.staff_chat_id if chat_id is None else chat_id
        wanted = (await self.bus.handle(TopicWanted(
            case_id=case_id, stale=stale, forum=await self.forum(chat), grace=self.grace))).value
        if isinstance(wanted, Gone):
            raise Permanent(wanted.reason)
        if isinstance(wanted, NotYet):
            raise Later(wanted.seconds, wanted.reason)
        if not isinstance(wanted, str):
            return wanted  # type: ignore[no-any-return]
        await self.pace(chat)
        try:
            topic = await carefully(lambda: self.bot.create_forum_topic(chat, wanted))
        except TelegramError:
            answer = ANSWER.get()
            if answer is not None and answer.status is not None and answer.status >= 400:
                await self.bus.handle(TopicMade(case_id=case_id, thread_id=None))
            raise
        thread_id = field(topic, "message_thread_id")
        if thread_id is None:  # made, id unreadable: its service message will tell
            raise Later(self.grace, "topic_unreadable")
        outcome = await self.bus.handle(TopicMade(case_id=case_id, thread_id=thread_id))
        self.queued(outcome)
        if isinstance(outcome.value, Gone):
            raise Permanent(outcome.value.reason)
        return outcome.value  # type: ignore[no-any-return]
