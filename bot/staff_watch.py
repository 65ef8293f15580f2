"""Whether the staff group can be reached, and what happens to staff-bound messages meanwhile.

When Telegram says the staff group cannot be reached (the bot was removed, demoted or restricted,
the chat id is wrong, the group became a supergroup with a new id), or staff-bound messages could
not be delivered within the delivery horizon, the sender parks every staff-bound message (kept,
in order, never deleted) and this watch takes over:

- it tells the operator: an ERROR line `staff.unreachable` at once and every few minutes while it
  lasts, and the problem `staff_unreachable` in `bot/health.py` (so `/healthz` turns unhealthy);
- it asks Telegram whether the group is back (`getChat` and the bot's own membership and rights),
  with backoff, and at once when a `my_chat_member` update shows the bot added or promoted again;
- when it is, it releases what waited; the problem clears with the first staff message delivered.

Reporter-bound messages are not held back by any of this. Each configured staff group has a
watch of its own (the sender keeps one per group): messages parked for the escalation group wait
for that group only, under their own parked reason (`staff:<chat id>`) and health problem.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from datetime import datetime

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.delivery import carefully, field, watch_answers
from bot.health import Health
from storage.uow import Database

log = logging.getLogger("peluit.staff")
PROBLEM = "staff_unreachable"
ALERT_EVERY = 300.0
"""Seconds between two ERROR lines while the staff group cannot be reached."""
FIRST_PROBE = 5.0
NUDGE_AFTER = 10.0
"""A staff message claimed while the group is down asks for a probe, at most this often (another
replica may have found the group back and released the parked messages)."""


class StaffWatch:
    def __init__(self, bot: Bot, db: Database, staff_chat_id: int, health: Health, *,
                 clock: Callable[[], datetime], backoff_cap: float,
                 on_release: Callable[[bool], None], main: bool = True) -> None:
        self.bot, self.db, self.staff_chat_id, self.health = bot, db, staff_chat_id, health
        self.why = "staff" if main else f"staff:{staff_chat_id}"
        """The outbox's parked reason for this group's messages."""
        self.problem = PROBLEM if main else f"{PROBLEM}:{staff_chat_id}"
        self.clock, self.backoff_cap, self.on_release = clock, backoff_cap, on_release
        self.down = False
        self.reason = ""
        self.strikes = 0
        """Losses and failed probes since a staff message last went out (the backoff grows)."""
        self.migrated_to: set[int] = set()
        """Supergroups the staff group became (until the operator sets the new id)."""
        self._next_probe = math.inf
        self._next_alert = math.inf
        self._last_probe = -math.inf
        self._wake = asyncio.Event()

    def _delay(self) -> float:
        return min(FIRST_PROBE * 2 ** min(self.strikes, 20), self.backoff_cap)

    def lost(self, reason: str, *, migrated_to: int | None = None, probe_now: bool = False) -> None:
        """Telegram says the staff group cannot be reached (or a staff message passed the
        horizon): staff-bound messages are parked until a probe finds the group back."""
        if migrated_to is not None:
            self.migrated_to.add(migrated_to)
        now = time.monotonic()
        if not self.down or reason != self.reason:
            self._next_alert = now  # say so at once
        if not self.down:
            self._next_probe = now if probe_now else now + self._delay()
            self.strikes += 1
        self.down, self.reason = True, reason
        self.health.report(self.problem)
        self._wake.set()

    def back(self) -> None:
        """The bot was added to the staff group again, or promoted: look now."""
        if self.down:
            self._next_probe = time.monotonic()
            self._wake.set()

    def nudge(self) -> None:
        if self.down and time.monotonic() - self._last_probe > NUDGE_AFTER:
            self.back()

    def delivered(self) -> None:
        """A staff-bound message went out: the group is reachable."""
        if self.down:
            return
        self.strikes = 0
        if self.health.clear(self.problem):
            log.warning("staff.reachable")

    async def run(self) -> None:
        watch_answers()  # the probe's answers, read even when the library cannot parse them
        while True:
            await self._until_due()
            now = time.monotonic()
            try:
                if now >= self._next_alert:
                    self._next_alert = now + ALERT_EVERY
                    await self._alert()
                if now >= self._next_probe:
                    await self._probe_and_release()
            except Exception as exc:  # the database, most likely: try again after the backoff
                log.error("staff.watch_error type=%s", type(exc).__name__)
                self.strikes += 1
                self._next_probe = time.monotonic() + self._delay()

    async def _until_due(self) -> None:
        while True:
            now = time.monotonic()
            due = min(self._next_probe, self._next_alert) if self.down else math.inf
            if due <= now:
                return
            self._wake.clear()
            timeout = None if due == math.inf else due - now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _alert(self) -> None:
        parked = -1
        with contextlib.suppress(Exception):  # the alert matters more than the count
            async with self.db.uow() as uow:
                parked = await uow.outbox.parked_count(self.why)
        log.error("staff.unreachable group=%s reason=%s parked=%d", self.why, self.reason, parked)

    async def _probe_and_release(self) -> None:
        self._last_probe = time.monotonic()
        forum = await self._probe()
        if forum is None:
            self.strikes += 1
            self._next_probe = time.monotonic() + self._delay()
            return
        released = await self.release()
        self.down, self._next_probe = False, math.inf
        # Once more: a delivery that saw the group down a moment ago may have parked its message
        # after the first release (the sender releases what it parks after this point itself).
        released += await self.release()
        log.warning("staff.back released=%d", released)
        if not released and self.health.clear(self.problem):
            log.warning("staff.reachable")
        self.on_release(forum)

    async def release(self) -> int:
        """Messages parked for the staff group are due again, in their order."""
        async with self.db.uow() as uow:
            released = await uow.outbox.release_parked((self.why,), self.clock())
            await uow.commit()
        return released

    async def _probe(self) -> bool | None:
        """Whether the bot can post (and, in a forum, make topics) in the staff group now:
        None when it cannot, else whether the group is a forum."""
        try:
            chat = await carefully(lambda: self.bot.get_chat(self.staff_chat_id))
            me = await carefully(lambda: self.bot.get_chat_member(self.staff_chat_id, self.bot.id))
        except TelegramError as exc:
            log.info("staff.probe type=%s", type(exc).__name__)
            return None
        forum, status = bool(field(chat, "is_forum")), field(me, "status")
        if status == ChatMemberStatus.OWNER:
            return forum
        if status == ChatMemberStatus.ADMINISTRATOR:
            return forum if not forum or field(me, "can_manage_topics") else None
        if status == ChatMemberStatus.MEMBER and not forum:
            return forum
        log.info("staff.probe status=%s forum=%s", status, forum)
        return None
