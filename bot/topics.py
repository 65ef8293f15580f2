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
from telegram.error import TelegramError

from bot.delivery import ANSWER, Later, Permanent, carefully, field
from bot.i18n import label
from bot.render import plain
from flows.bus import MessageBus
from flows.commands import TopicMade, TopicWanted
from flows.delivery_model import Gone, NotYet
from flows.policy import Policy


def topic_name(policy: Policy, number: str, category: str) -> str:
    """A case's topic: its number and category, in the staff language (no content)."""
    lang = policy.staff_language
    return plain(lang, "staff.topic_name", {
        "number": number, "category": label(lang, f"category.{category}", category)})[:128]


class Topics:
    def __init__(self, bot: Bot, bus: MessageBus, policy: Policy, staff_chat_id: int, *,
                 grace: float, pace: Callable[[], Awaitable[None]],
                 queued: Callable[[object], None]) -> None:
        self.bot, self.bus, self.policy, self.staff_chat_id = bot, bus, policy, staff_chat_id
        self.grace, self.pace, self.queued = grace, pace, queued
        self.is_forum: bool | None = None

    def name(self, number: str, category: str) -> str:
        return topic_name(self.policy, number, category)

    async def forum(self) -> bool:
        if self.is_forum is None:
            chat = await carefully(lambda: self.bot.get_chat(self.staff_chat_id))
            self.is_forum = bool(field(chat, "is_forum"))
        return self.is_forum

    async def open(self, case_id: str, *, stale: int | None = None) -> int | None:
        """The case's topic, made if it has none yet (or if `stale`, its topic, is gone)."""
        wanted = (await self.bus.handle(TopicWanted(
            case_id=case_id, stale=stale, forum=await self.forum(), grace=self.grace))).value
        if isinstance(wanted, Gone):
            raise Permanent(wanted.reason)
        if isinstance(wanted, NotYet):
            raise Later(wanted.seconds, wanted.reason)
        if not isinstance(wanted, str):
            return wanted  # type: ignore[no-any-return]
        await self.pace()
        try:
            topic = await carefully(lambda: self.bot.create_forum_topic(self.staff_chat_id, wanted))
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
