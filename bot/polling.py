"""Polling that never loses an update: the offset is confirmed only after the batch it belongs
to was processed (and committed). A crash in between means Telegram delivers the batch again,
and the processed-updates table makes the second delivery change nothing.

python-telegram-bot's own Updater confirms a batch as soon as it fetches the next one, while
the first may still be in progress: a crash there would lose updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

log = logging.getLogger("peluit.polling")


async def poll(app: Application, stop: asyncio.Event, poll_seconds: int = 10) -> None:
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        fetch = asyncio.ensure_future(app.bot.get_updates(
            offset=offset, timeout=poll_seconds, allowed_updates=Update.ALL_TYPES,
            read_timeout=poll_seconds + 10))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetch.done():  # stopping (or cancelled): abandon the long poll, nothing lost
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
        if fetch.cancelled():
            return
        try:
            updates = fetch.result()
        except InvalidToken:
            raise
        except RetryAfter as exc:
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)
            continue
        except (Conflict, NetworkError) as exc:
            failures += 1
            log.warning("polling.retry type=%s", type(exc).__name__)
            await asyncio.sleep(min(0.5 * 2 ** failures, 30))
            continue
        failures = 0
        if not updates:
            continue
        processor = app.update_processor
        # Not cancelled by shutdown: serve() waits for the batch in progress to finish.
        await asyncio.gather(*(processor.process_update(u, app.process_update(u)) for u in updates))
        offset = updates[-1].update_id + 1  # confirmed with the next call, after processing
