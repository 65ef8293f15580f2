"""One forum topic per case in the staff group: made once, even when the bot dies mid-request.

Before asking Telegram for a topic the sender marks the case (`request_topic`). If the bot dies
while Telegram answers (or the answer is lost), the topic exists but its id was never recorded.
Telegram also announces every new topic with a `forum_topic_created` service message, which the
bot receives as an update from itself, with the topic's name: `adopt` matches that name to the
case and records the topic. A retry that finds the mark gives that update a moment (`grace`) to
arrive before it asks for a topic again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import TelegramError

from bot.delivery import ANSWER, Later, Permanent, carefully, field
from bot.i18n import label
from bot.render import plain
from flows.intents import Say, ToStaff
from flows.model import Case
from flows.policy import Policy
from storage.uow import Database, SqlUnitOfWork

log = logging.getLogger("peluit.sender")


class Topics:
    def __init__(self, bot: Bot, db: Database, policy: Policy, staff_chat_id: int, *,
                 grace: float, pace: Callable[[], Awaitable[None]]) -> None:
        self.bot, self.db, self.policy, self.staff_chat_id = bot, db, policy, staff_chat_id
        self.grace, self.pace = grace, pace
        self.is_forum: bool | None = None

    def name(self, case: Case) -> str:
        lang = self.policy.staff_language
        return plain(lang, "staff.topic_name", {
            "number": case.number,
            "category": label(lang, f"category.{case.category}", case.category)})[:128]

    async def forum(self) -> bool:
        if self.is_forum is None:
            chat = await carefully(lambda: self.bot.get_chat(self.staff_chat_id))
            self.is_forum = bool(field(chat, "is_forum"))
        return self.is_forum

    async def open(self, case_id: str, *, stale: int | None = None) -> int | None:
        """The case's topic, made if it has none yet (or if `stale`, its topic, is gone)."""
        async with self.db.uow() as uow:
            case = await uow.cases.get(case_id)
            asked = await uow.outbox.topic_request_age(case_id)
        if case is None:
            raise Permanent("case gone")
        if (case.topic_id and case.topic_id != stale) or not await self.forum():
            return case.topic_id
        if asked is not None and asked.total_seconds() < self.grace:
            raise Later(self.grace - asked.total_seconds(), "topic_requested")
        async with self.db.uow() as uow:
            await uow.outbox.request_topic(case_id)
            await uow.commit()
        await self.pace()
        try:
            topic = await carefully(lambda: self.bot.create_forum_topic(
                self.staff_chat_id, self.name(case)))
        except TelegramError:
            answer = ANSWER.get()
            if answer is not None and answer.status is not None and answer.status >= 400:
                async with self.db.uow() as uow:  # refused outright: no topic was made
                    await uow.outbox.forget_topic_request(case_id)
                    await uow.commit()
            raise
        if topic.message_thread_id is None:  # made, id unreadable: its service message will tell
            raise Later(self.grace, "topic_unreadable")
        async with self.db.uow() as uow:
            return await self._settle(uow, case_id, topic.message_thread_id, "opened")

    async def adopt(self, uow: SqlUnitOfWork, name: str, thread_id: int) -> bool:
        """Telegram announced a topic the bot made: record it for the case it was made for,
        unless that case's request was settled already. Commits `uow`."""
        number = name.split(" ", 1)[0]
        async with uow:
            case = await uow.cases.by_number(number)
            if case is None or self.name(case) != name:
                return False
            settled = await self._settle(uow, case.id, thread_id, "adopted")
            return settled == thread_id

    async def _settle(self, uow: SqlUnitOfWork, case_id: str, thread_id: int, how: str) -> int | None:
        """Record the topic of an open request (once); a topic that replaces a deleted one gets
        the case card again, with a word why. Returns the case's topic now. Commits."""
        async with uow:
            case = await uow.cases.get(case_id)
            if case is None:
                raise Permanent("case gone")
            if await uow.outbox.settle_topic(case_id, thread_id):
                if case.topic_id and case.topic_id != thread_id:
                    await self._recreated(uow, case)
                    how = "recreated"
                log.info("sender.topic_%s", how)
                current: int | None = thread_id
            else:
                current = case.topic_id
            await uow.commit()
        return current

    async def _recreated(self, uow: SqlUnitOfWork, case: Case) -> None:
        from flows.casework import case_card

        lang = self.policy.staff_language
        await uow.audit.record("system", "topic.recreated", case.number)
        await uow.outbox.put([Say(ToStaff(case.id), "staff.topic_recreated",
                                  {"number": case.number}, lang=lang)])
        await uow.outbox.put([case_card(self.policy, case)])
