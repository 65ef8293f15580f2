"""Polling that never loses an update and never stops.

The offset is confirmed only after the batch it belongs to was processed (and committed). A crash
in between means Telegram delivers the batch again, and the processed-updates table makes the
second delivery change nothing. (python-telegram-bot's own Updater confirms a batch as soon as it
fetches the next one, while the first may still be in progress: a crash there would lose updates.)

Nothing ends the loop but `stop`: a failed call (network, 5xx, 429, 401/404 or an HTML page from a
proxy, a Conflict) is retried with a capped backoff and logged by type; after a few failures in a
row polling counts as stalled (`polling_stalled` in `/healthz` and an ERROR line, repeated every few
minutes) until a call succeeds again. Updates are read one at a time (bot/inbound.py): one the
library cannot read is skipped past, not retried forever.

getUpdates is fetched as raw JSON with `Bot.do_api_request`, python-telegram-bot's public way to
call a method and get its result unparsed. `Bot.get_updates` parses the whole batch at once, so one
unreadable update fails the batch (and the library logs the whole batch at CRITICAL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from datetime import timedelta
from typing import Any

from telegram.error import EndPointNotFound, InvalidToken, RetryAfter
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.health import Health
from bot.inbound import ALLOWED_UPDATES, read_update, update_id_of
from bot.services import Services

log = logging.getLogger("peluit.polling")
STALLED = "polling_stalled"
STALL_AFTER = 3
"""Failed calls in a row before polling counts as stalled (one blip is not a stall)."""
REMIND_SECONDS = 300.0
MAX_PAUSE_SECONDS = 30.0



class UnexpectedAnswer(Exception):
    """getUpdates answered something that is not a list of updates."""


async def poll(app: Application, stop: asyncio.Event, poll_seconds: int = 10) -> None:
    # do_api_request("getUpdates") works, and the library suggests Bot.get_updates in a warning
    # on every call: that one warning is silenced (adding the same filter again moves it first).
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'",
                            category=PTBUserWarning)
    services: Services = app.bot_data["services"]
    stall = Stall(services.health)
    offset: int | None = None
    while not stop.is_set():
        try:
            batch = await _fetch_unless_stopped(app, stop, offset, poll_seconds)
        except Exception as error:  # whatever went wrong, polling goes on
            await _sleep_unless_stopped(stop, stall.failed(error))
            continue
        if batch is None:
            return
        stall.ended()
        if batch:
            offset = await _process(app, services, batch, offset)


async def _get_updates(app: Application, offset: int | None, poll_seconds: int) -> list[Any]:
    result = await app.bot.do_api_request(
        "getUpdates", api_kwargs={"offset": offset, "timeout": poll_seconds,
                                  "allowed_updates": list(ALLOWED_UPDATES)},
        read_timeout=poll_seconds + 10)
    if not isinstance(result, list) or (result and all(update_id_of(u) is None for u in result)):
        raise UnexpectedAnswer
    return result


async def _fetch_unless_stopped(app: Application, stop: asyncio.Event, offset: int | None,
                                poll_seconds: int) -> list[Any] | None:
    """The next batch (raw JSON), or None when `stop` was set first."""
    fetch = asyncio.ensure_future(_get_updates(app, offset, poll_seconds))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not fetch.done():  # stopping (or cancelled): abandon the long poll, nothing lost
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
    return None if fetch.cancelled() else fetch.result()


async def _process(app: Application, services: Services, batch: list[Any],
                   offset: int | None) -> int | None:
    """Process a batch; the offset that confirms it (every update in it, read or not)."""
    updates = []
    for data in batch:
        if (update_id := update_id_of(data)) is not None:
            offset = max(offset or 0, update_id + 1)
        if (update := read_update(data, app.bot, services)) is not None:
            updates.append(update)
    processor = app.update_processor
    # Not cancelled by shutdown: serve() waits for the batch in progress to finish.
    results = await asyncio.gather(
        *(processor.process_update(u, app.process_update(u)) for u in updates),
        return_exceptions=True)
    for result in results:  # handler errors end in on_error; this is what escaped even that
        if isinstance(result, BaseException):
            log.error("polling.update_failed type=%s", type(result).__name__)
    return offset


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _kind(error: BaseException) -> BaseException:
    """The error to name: do_api_request reports a 401/404 as EndPointNotFound, from InvalidToken."""
    if isinstance(error, EndPointNotFound) and isinstance(error.__cause__, InvalidToken):
        return error.__cause__
    return error


class Stall:
    """Failed getUpdates calls in a row: the pause before the next one, the log and /healthz."""

    def __init__(self, health: Health) -> None:
        self.health = health
        self.failures = 0
        self.since = self.reminded = 0.0

    def failed(self, error: BaseException) -> float:
        """Note a failed call; the seconds to wait before the next."""
        error = _kind(error)
        kind, now = type(error).__name__, time.monotonic()
        self.failures += 1
        if self.failures == 1:
            self.since = now
        if self.failures < STALL_AFTER:
            log.warning("polling.retry type=%s attempt=%d", kind, self.failures)
        elif self.health.report(STALLED):
            self.reminded = now
            log.error("polling.stalled type=%s attempts=%d", kind, self.failures)
        elif now - self.reminded >= REMIND_SECONDS:
            self.reminded = now
            log.error("polling.still_stalled type=%s attempts=%d seconds=%d", kind, self.failures,
                      now - self.since)
        pause = min(0.5 * 2 ** min(self.failures - 1, 10), MAX_PAUSE_SECONDS)
        if isinstance(error, RetryAfter):
            wait = error.retry_after
            pause = max(pause, wait.total_seconds() if isinstance(wait, timedelta) else wait)
        return pause

    def ended(self) -> None:
        """A call succeeded."""
        if not self.failures:
            return
        if self.health.clear(STALLED):
            log.warning("polling.recovered attempts=%d seconds=%d", self.failures,
                        time.monotonic() - self.since)
        self.failures = 0
