"""The message bus (cosmicpython's `bootstrap` + `handle`): one path for every command.

    bus = MessageBus(uow_factory, policy=..., clock=..., sealer=...)   # once, at the root
    outcome = await bus.handle(command)

For each command it opens one unit of work, locks the chat and reads its state (language, code
prompt, draft) when the command comes from a reporter, runs the command's handler
(`flows.handlers`), turns a `PeluitError` into its calm answer (undoing what the handler wrote
first), queues the intents in the outbox, and commits, recording the command's update as
processed in the same transaction. A redelivered update raises `DuplicateUpdate` from the
commit: the adapter ignores it. Handlers never commit and never touch the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flows.commands import Command, Press, ReporterCommand, StaffCommand, StaffPress
from flows.context import Answer, Context, Reply, Sealer
from flows.delivery_model import Queued
from flows.errors import PeluitError, TooManyAttempts
from flows.handlers import HANDLERS
from flows.intents import Intent, Later, Say, ToChat, ToStaff
from flows.policy import Policy
from flows.ports import ChatState, UnitOfWork

log = logging.getLogger("peluit.bus")


@dataclass(frozen=True)
class Outcome:
    intents: list[Intent]
    """What the command answered (queued in the outbox; `Later` groups are queued, not listed)."""
    answer: Answer | None = None
    """For a button press: what to show at once (answerCallbackQuery)."""
    take_file: bool = False
    """For an offered file: download it now (the update is recorded with `ReceiveFile`)."""
    error: PeluitError | None = None
    """The calm failure the answer tells of, if any."""
    leased: tuple[Queued, ...] = ()
    """Messages leased to this process at once: deliver them now, nothing to claim."""
    waiting: frozenset[str] = frozenset()
    """Lanes where messages were queued for a sender to claim."""
    value: Any = None
    language: str = "id"
    """The language the command was answered in (for `answer`)."""
    recorded: bool = False
    """The `delivered` messages handed in were recorded as done (committed)."""


class MessageBus:
    def __init__(self, uow_factory: Callable[[int | None], UnitOfWork], *, policy: Policy,
                 clock: Callable[[], datetime], sealer: Sealer,
                 topic_name: Callable[[str, str, str], str] | None = None,
                 lease: timedelta = timedelta(seconds=30)) -> None:
        self.uow_factory, self.policy, self.clock, self.sealer = uow_factory, policy, clock, sealer
        self.topic_name = topic_name
        self.lease = lease
        """How long the local sender owns a reporter's own messages, leased as they are queued."""

    async def handle(self, command: Command, *, delivered: Sequence[int] = ()) -> Outcome:
        """Run `command` in one unit of work. `delivered`: outbox ids of messages the sender
        has delivered and not yet recorded (no case links, no relays), recorded as done in the
        same transaction (`Outcome.recorded` tells whether it committed them); the chat's
        reply just sent then no longer counts as under way."""
        handler = HANDLERS[type(command)]
        uow = self.uow_factory(command.update_id)
        async with uow:
            if delivered:
                await uow.outbox.done(delivered)
            ctx = await self._context(uow, command)
            error: PeluitError | None = None
            try:
                reply = _as_reply(await handler(ctx, command))
            except PeluitError as exc:
                await uow.rollback()  # what the handler wrote before failing is undone
                # ... and the chat's lock with it (PostgreSQL): taken again, the chat read
                # afresh, before the answer is queued (and perhaps leased: its lane idle).
                if delivered:
                    await uow.outbox.done(delivered)
                ctx = await self._context(uow, command)
                error, reply = exc, self._calm(ctx, command, exc)
                log.info("user_error kind=%s", type(exc).__name__)
            if reply.take_file:  # nothing written: the update is recorded once the file is in
                return Outcome([], take_file=True, language=ctx.language)
            now_intents, groups = _split(reply.intents)
            route = command.route if isinstance(command, ReporterCommand) else None
            leased: list[Queued] = []
            waiting: set[str] = set()
            for intents, not_before in groups:
                lease_for = (route if route is not None and not ctx.chat.lane_busy
                             and not_before is None else None)
                for item in await uow.outbox.put(intents, not_before, lease_for=lease_for,
                                                 lease=self.lease):
                    if item.leased:
                        leased.append(item)
                    else:
                        waiting.add(item.lane)
            if error is None or groups or command.update_id is not None or delivered:
                await uow.commit()
        return Outcome(now_intents, reply.answer, False, error, tuple(leased), frozenset(waiting),
                       reply.value, ctx.language, recorded=bool(delivered))

    async def _context(self, uow: UnitOfWork, command: Command) -> Context:
        now = command.at or self.clock()
        ctx = Context(uow, self.policy, now, self.sealer, self.policy.staff_language)
        if self.topic_name is not None:
            ctx.topic_name = self.topic_name
        if isinstance(command, ReporterCommand):
            await uow.lock_chat(command.route)
            ctx.chat = await uow.chats.state(command.route)
            ctx.language = ctx.chat.language or command.lang_hint
        else:
            ctx.chat = ChatState()
        if isinstance(command, StaffCommand):
            ctx.staff_group = command.reply_in.group
        return ctx

    def _calm(self, ctx: Context, command: Command, error: PeluitError) -> Reply:
        params: dict[str, object] = {}
        if isinstance(error, TooManyAttempts):
            params["minutes"] = int(self.policy.status_window.total_seconds() // 60)
        if isinstance(command, Press | StaffPress):
            return Reply(answer=Answer(error.key, params, alert=True))
        if isinstance(command, StaffCommand):
            to = ToStaff(thread_id=command.reply_in.thread_id, group=command.reply_in.group)
            return Reply([Say(to, error.key, params, lang=self.policy.staff_language)])
        if isinstance(command, ReporterCommand):
            return Reply([Say(ToChat(command.route), error.key, params, lang=ctx.language)])
        raise error


def _as_reply(result: Reply | list[Intent | Later]) -> Reply:
    return result if isinstance(result, Reply) else Reply(list(result))


def _split(items: Sequence[Intent | Later]
           ) -> tuple[list[Intent], list[tuple[list[Intent], datetime | None]]]:
    """The command's own answer, and every group to queue, in order, with its wait."""
    answer: list[Intent] = []
    groups: list[tuple[list[Intent], datetime | None]] = []
    for item in items:
        intents, wait = ([item], None) if not isinstance(item, Later) else (
            list(item.intents), item.not_before)
        if not isinstance(item, Later):
            answer.append(item)
        if groups and groups[-1][1] is None and wait is None:
            groups[-1][0].extend(intents)
        elif intents:
            groups.append((intents, wait))
    return answer, groups
