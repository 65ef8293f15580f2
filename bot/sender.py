"""The outbox sender: delivers what use cases wrote to the outbox, within Telegram's limits.

Per lane (one chat, or one case's reporter) messages leave in order; different lanes go out
concurrently. 429 answers are honoured (`retry_after`), 5xx and timeouts retried with backoff,
permanent failures reported to staff; a deleted case topic is created again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.health import Health
from bot.i18n import label
from bot.render import plain, render_say
from flows.intents import Intent, OpenTopic, Say, SendEvidence, ToChat, ToReporter, ToStaff, WipeChat
from flows.policy import Policy
from storage.outbox import OutboxItem
from storage.repositories import STAFF_CHAT
from storage.uow import Database, SqlUnitOfWork

log = logging.getLogger("peluit.sender")
MAX_ATTEMPTS = 12


class Pace:
    """A minimal-interval pacer: at most one message per `interval` seconds, shared by callers."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    def pause_until(self, at: float) -> None:
        self.next_at = max(self.next_at, at)

    async def wait(self) -> None:
        async with self.lock:
            delay = self.next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.next_at = max(self.next_at, time.monotonic()) + self.interval


@dataclass
class Where:
    chat_id: int
    thread: int | None
    link_key: str | int
    """What the sent message is linked under (never a raw id in storage: it is hashed)."""
    reply_to: int | None = None


@dataclass(frozen=True)
class Link:
    """A sent message that belongs to a case (so replies to it are relayed)."""

    case_id: str
    key: str | int
    message_id: int
    card: bool = False


class Permanent(Exception):
    """Delivery is impossible: give up on this message."""


class Sender:
    def __init__(self, bot: Bot, db: Database, policy: Policy, staff_chat_id: int, *,
                 global_per_second: float = 25, group_per_minute: float = 19,
                 lease_seconds: float = 30, max_in_flight: int = 100,
                 health: Health | None = None) -> None:
        self.health = health or Health()
        self.bot, self.db, self.policy, self.staff_chat_id = bot, db, policy, staff_chat_id
        self.global_pace = Pace(global_per_second)
        self.staff_pace = Pace(group_per_minute / 60)
        self._wake = asyncio.Event()
        self._progress: dict[int, int] = {}
        self._is_forum: bool | None = None
        self._stopping = False
        self.delivered = 0
        self.lease = timedelta(seconds=lease_seconds)
        self.max_in_flight = max_in_flight
        self._in_flight: dict[asyncio.Task[None], int] = {}
        """Deliveries under way, with their outbox ids (their leases are renewed)."""
        self._finished: list[tuple[int, list[Link]]] = []

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped. Each lane's head is claimed as soon as it is due and sent at
        once, while other lanes' deliveries are still under way (a message waiting for the
        staff group's pace holds back nothing else); what was delivered is recorded in the
        same transaction as the next claim."""
        last_recovery = 0.0
        while not self._stopping:
            self._wake.clear()
            try:
                if time.monotonic() - last_recovery > self.lease.total_seconds() / 3:
                    async with self.db.uow() as uow:
                        now = datetime.now(UTC)
                        under_way = [*self._in_flight.values(), *(i for i, _ in self._finished)]
                        await uow.outbox.renew(under_way, now + self.lease)
                        await uow.outbox.recover_expired(now)
                        await uow.commit()
                    last_recovery = time.monotonic()
                await self._cycle()
            except Exception as exc:  # keep delivering whatever one cycle did
                log.error("sender.loop_error type=%s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.5)
        await self._finish()

    async def _cycle(self, claim: bool = True) -> None:
        """Record finished deliveries, claim what is due (room permitting), start sending it."""
        finished, self._finished = self._finished, []
        room = self.max_in_flight - len(self._in_flight) if claim else 0
        try:
            async with self.db.uow() as uow:
                await self._record(uow, finished)
                items = (await uow.outbox.claim(datetime.now(UTC), limit=room, lease=self.lease)
                         if room > 0 else [])
                await uow.commit()
        except BaseException:
            self._finished[:0] = finished  # not recorded: try again next cycle
            raise
        for item in items:
            task = asyncio.create_task(self._deliver(item), name="peluit-delivery")
            self._in_flight[task] = item.id
            task.add_done_callback(self._delivered)

    @staticmethod
    async def _record(uow: SqlUnitOfWork, finished: list[tuple[int, list[Link]]]) -> None:
        for item_id, links in finished:
            for link in links:
                await uow.cases.link_message(link.key, link.message_id, link.case_id)  # type: ignore[arg-type]
                if link.card:
                    await uow.cases.set_card(link.case_id, link.message_id)
            await uow.outbox.done(item_id)

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        if not task.cancelled() and (error := task.exception()) is not None:
            # Not recorded as sent: the lease runs out and the message is tried again.
            log.error("sender.delivery_error type=%s", type(error).__name__)
        self._wake.set()

    async def _finish(self, seconds: float = 10.0) -> None:
        """On stop: let deliveries under way end, and record them (else they go again later)."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=seconds)
        if self._finished:
            try:
                await self._cycle(claim=False)
            except Exception as exc:
                log.warning("sender.unrecorded type=%s", type(exc).__name__)

    # ---- one item

    async def _deliver(self, item: OutboxItem) -> None:
        kind = type(item.intent).__name__
        try:
            await self._send(item)
        except RetryAfter as exc:
            delay = _seconds(exc.retry_after)
            if item.lane.startswith("staff"):
                self.staff_pace.pause_until(time.monotonic() + delay)
            await self._retry(item, delay, "429")
        except (BadRequest, Forbidden, Permanent) as exc:
            await self._permanent(item, exc)
        except NetworkError as exc:  # 5xx, timeouts, connection errors: try again later
            await self._retry(item, min(0.5 * 2 ** (item.attempts - 1), 30), type(exc).__name__)
        except TelegramError as exc:
            await self._permanent(item, exc)
        else:
            self.delivered += 1
            log.info("sender.delivered kind=%s", kind)

    async def _retry(self, item: OutboxItem, delay: float, reason: str) -> None:
        if item.attempts >= MAX_ATTEMPTS:
            await self._permanent(item, Permanent(f"gave up after {reason}"))
            return
        log.warning("sender.retry reason=%s attempt=%d", reason, item.attempts)
        async with self.db.uow() as uow:
            await uow.outbox.retry(item.id, datetime.now(UTC) + timedelta(seconds=delay), reason)
            await uow.commit()

    async def _permanent(self, item: OutboxItem, exc: Exception) -> None:
        reason = type(exc).__name__
        log.warning("sender.failed reason=%s", reason)
        self._progress.pop(item.id, None)
        async with self.db.uow() as uow:
            await uow.outbox.fail(item.id, reason)
            target = item.target
            case_id = target.case_id if isinstance(target, ToReporter) else None
            if case_id and isinstance(exc, Forbidden | Permanent):
                case = await uow.cases.get(case_id)
                if case is not None:
                    await uow.outbox.put([Say(ToStaff(case.id), "staff.reporter_unreachable",
                                              {"number": case.number},
                                              lang=self.policy.staff_language)])
                    await uow.audit.record("system", "relay.undeliverable", case.number)
            await uow.commit()
        self.wake()

    async def _send(self, item: OutboxItem) -> None:
        intent = item.intent
        if isinstance(intent, OpenTopic):
            await self._open_topic(intent.case_id)
        elif isinstance(intent, WipeChat):
            await self._wipe(intent)
        links: list[Link] = []
        if isinstance(intent, Say):
            links = await self._say(item, intent)
        elif isinstance(intent, SendEvidence):
            links = await self._evidence(item, intent)
        if links:  # a message of a case: linked at once, so a reply to it finds its case
            async with self.db.uow() as uow:  # what was sent, and that it was: one transaction
                await self._record(uow, [(item.id, links)])
                await uow.commit()
        else:  # recorded with the next claim (`_cycle`): one transaction fewer per message
            self._finished.append((item.id, links))
        self._progress.pop(item.id, None)

    async def _where(self, target: Any) -> Where:
        """Where a target is now: its chat, topic, and (groups without topics) the card to reply to."""
        if isinstance(target, ToChat):
            return Where(int(target.route), None, target.route)
        if isinstance(target, ToReporter):
            async with self.db.uow() as uow:
                route = await uow.cases.route_of(target.case_id)
            if route is None:
                raise Permanent("no route")
            return Where(int(route), None, route)
        where = Where(self.staff_chat_id, target.thread_id, STAFF_CHAT)
        if target.case_id:
            async with self.db.uow() as uow:
                case = await uow.cases.get(target.case_id)
            if case is not None and case.topic_id:
                where.thread = case.topic_id
            elif case is not None and case.card_message_id:
                where.reply_to = case.card_message_id  # the card is the thread's root
        return where

    async def _paced(self, chat_id: int, call: Callable[[int | None], Awaitable[Any]],
                     thread: int | None, case_id: str | None) -> Any:
        await self.global_pace.wait()
        if chat_id == self.staff_chat_id:
            await self.staff_pace.wait()
        try:
            return await call(thread)
        except BadRequest as exc:
            if thread is None or "thread not found" not in exc.message.lower() or not case_id:
                raise
            thread = await self._open_topic(case_id, recreate=True)
            return await call(thread)

    async def _say(self, item: OutboxItem, say: Say) -> list[Link]:
        where = await self._where(say.to)
        chat_id, thread, link_key = where.chat_id, where.thread, where.link_key
        reply = None if say.card or where.reply_to is None else ReplyParameters(
            where.reply_to, allow_sending_without_reply=True)
        rendered = render_say(say)
        staff = chat_id == self.staff_chat_id
        start = self._progress.get(item.id, 0)
        links: list[Link] = []
        for index, part in enumerate(rendered.texts):
            if index < start:
                continue
            markup = rendered.markup if index == len(rendered.texts) - 1 else None

            async def call(thread_id: int | None, part: str = part, markup: Any = markup) -> Message:
                return await self.bot.send_message(
                    chat_id, part, parse_mode="HTML", reply_markup=markup,
                    message_thread_id=thread_id, protect_content=staff,
                    disable_web_page_preview=True, reply_parameters=reply)

            message = await self._paced(chat_id, call, thread, say.case_id if staff else None)
            self._progress[item.id] = index + 1
            if say.case_id:
                links.append(Link(say.case_id, link_key, message.message_id, say.card and index == 0))
        return links

    async def _evidence(self, item: OutboxItem, intent: SendEvidence) -> list[Link]:
        where = await self._where(intent.to)
        chat_id, thread, link_key = where.chat_id, where.thread, where.link_key
        async with self.db.uow() as uow:
            evidence = await uow.evidence.get(intent.evidence_id)
        if evidence is None:
            raise Permanent("evidence gone")
        staff = chat_id == self.staff_chat_id
        # Never the reporter's own file name ("scan_KTP_Budi.pdf" identifies): a neutral one.
        suffix = Path(evidence.file_name or "").suffix[:10]
        name = f"bukti-{evidence.id[:8]}{suffix}"
        common: dict[str, Any] = {"protect_content": staff}
        if where.reply_to is not None:
            common["reply_parameters"] = ReplyParameters(where.reply_to,
                                                         allow_sending_without_reply=True)
        if evidence.caption:  # the reporter's own words about the file: plain text, no parse mode
            common["caption"] = evidence.caption[:1024]

        async def call(thread_id: int | None) -> Message:
            kw = {**common, "message_thread_id": thread_id}
            data = evidence.data
            if evidence.kind == "photo":
                return await self.bot.send_photo(chat_id, data, **kw)
            if evidence.kind == "video":
                return await self.bot.send_video(chat_id, data, filename=name, **kw)
            if evidence.kind == "voice":
                return await self.bot.send_voice(chat_id, data, filename=name, **kw)
            if evidence.kind == "audio":
                return await self.bot.send_audio(chat_id, data, filename=name, **kw)
            if evidence.kind == "video_note":
                return await self.bot.send_video_note(chat_id, data, **kw)
            return await self.bot.send_document(chat_id, data, filename=name, **kw)

        message = await self._paced(chat_id, call, thread, intent.case_id if staff else None)
        return [Link(intent.case_id, link_key, message.message_id)] if intent.case_id else []

    async def _staff_is_forum(self) -> bool:
        if self._is_forum is None:
            chat = await self.bot.get_chat(self.staff_chat_id)
            self._is_forum = bool(getattr(chat, "is_forum", False))
        return self._is_forum

    async def _open_topic(self, case_id: str, *, recreate: bool = False) -> int | None:
        async with self.db.uow() as uow:
            case = await uow.cases.get(case_id)
        if case is None:
            raise Permanent("case gone")
        if (case.topic_id and not recreate) or not await self._staff_is_forum():
            return case.topic_id
        lang = self.policy.staff_language
        name = plain(lang, "staff.topic_name", {
            "number": case.number, "category": label(lang, f"category.{case.category}", case.category)
        })[:128]
        await self.global_pace.wait()
        await self.staff_pace.wait()
        topic = await self.bot.create_forum_topic(self.staff_chat_id, name)
        async with self.db.uow() as uow:
            await uow.cases.set_topic(case_id, topic.message_thread_id)
            case = await uow.cases.get(case_id)
            assert case is not None
            if recreate:
                await uow.audit.record("system", "topic.recreated", case.number)
                await uow.outbox.put([Say(ToStaff(case.id), "staff.topic_recreated",
                                          {"number": case.number}, lang=lang)])
                from flows.casework import case_card

                await uow.outbox.put([case_card(self.policy, case)])
            await uow.commit()
        log.info("sender.topic_%s", "recreated" if recreate else "opened")
        return topic.message_thread_id

    async def _wipe(self, intent: WipeChat) -> None:
        chat_id = int(intent.to.route)
        ids = list(range(intent.first_message_id, intent.last_message_id + 1))
        for start in range(0, len(ids), 100):
            await self.global_pace.wait()
            with contextlib.suppress(BadRequest):
                await self.bot.delete_messages(chat_id, ids[start:start + 100])


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


__all__ = ["Intent", "Sender"]
