"""The outbox sender: delivers what use cases wrote to the outbox, within Telegram's limits.

Per lane (one chat, or one case's reporter, or one case in the staff group) messages leave in
order; different lanes go out concurrently. What a failure means is judged by what Telegram said
(`bot/delivery.py`):

- anything that may pass (network, timeouts, 5xx, 429 with its `retry_after`, 401/404 and pages
  from a proxy) is tried again with a backoff doubling up to `backoff_cap`, for `horizon`;
- Telegram's definite answers are final: for a reporter the message is given up (and staff are
  told when the reporter cannot be reached); for staff it is *parked*, never dropped — when the
  staff group cannot be reached, everything for staff waits for it (`bot/staff_watch.py`);
- an unexpected error (not Telegram's) counts: after `MAX_ERRORS` the message is parked, its lane
  moves on, the log and `/healthz` say so, and it is tried again at the next start;
- what Telegram accepted is recorded as sent even when its answer cannot be read; a deleted case
  topic is made again (`bot/topics.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telegram import Bot

from bot.delivery import (
    ANSWER,
    Later,
    Permanent,
    Refused,
    Retry,
    Unexpected,
    Unreachable,
    backoff,
    judge,
    watch_answers,
)
from bot.health import Health
from bot.posting import Link, Posting
from bot.staff_watch import StaffWatch
from flows.intents import Intent, OpenTopic, Say, SendEvidence, ToReporter, ToStaff, WipeChat
from flows.policy import Policy
from storage.outbox import OutboxItem
from storage.uow import Database, SqlUnitOfWork

log = logging.getLogger("peluit.sender")
MAX_ERRORS = 3
"""Unexpected errors before a message is parked."""
PARKED = "delivery_parked"
"""The problem `/healthz` shows once a message was parked for an error or a refusal."""
PURGE_EVERY = 3600.0


class Sender:
    def __init__(self, bot: Bot, db: Database, policy: Policy, staff_chat_id: int, *,
                 global_per_second: float = 25, group_per_minute: float = 19,
                 lease_seconds: float = 30, max_in_flight: int = 100,
                 health: Health | None = None, horizon: timedelta = timedelta(days=4),
                 backoff_cap: float = 300.0,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.health = health or Health()
        self.bot, self.db, self.policy, self.staff_chat_id = bot, db, policy, staff_chat_id
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        """The schedule clock (backoff, horizon); leases keep the database's (storage/outbox)."""
        self.horizon, self.backoff_cap = horizon, backoff_cap
        self.posting = Posting(bot, db, policy, staff_chat_id, global_per_second=global_per_second,
                               group_per_minute=group_per_minute,
                               topic_grace=max(10.0, 2 * lease_seconds))
        self.topics = self.posting.topics
        self._wake = asyncio.Event()
        self._stopping = False
        self.delivered = 0
        self.lease = timedelta(seconds=lease_seconds)
        self.max_in_flight = max_in_flight
        self._in_flight: dict[asyncio.Task[None], int] = {}
        """Deliveries under way, with their outbox ids (their leases are renewed)."""
        self._finished: list[tuple[int, list[Link]]] = []
        self.watch = StaffWatch(bot, db, staff_chat_id, self.health, clock=lambda: self.clock(),
                                backoff_cap=backoff_cap, on_release=self._staff_back)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def _staff_back(self, forum: bool) -> None:
        self.topics.is_forum = forum
        self.wake()

    async def run(self) -> None:
        """Deliver until stopped. Each lane's head is claimed as soon as it is due and sent at
        once, while other lanes' deliveries are still under way (a message waiting for the
        staff group's pace holds back nothing else); what was delivered is recorded in the
        same transaction as the next claim."""
        watching = asyncio.create_task(self.watch.run(), name="peluit-staff-watch")
        last_recovery = last_purge = -PURGE_EVERY
        try:
            await self._start()
            while not self._stopping:
                self._wake.clear()
                try:
                    if time.monotonic() - last_recovery > self.lease.total_seconds() / 3:
                        purge = time.monotonic() - last_purge > PURGE_EVERY
                        await self._recover(purge=purge)
                        last_recovery = time.monotonic()
                        last_purge = last_recovery if purge else last_purge
                    await self._cycle()
                except Exception as exc:  # keep delivering whatever one cycle did
                    log.error("sender.loop_error type=%s", type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=0.5)
            await self._finish()
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching

    async def _start(self) -> None:
        """At start: messages parked for unexpected errors get another chance (a new version
        may have fixed the cause), and staff-bound messages left waiting look for the group."""
        try:
            async with self.db.uow() as uow:
                requeued = await uow.outbox.release_parked(("error",), self.clock())
                waiting = await uow.outbox.parked_count("staff")
                refused = await uow.outbox.parked_count("refused")
                await uow.commit()
        except Exception as exc:
            log.error("sender.start_error type=%s", type(exc).__name__)
            return
        if requeued:
            log.warning("outbox.requeued count=%d", requeued)
        if refused:
            log.error("outbox.parked why=refused count=%d", refused)
        if waiting:
            self.watch.lost("parked", probe_now=True)

    async def _recover(self, *, purge: bool) -> None:
        async with self.db.uow() as uow:
            under_way = [*self._in_flight.values(), *(i for i, _ in self._finished)]
            await uow.outbox.renew(under_way, self.lease)
            await uow.outbox.recover_expired(self.clock())
            if purge:  # parked messages are kept no longer than the case content itself
                await uow.outbox.purge_parked(self.clock() - self.policy.retention_content)
            await uow.commit()

    async def _cycle(self, claim: bool = True) -> None:
        """Record finished deliveries, claim what is due (room permitting), start sending it."""
        finished, self._finished = self._finished, []
        room = self.max_in_flight - len(self._in_flight) if claim else 0
        try:
            async with self.db.uow() as uow:
                await self._record(uow, finished)
                items = (await uow.outbox.claim(self.clock(), limit=room, lease=self.lease)
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
            # Not even the failure could be recorded (the database?): the lease runs out and
            # the message is tried again.
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

    # ---- one item: deliver it, or decide what its failure means

    async def _deliver(self, item: OutboxItem) -> None:
        watch_answers()  # this task's Bot API answers, for judging a failure
        if item.for_staff and self.watch.down:
            await self._park(item, "staff", self.watch.reason)
            if self.watch.down:
                self.watch.nudge()
            else:  # the group came back while this was being parked
                await self.watch.release()
            return
        try:
            await self._send(item)
        except Exception as exc:
            await self._failed(item, exc)
            return
        self.delivered += 1
        if item.for_staff:
            self.watch.delivered()
        log.info("sender.delivered kind=%s", type(item.intent).__name__)

    async def _failed(self, item: OutboxItem, exc: Exception) -> None:
        if isinstance(exc, Later):
            await self._retry(item, exc.seconds, exc.reason, quiet=True)
            return
        if isinstance(exc, Permanent):
            await self._give_up(item, exc.reason, tell_staff=True)
            return
        verdict = judge(exc, ANSWER.get())
        if isinstance(verdict, Retry):
            if item.created_at is not None and self.clock() - item.created_at > self.horizon:
                await self._past_horizon(item, verdict.reason)
                return
            if verdict.delay is not None and item.for_staff:
                self.posting.staff_pace.pause_until(time.monotonic() + verdict.delay)
            delay = verdict.delay if verdict.delay is not None else backoff(item.attempts,
                                                                            self.backoff_cap)
            await self._retry(item, delay, verdict.reason)
        elif isinstance(verdict, Unreachable):
            if item.for_staff:
                await self._park(item, "staff", verdict.reason)
                self.watch.lost(verdict.reason, migrated_to=verdict.migrated_to)
            else:
                await self._give_up(item, verdict.reason, tell_staff=True)
        elif isinstance(verdict, Refused):
            if item.for_staff:
                await self._park(item, "refused", verdict.reason)
                self._alarm("refused", verdict.reason)
            else:
                await self._give_up(item, verdict.reason, tell_staff=False)
        elif isinstance(verdict, Unexpected):
            await self._unexpected(item, verdict.reason)

    async def _unexpected(self, item: OutboxItem, reason: str) -> None:
        errors = item.errors + 1
        if errors >= MAX_ERRORS:
            self.posting.forget(item.id)
            async with self.db.uow() as uow:
                await uow.outbox.retry(item.id, self.clock(), reason, unexpected=True)
                await uow.outbox.park(item.id, "error", reason)
                await uow.commit()
            self._alarm("error", reason)
            self.wake()
            return
        log.error("sender.delivery_error type=%s errors=%d", reason, errors)
        await self._retry(item, backoff(errors, self.backoff_cap), reason, unexpected=True)

    def _alarm(self, why: str, reason: str) -> None:
        log.error("sender.parked reason=%s why=%s", reason, why)
        self.health.report(PARKED)

    async def _past_horizon(self, item: OutboxItem, reason: str) -> None:
        if item.for_staff:  # never dropped: kept until the staff group answers again
            await self._park(item, "staff", "horizon")
            self.watch.lost("horizon")
            return
        log.error("sender.gave_up reason=horizon last=%s", reason)
        await self._give_up(item, "horizon", tell_staff=True)

    async def _retry(self, item: OutboxItem, delay: float, reason: str, *,
                     unexpected: bool = False, quiet: bool = False) -> None:
        (log.info if quiet else log.warning)("sender.retry reason=%s attempt=%d", reason,
                                             item.attempts)
        async with self.db.uow() as uow:
            await uow.outbox.retry(item.id, self.clock() + timedelta(seconds=delay), reason,
                                   unexpected=unexpected)
            await uow.commit()

    async def _park(self, item: OutboxItem, why: str, reason: str) -> None:
        self.posting.forget(item.id)
        async with self.db.uow() as uow:
            await uow.outbox.park(item.id, why, reason)
            await uow.commit()
        self.wake()

    async def _give_up(self, item: OutboxItem, reason: str, *, tell_staff: bool) -> None:
        log.warning("sender.failed reason=%s", reason)
        self.posting.forget(item.id)
        async with self.db.uow() as uow:
            await uow.outbox.fail(item.id, reason)
            target = item.target
            case = await uow.cases.get(target.case_id) if (
                tell_staff and isinstance(target, ToReporter)) else None
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
            await self.topics.open(intent.case_id)
        elif isinstance(intent, WipeChat):
            await self.posting.wipe(intent)
        links: list[Link] = []
        if isinstance(intent, Say):
            links = await self.posting.say(item.id, intent)
        elif isinstance(intent, SendEvidence):
            links = await self.posting.evidence(intent)
        if links:  # a message of a case: linked at once, so a reply to it finds its case
            async with self.db.uow() as uow:  # what was sent, and that it was: one transaction
                await self._record(uow, [(item.id, links)])
                await uow.commit()
        else:  # recorded with the next claim (`_cycle`): one transaction fewer per message
            self._finished.append((item.id, links))
        self.posting.forget(item.id)


__all__ = ["Intent", "Permanent", "Sender"]
