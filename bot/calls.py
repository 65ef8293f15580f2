"""Telegram calls made while handling an update (not deliveries: see bot/sender.py): tried again
briefly on a passing fault, and the answer to a button press."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

log = logging.getLogger("peluit.bot")
T = TypeVar("T")


async def with_retries(call: Callable[[], Awaitable[T]], attempts: int = 5) -> T:
    """A Telegram call made while handling an update (membership, file download, callback
    answer): 429 and network failures are retried briefly, so a passing fault loses nothing."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == attempts:
                raise
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
        except (BadRequest, Forbidden):
            raise
        except NetworkError:
            if attempt == attempts:
                raise
            await asyncio.sleep(0.2 * 2 ** attempt)
    raise AssertionError("unreachable")


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press; if Telegram refuses (too old, already answered) nothing is lost."""
    query = update.callback_query
    if query is None:
        return
    try:
        await with_retries(lambda: query.answer(text, show_alert=alert))
    except TelegramError as exc:
        log.info("callback.not_answered type=%s", type(exc).__name__)
