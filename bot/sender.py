"""The outbox sender: transport only. Messages are handed to it (leased to this process by the
command that queued them) or claimed from the outbox; it renders and sends them within Telegram's
limits and reports back through the message bus, which decides what a sent message links to and
what a failure means (flows/delivery.py).

Per lane (one chat, or one case's reporter, or one case in the staff group) messages leave in
order; different lanes go out concurrently. What was delivered is recorded in batches (with the
next claim, or shortly after); a message that belongs to a case is recorded at once, so a reply
to it finds its case. The sender touches the database only when there is something to do: a
wake-up (messages queued for claiming), a due time it knows of, or an idle poll for other
replicas' messages (`IDLE_POLL`). Whether the staff group can be reached is watched by
`bot/staff_watch.py`; what Telegram's answer means by `bot/delivery.py` (`judge`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from telegram import Bot

from bot.delivery import ANSWER, judge, watch_answers
from bot.health import Health
from bot.posting import Posting
from bot.staff_watch import StaffWatch
from flows.bus import MessageBus, Outcome
from flows.commands import ClaimDeliveries, Delivered, DeliveryFailed, Locate
from flows.delivery_model import Gone, Handled, Link, NotYet, Queued, Sent, Unreachable, Where
from flows.intents import (
    EditCard,
    EditConfirmation,
    MarkMoved,
    OpenTopic,
    RelayFile,
    Say,
    SendEvidence,
    SendReport,
    ShowTopicStatus,
    ToChat,
    WipeChat,
)
from flows.policy import Policy
from storage.uow import Database

log = logging.getLogger("peluit.sender")
PARKED = "delivery_parked"
"""The problem `/healthz` shows once a message was parked for an error or a refusal."""
PURGE_EVERY = 3600.0
IDLE_POLL = 2.0
"""Seconds between claims when nothing woke the sender (messages other replicas queued)."""
FLUSH_AFTER = 0.25
"""Seconds a finished delivery waits to be recorded with others (or with the next claim)."""
DUE_CHECK = 0.5
"""Seconds between looks at the clock while a message is due later: retry times are set on the
sender's clock, which need not run at the pace of the loop's timer."""


class Sender:
    def __init__(self, bot: Bot, db: Database, bus: MessageBus, policy: Policy,
                 staff_chat_id: int, *, global_per_second: float = 25,
                 group_per_minute: float = 19, lease_seconds: float = 30,
                 max_in_flight: int = 100, health: Health | None = None,
                 backoff_cap: float = 300.0,
                 clock: Callable[[], datetime] | None = None,
                 groups: tuple[int, ...] = (), group_window: float = 60.0) -> None:
        self.health = health or Health()
        self.bot, self.db, self.bus, self.policy = bot, db, bus, policy
        self.staff_chat_id = staff_chat_id
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.posting = Posting(bot, db, bus, policy, staff_chat_id,
                               global_per_second=global_per_second,
                               group_per_minute=group_per_minute,
                               topic_grace=max(10.0, 2 * lease_seconds), queued=self.taken,
                               groups=groups, group_window=group_window)
        self.topics = self.posting.topics
        self._wake = asyncio.Event()
        self._stopping = False
        self.delivered = 0
        self.lease = timedelta(seconds=lease_seconds)
        self.max_in_flight = max_in_flight
        self._in_flight: dict[asyncio.Task[bool], list[int]] = {}
        """Deliveries under way, with their outbox ids (their leases are renewed)."""
        self._lanes: dict[str, asyncio.Task[bool]] = {}
        self._finished: list[Sent] = []
        self._finished_at = 0.0
        """When the oldest unrecorded delivery finished (monotonic)."""
        self._claim = True
        """Messages may be waiting to be claimed."""
        self._claim_after: set[str] = set()
        """Lanes whose next message is claimed once this sender's delivery in them ends."""
        self._due: datetime | None = None
        """When a message this sender knows of is due again (on the sender's clock)."""
        self.watch = StaffWatch(bot, db, staff_chat_id, self.health, clock=lambda: self.clock(),
                                backoff_cap=backoff_cap, on_release=self._staff_back)
        """The main staff group's watch."""
        self.watches: dict[int | None, StaffWatch] = {None: self.watch}
        """One watch per configured staff group (None: the main group)."""
        for group in groups:
            if group != staff_chat_id:
                self.watches[group] = StaffWatch(
                    bot, db, group, self.health, clock=lambda: self.clock(),
                    backoff_cap=backoff_cap, on_release=lambda _forum: self.wake(), main=False)

    def wake(self) -> None:
        self._claim = True
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def taken(self, outcome: object) -> None:
        if isinstance(outcome, Outcome):
            self.take(outcome)

    def take(self, outcome: Outcome) -> None:
        """What a command just queued: messages leased to this process go out now, in order
        per lane; the others are claimed, at once, or (when this sender is still delivering
        the one ahead of them in their lane) as soon as that one is done."""
        if outcome.leased:
            self._start([(item, Where(item.target.route)) for item in outcome.leased
                         if isinstance(item.target, ToChat)])
        for lane in outcome.waiting:
            if lane in self._lanes:
                self._claim_after.add(lane)
            else:
                self.wake()

    def hand_over(self) -> list[Sent]:
        """Finished deliveries that a command's transaction may record (`MessageBus.handle`'s
        `delivered`): those with nothing to record but their being done. Give them back
        (`give_back`) unless that transaction committed them."""
        if not self._finished:
            return []
        plain = [s for s in self._finished if not s.relay and not s.links]
        if plain:
            self._finished = [s for s in self._finished if s.relay or s.links]
        return plain

    def give_back(self, sent: Sequence[Sent]) -> None:
        """Handed-over deliveries a command did not record: recorded with the next batch."""
        if sent:
            if not self._finished:
                self._finished_at = time.monotonic()
            self._finished.extend(sent)
            self._wake.set()

    def due_in(self, seconds: float) -> None:
        """A message is due again in `seconds` of the sender's clock: claim then (at the
        latest)."""
        at = self.clock() + timedelta(seconds=seconds)
        self._due = at if self._due is None else min(self._due, at)
        self._wake.set()

    def _staff_back(self, forum: bool) -> None:
        self.topics.is_forum = forum
        self.wake()

    async def run(self) -> None:
        """Deliver until stopped."""
        watching = [asyncio.create_task(w.run(), name="peluit-staff-watch")
                    for w in self.watches.values()]
        last_recovery = last_purge = -PURGE_EVERY
        last_claim = time.monotonic()
        try:
            await self._begin()
            while not self._stopping:
                self._wake.clear()
                try:
                    now = time.monotonic()
                    if now - last_recovery > self.lease.total_seconds() / 3:
                        purge = now - last_purge > PURGE_EVERY
                        await self._recover(purge=purge)
                        last_recovery = time.monotonic()
                        last_purge = last_recovery if purge else last_purge
                    due = self._due is not None and self.clock() >= self._due
                    if self._claim or due or now - last_claim >= IDLE_POLL:
                        self._claim = False
                        self._due = None if due else self._due
                        last_claim = now
                        await self._cycle()
                    elif self._finished and now - self._finished_at >= FLUSH_AFTER:
                        await self._record()
                except Exception as exc:  # keep delivering whatever one cycle did
                    log.error("sender.loop_error type=%s", type(exc).__name__)
                timeout = (self._finished_at + FLUSH_AFTER - time.monotonic() if self._finished
                           else IDLE_POLL)
                if self._due is not None:
                    left = (self._due - self.clock()).total_seconds()
                    timeout = min(timeout, max(left, 0.0), DUE_CHECK)
                timeout = max(0.0, timeout)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            await self._finish()
        finally:
            for task in watching:
                task.cancel()
            for task in watching:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _begin(self) -> None:
        """At start: messages parked for unexpected errors get another chance (a new version
        may have fixed the cause), and staff-bound messages left waiting look for the group."""
        try:
            async with self.db.uow() as uow:
                requeued = await uow.outbox.release_parked(("error",), self.clock())
                waiting = {g: await uow.outbox.parked_count(w.why)
                           for g, w in self.watches.items()}
                refused = await uow.outbox.parked_count("refused")
                await uow.commit()
        except Exception as exc:
            log.error("sender.start_error type=%s", type(exc).__name__)
            return
        if requeued:
            log.warning("outbox.requeued count=%d", requeued)
        if refused:
            log.error("outbox.parked why=refused count=%d", refused)
        for group, parked in waiting.items():
            if parked:
                self.watches[group].lost("parked", probe_now=True)

    async def _recover(self, *, purge: bool) -> None:
        under_way = [i for ids in self._in_flight.values() for i in ids]
        under_way += [s.item_id for s in self._finished]
        async with self.db.uow() as uow:
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
            outcome = await self.bus.handle(ClaimDeliveries(
                delivered=tuple(finished), limit=max(room, 0), lease=self.lease, at=self.clock()))
        except BaseException:
            self._finished[:0] = finished  # not recorded: try again next cycle
            raise
        self._start(outcome.value or [], claimed=True)
        self.take(outcome)  # what recording said (a relay's confirmation, edited)

    async def _record(self) -> None:
        finished, self._finished = self._finished, []
        try:
            self.take(await self.bus.handle(Delivered(reports=tuple(finished))))
        except BaseException:
            self._finished[:0] = finished
            raise

    def _start(self, items: Sequence[tuple[Queued, Where | Gone]], *,
               claimed: bool = False) -> None:
        """Deliver each item; a lane's items one after the other, in order. After claimed
        items, their lanes are claimed again (more may wait behind them)."""
        for item, where in items:
            lane = item.lane
            before = self._lanes.get(lane) if lane else None
            task = asyncio.create_task(self._deliver(item, where, before), name="peluit-delivery")
            self._in_flight[task] = [item.id]
            if lane:
                self._lanes[lane] = task
                if claimed:
                    self._claim_after.add(lane)
            task.add_done_callback(self._delivered)

    def _delivered(self, task: asyncio.Task[bool]) -> None:
        self._in_flight.pop(task, None)
        claim = False
        for lane, last in list(self._lanes.items()):
            if last is task:
                del self._lanes[lane]
                if lane in self._claim_after:
                    self._claim_after.discard(lane)
                    claim = True
        if not task.cancelled() and (error := task.exception()) is not None:
            # Not even the failure could be recorded (the database?): the lease runs out and
            # the message is tried again.
            log.error("sender.delivery_error type=%s", type(error).__name__)
        if claim:
            self.wake()
        else:
            self._wake.set()

    async def _finish(self, seconds: float = 10.0) -> None:
        """On stop: let deliveries under way end, and record them (else they go again later)."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=seconds)
        if self._finished:
            try:
                await self._record()
            except Exception as exc:
                log.warning("sender.unrecorded type=%s", type(exc).__name__)

    # ---- one item: deliver it, and report what happened

    async def _deliver(self, item: Queued, where: Where | Gone,
                       before: asyncio.Task[bool] | None) -> bool:
        """Whether the item went out (a lane's next item waits for this answer)."""
        if before is not None:  # the lane's earlier message first
            await asyncio.wait({before})
            if before.cancelled() or before.exception() is not None or not before.result():
                # It did not go out (it waits for a retry): this one goes back behind it.
                await self._failed(item, NotYet(0.0, "behind"))
                return False
            if item.for_staff and not isinstance(where, Gone):
                # The messages ahead may have made the case's topic or card: where is it now?
                where = (await self.bus.handle(Locate(item=item))).value
        watch_answers()  # this task's Bot API answers, for judging a failure
        if isinstance(where, Gone):
            await self._failed(item, where)
            return False
        watch = self._watch(where) if item.for_staff else None
        if watch is not None and watch.down:
            await self._failed(item, Unreachable(watch.reason), watched=True)
            return False
        try:
            links = await self._send(item, where)
        except Exception as exc:
            await self._failed(item, judge(exc, ANSWER.get()))
            return False
        finally:
            self.posting.forget(item.id)
        self.delivered += 1
        if watch is not None:
            watch.delivered()
        log.info("sender.delivered kind=%s", type(item.intent).__name__)
        sent = Sent(item.id, tuple(links), relay=item.is_relay)
        if links:  # a message of a case: linked at once, so a reply to it finds its case
            self.take(await self.bus.handle(Delivered(reports=(sent,))))
        else:  # recorded with others, or with the next claim: fewer transactions
            if not self._finished:
                self._finished_at = time.monotonic()
            self._finished.append(sent)
        return True

    async def _failed(self, item: Queued, verdict: object, *, watched: bool = False) -> None:
        outcome = await self.bus.handle(DeliveryFailed(item=item, verdict=verdict,
                                                       at=self.clock()))
        self.take(outcome)
        handled = outcome.value if isinstance(outcome.value, Handled) else Handled()
        if handled.retry_in is not None:
            self.due_in(handled.retry_in)
        watch = self.watches.get(handled.group, self.watch)
        if watched:  # parked while the group is known to be down
            if watch.down:
                watch.nudge()
            else:  # the group came back while this was being parked
                await watch.release()
            return
        if handled.pause is not None:
            self.posting.pause_staff(time.monotonic() + handled.pause)
        if handled.alarm is not None:
            log.error("sender.parked reason=%s why=%s", getattr(verdict, "reason", "?"),
                      handled.alarm)
            self.health.report(PARKED)
        if handled.lost is not None:
            watch.lost(handled.lost, migrated_to=handled.migrated_to)
        if handled.retry_in is None:  # parked or given up: its lane moves on
            self.wake()

    def _watch(self, where: Where | Gone) -> StaffWatch:
        """The watch of the staff group a message goes to."""
        group = getattr(where, "group", None)
        if group is None or group == self.staff_chat_id:
            return self.watch
        return self.watches.get(group, self.watch)

    async def _send(self, item: Queued, where: Where) -> list[Link]:
        intent = item.intent
        if isinstance(intent, MarkMoved):
            await self.posting.mark_moved(intent, where)
            await self.topics.mark_moved(intent, where.thread_id, self.posting.chat_id(where))
            return []
        if isinstance(intent, OpenTopic):
            await self.topics.open(intent.case_id, chat_id=self.posting.chat_id(where))
            return []
        if isinstance(intent, WipeChat):
            await self.posting.wipe(intent)
            return []
        if isinstance(intent, Say):
            return await self.posting.say(item.id, intent, where)
        if isinstance(intent, SendEvidence):
            return await self.posting.evidence(intent, where)
        if isinstance(intent, RelayFile):
            return await self.posting.relay_file(intent, where)
        if isinstance(intent, SendReport):
            return await self.posting.report(intent, where)
        if isinstance(intent, EditConfirmation):
            await self.posting.edit_confirmation(intent, where)
        elif isinstance(intent, EditCard):
            await self.posting.edit_card(intent, where)
        elif isinstance(intent, ShowTopicStatus):
            await self.topics.show_status(intent, where.thread_id, self.posting.chat_id(where))
        return []


__all__ = ["Sender"]
