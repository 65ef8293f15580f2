"""What every handler can reach (`context.services`), and the few helpers they share."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext, ExtBot

from bot.health import Health
from bot.i18n import language_of
from bot.render import plain
from bot.sender import Sender
from flows.errors import PeluitError, TooManyAttempts
from flows.intents import ChatRoute, Intent, Say, ToChat, ToStaff
from flows.policy import Policy
from storage.crypto import Keyring
from storage.uow import Database, DuplicateUpdate, SqlUnitOfWork

log = logging.getLogger("peluit.bot")
T = TypeVar("T")
Handler = Callable[[Update, "PeluitContext"], Awaitable[None]]
_update_work: ContextVar[SqlUnitOfWork | None] = ContextVar("peluit_update_work", default=None)


@dataclass
class Services:
    db: Database
    policy: Policy
    keyring: Keyring
    sender: Sender
    staff_chat_id: int
    member_cache_seconds: float = 60.0
    health: Health = field(default_factory=Health)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    updates_skipped: int = 0
    """Updates python-telegram-bot could not read, skipped since start (bot/inbound.py)."""
    _members: dict[int, tuple[float, bool]] = field(default_factory=dict)


class PeluitContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot's context, typed, with Peluit's services on it."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]


def route_of(update: Update) -> ChatRoute:
    assert update.effective_chat is not None
    return ChatRoute(update.effective_chat.id)


RETRY_PAUSES = (0.2, 0.6)
"""Seconds before the second and third try of an update whose handler failed unexpectedly."""


def one_transaction(handler: Handler) -> Handler:
    """Run a handler in its update's unit of work: what it reads, what its use case writes and
    the record that the update was processed commit together, so a redelivered update (same
    update_id) fails that commit and changes nothing, and says nothing twice.

    An unexpected error (a dropped database connection, a bug) rolls the unit of work back, and
    the update is tried again a couple of times; the processed-update record makes that safe.
    What still fails goes to `on_error`, which tells the reporter to send it again."""
    async def in_unit_of_work(update: Update, context: PeluitContext) -> None:
        for attempt, pause in enumerate((*RETRY_PAUSES, None), start=1):
            try:
                await _once(handler, update, context)
                return
            except (PeluitError, ApplicationHandlerStop):
                raise  # a user's mistake or a decision: the same again on every try
            except Exception as error:
                if await _was_processed(context, update):
                    log.warning("handler.error_after_commit type=%s", type(error).__name__)
                    return
                if pause is None:
                    raise
                log.warning("handler.retry type=%s attempt=%d", type(error).__name__, attempt)
            await asyncio.sleep(pause)
    return in_unit_of_work


async def _once(handler: Handler, update: Update, context: PeluitContext) -> None:
    work = context.services.db.uow(update.update_id)
    token = _update_work.set(work)
    try:
        async with work:  # leaving it without commit (an error) rolls everything back
            await handler(update, context)
    except DuplicateUpdate:
        log.info("update.duplicate")
    finally:
        _update_work.reset(token)


async def _was_processed(context: PeluitContext, update: Update) -> bool:
    """True when the failed try had already committed the update (or an earlier delivery had):
    its work is done, and running it again would only repeat what came before the commit."""
    try:
        return await context.services.db.was_processed(update.update_id)
    except Exception:  # the database is what failed: it cannot say, so try again
        return False


def uow(context: PeluitContext, update: Update) -> SqlUnitOfWork:
    """The unit of work for this update: its commit also records the update as processed."""
    return _update_work.get() or context.services.db.uow(update.update_id)


def _work(context: PeluitContext) -> SqlUnitOfWork:
    return _update_work.get() or context.services.db.uow()


def _open_update_work() -> SqlUnitOfWork | None:
    work = _update_work.get()
    return work if work is not None and work.session is not None else None


async def release() -> None:
    """End the update's read-only transaction before waiting on Telegram (a download, a
    callback answer), so other updates can use the database meanwhile."""
    if (work := _open_update_work()) is not None:
        await work.rollback()


async def mark_processed() -> None:
    """Commit the update's unit of work now, recording the update as processed (a redelivered
    update raises DuplicateUpdate here), before a reply that is not written to the outbox."""
    if (work := _open_update_work()) is not None:
        await work.commit()


async def language(context: PeluitContext, update: Update) -> str:
    """The chat's chosen language, else a guess from the person's Telegram language."""
    return (await chat_state(context, update))[0]


async def chat_state(context: PeluitContext, update: Update) -> tuple[str, bool]:
    """(language, whether a report is being written here), in one read."""
    route = route_of(update)
    async with _work(context) as work:
        chosen = await work.chats.language(route)
        drafting = await work.drafts.exists(route)
    user = update.effective_user
    return chosen or language_of(user.language_code if user else None), drafting


async def say(context: PeluitContext, intents: list[Intent]) -> None:
    """Queue messages that change no state (help, errors) and wake the sender."""
    async with _work(context) as work:
        await work.outbox.put(intents)
        await work.commit()
    context.services.sender.wake()


async def run(context: PeluitContext, update: Update, lang: str,
              use_case: Callable[[], Awaitable[list[Intent]]]) -> list[Intent] | None:
    """Run a use case; a failure the user caused becomes its one calm message (and None)."""
    try:
        intents = await use_case()  # a redelivered update: DuplicateUpdate, ends the handler
    except PeluitError as error:
        await release()  # what the use case did before failing is undone, but the update
        await mark_processed()  # counts as processed: a redelivery is not told twice
        await tell_error(context, update, lang, error)
        return None
    context.services.sender.wake()
    return intents


async def tell_error(context: PeluitContext, update: Update, lang: str, error: PeluitError) -> None:
    log.info("user_error kind=%s", type(error).__name__)
    params: dict[str, object] = {}
    if isinstance(error, TooManyAttempts):
        params["minutes"] = int(context.services.policy.status_window.total_seconds() // 60)
    if update.callback_query is not None:
        await answer(update, plain(lang, error.key, params)[:200], alert=True)
        return
    chat = update.effective_chat
    if chat is not None and chat.id == context.services.staff_chat_id:
        thread = update.effective_message.message_thread_id if update.effective_message else None
        target: ToChat | ToStaff = ToStaff(thread_id=thread)
    else:
        target = ToChat(route_of(update))
    await say(context, [Say(target, error.key, params, lang=lang)])


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


def forget_member(services: Services, user_id: int) -> None:
    """Telegram said this person's membership of the staff group changed: ask again next time."""
    services._members.pop(user_id, None)


async def is_staff_member(context: PeluitContext, user_id: int) -> bool:
    """Only people who are members of the staff group now count (asked of Telegram, cached)."""
    services = context.services
    cached = services._members.get(user_id)
    if cached and time.monotonic() - cached[0] < services.member_cache_seconds:
        return cached[1]
    member = await with_retries(lambda: context.bot.get_chat_member(services.staff_chat_id, user_id))
    ok = member.status in ("creator", "administrator", "member") or bool(
        getattr(member, "is_member", False))
    services._members[user_id] = (time.monotonic(), ok)
    return ok
