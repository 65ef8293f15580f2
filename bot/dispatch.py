"""The one path of an update through the adapter: the command goes to the message bus, and what
the outcome asks for on Telegram right away (a press's answer) is done; what was queued goes to
the sender.

An unexpected error (a dropped database connection, a bug) is tried again a couple of times: the
bus rolled the attempt back, and the processed-update record makes a retry safe (a retry after a
commit whose answer was lost raises DuplicateUpdate, which ends it). What still fails goes to
`on_error`, which tells the reporter to send it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Update

from bot.calls import answer
from bot.i18n import language_of
from bot.render import plain
from bot.services import PeluitContext, route_of
from flows.bus import Outcome
from flows.commands import Command, StaffCommand, UpdateFailed
from storage.uow import DuplicateUpdate

log = logging.getLogger("peluit.bot")
RETRY_PAUSES = (0.2, 0.6)
"""Seconds before the second and third try of an update whose command failed unexpectedly."""


def reporter(update: Update) -> dict[str, Any]:
    """What every reporter command carries: the update, the chat, the person's language."""
    user = update.effective_user
    return {"update_id": update.update_id, "route": route_of(update),
            "lang_hint": language_of(user.language_code if user else None)}


async def handle(update: Update, context: PeluitContext, command: Command) -> Outcome | None:
    """Run `command` through the bus and act on its outcome; None for a redelivered update."""
    services = context.services
    sender = services.sender
    chat = update.effective_chat
    if isinstance(command, StaffCommand) and chat is not None:
        # The staff group it came from: its cases only, and the answer goes there.
        command = replace(command, reply_in=replace(command.reply_in,
                                                    group=services.group_of(chat.id)))
    for attempt, pause in enumerate((*RETRY_PAUSES, None), start=1):
        done = sender.hand_over()  # recorded in this command's transaction: one fewer
        try:
            outcome = await services.bus.handle(command, delivered=[s.item_id for s in done])
        except DuplicateUpdate:
            sender.give_back(done)
            log.info("update.duplicate")
            return None
        except BaseException as error:
            sender.give_back(done)
            if pause is None or not isinstance(error, Exception):
                raise
            log.warning("handler.retry type=%s attempt=%d", type(error).__name__, attempt)
            await asyncio.sleep(pause)
            continue
        if not outcome.recorded:
            sender.give_back(done)
        sender.take(outcome)
        if outcome.answer is not None:
            await answer_press(update, outcome)
        return outcome
    raise AssertionError("unreachable")


def alert_text(markup: str) -> str:
    """A catalog text for a callback alert, which Telegram shows as plain text: no tags, no
    entities (`<code>/selesai …&lt;keterangan&gt;</code>` would be shown literally)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))[:200]


async def answer_press(update: Update, outcome: Outcome) -> None:
    said = outcome.answer
    if said is None or not said.key:
        await answer(update)
        return
    await answer(update, alert_text(plain(outcome.language, said.key, said.params)),
                 alert=said.alert)


async def on_error(update: object, context: PeluitContext) -> None:
    """An update whose command failed even when tried again: its work was rolled back. Log the
    error's type and where it happened, never the update or its text, and tell the reporter
    honestly that this one message did not arrive."""
    error = context.error
    where = "?"
    if error is not None and error.__traceback__ is not None:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if any(p in f.filename for p in ("/bot/", "/flows/", "/storage/"))]
        if frames:
            last = Path(frames[-1].filename)
            where = f"{last.parent.name}/{last.name}:{frames[-1].lineno}"
    log.error("handler.error type=%s where=%s", type(error).__name__, where)
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        with contextlib.suppress(Exception):
            await answer(update)  # a press: end the client's spinner
            fields = reporter(update)
            fields["update_id"] = None  # not recorded: a redelivery is processed afresh
            outcome = await context.services.bus.handle(UpdateFailed(**fields))
            context.services.sender.take(outcome)
