"""Driving flows in unit tests the way the bot does: every command through the message bus
(`handle`), over the in-memory unit of work; or a use case called inside an opened unit of work
(`within`), for what the bus turns into a calm answer (the test can then see the error itself).

The functions named like the use cases build the command a person's action makes and return
what the bus answered (`Outcome.intents`); when the bus turned a `PeluitError` into its calm
answer, they raise that error, so a test can say which failure it expects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from flows import status as status_flows
from flows.bus import MessageBus, Outcome
from flows.buttons import IntakeButton, MoveButton, WipeButton
from flows.commands import (
    AskReporter,
    CancelReport,
    CaseRef,
    CheckStatus,
    Command,
    ExpireDrafts,
    FileFailed,
    FindCase,
    ListCases,
    MoveByCommand,
    OfferFile,
    Press,
    ReceiveFile,
    RemindOverdue,
    ReporterOther,
    ReporterText,
    ShowStatistics,
    StaffPress,
    Start,
    StartReport,
)
from flows.context import Context
from flows.intents import ChatRoute, Intent, Later, ToStaff
from flows.lifecycle import MOVES_BY_TRIGGER
from flows.policy import Policy
from flows.uploads import Upload
from tests.unit.fakes import FakeSealer, FakeUnitOfWork

STAFF_USER = 424242001


def bus(uow: FakeUnitOfWork, policy: Policy, now: datetime, sealer: Any = None) -> MessageBus:
    return MessageBus(uow.for_update, policy=policy, clock=lambda: now,
                      sealer=sealer or FakeSealer())


async def handle(uow: FakeUnitOfWork, command: Command, policy: Policy, now: datetime,
                 sealer: Any = None) -> Outcome:
    return await bus(uow, policy, now, sealer).handle(command)


async def run(uow: FakeUnitOfWork, command: Command, policy: Policy, now: datetime,
              sealer: Any = None) -> list[Intent]:
    outcome = await handle(uow, command, policy, now, sealer)
    if outcome.error is not None:
        raise outcome.error
    return outcome.intents


async def within(uow: FakeUnitOfWork, use_case: Callable[[Context], Awaitable[Any]], *,
                 policy: Policy, now: datetime, route: ChatRoute | None = None,
                 language: str = "id", sealer: Any = None) -> Any:
    """Run a use case as the bus would (unit of work open, chat locked and read), queue what it
    returns and commit; an error leaves the unit without commit (so nothing is kept)."""
    from flows.commands import ReporterCommand, StaffCommand

    the_bus = bus(uow, policy, now, sealer)
    command: Command = (ReporterCommand(route=route, lang_hint=language) if route is not None
                        else StaffCommand(user_id=0))
    async with uow.for_update(None):
        ctx = await the_bus._context(uow, command)
        result = await use_case(ctx)
        if isinstance(result, list):
            intents = [i for i in result if not isinstance(i, Later)]
            await uow.outbox.put(intents)
        await uow.commit()
        return result


# ---- reporters


async def start_report(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, language: str,
                       message_id: int, now: datetime) -> list[Intent]:
    return await run(uow, StartReport(route=route, lang_hint=language, message_id=message_id),
                     policy, now)


async def start(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, language: str,
                now: datetime, payload: str = "") -> list[Intent]:
    return await run(uow, Start(route=route, lang_hint=language, payload=payload), policy, now)


async def press(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, action: str,
                version: str, arg: str, now: datetime, sealer: Any = None) -> list[Intent]:
    button = IntakeButton(action, int(version) if version.isdigit() else -1, arg)
    return await run(uow, Press(route=route, button=button), policy, now, sealer)


async def press_button(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, button: Any,
                       now: datetime, sealer: Any = None, message_id: int = 0) -> list[Intent]:
    return await run(uow, Press(route=route, button=button, message_id=message_id), policy, now,
                     sealer)


async def receive_text(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, text: str,
                       now: datetime, sealer: Any = None, language: str = "id",
                       reply_to: int | None = None) -> list[Intent]:
    return await run(uow, ReporterText(route=route, text=text, lang_hint=language,
                                       reply_to=reply_to), policy, now, sealer)


async def receive_unsupported(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute,
                              now: datetime | None = None) -> list[Intent]:
    return await run(uow, ReporterOther(route=route), policy, now or uow.clock())


async def receive_evidence(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute,
                           upload: Upload, now: datetime) -> list[Intent]:
    return await run(uow, ReceiveFile(route=route, upload=upload), policy, now)


async def evidence_rejected(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute,
                            reason: str) -> list[Intent]:
    return await run(uow, FileFailed(route=route, reason=reason), policy, uow.clock())


async def cancel(uow: FakeUnitOfWork, route: ChatRoute, language: str) -> list[Intent]:
    from tests.unit.fakes import policy as default_policy

    return await run(uow, CancelReport(route=route, lang_hint=language), default_policy(),
                     uow.clock())


async def expire_drafts(uow: FakeUnitOfWork, policy: Policy, now: datetime) -> int:
    return (await handle(uow, ExpireDrafts(), policy, now)).value  # type: ignore[no-any-return]


async def wipe_conversation(uow: FakeUnitOfWork, route: ChatRoute, first: int, last: int,
                            language: str) -> list[Intent]:
    from tests.unit.fakes import policy as default_policy

    return await run(uow, Press(route=route, lang_hint=language, button=WipeButton(first),
                                message_id=last), default_policy(), uow.clock())


async def reporter_message(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, language: str,
                           now: datetime, *, text: str | None = None,
                           evidence: Upload | None = None,
                           reply_to_message_id: int | None = None) -> list[Intent]:
    if evidence is not None:
        if text is not None and evidence.caption is None:
            evidence = Upload(evidence.kind, evidence.data, evidence.mime_type,
                              evidence.file_name, evidence.metadata_removed,
                              evidence.may_carry_metadata, text, evidence.recording)
        return await run(uow, ReceiveFile(route=route, lang_hint=language, upload=evidence,
                                          reply_to=reply_to_message_id), policy, now)
    return await run(uow, ReporterText(route=route, lang_hint=language, text=text or "",
                                       reply_to=reply_to_message_id), policy, now)


async def check_upload(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, language: str,
                       kind: str, size: int, now: datetime,
                       reply_to: int | None = None, caption: str | None = None) -> list[Intent]:
    outcome = await handle(uow, OfferFile(route=route, lang_hint=language, kind=kind, size=size,
                                          reply_to=reply_to, caption=caption), policy, now)
    return [] if outcome.take_file else outcome.intents


async def check_status(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, code: str,
                       language: str, now: datetime) -> list[Intent]:
    return await run(uow, CheckStatus(route=route, code=code, lang_hint=language), policy, now)


async def ask_for_ticket(uow: FakeUnitOfWork, route: ChatRoute, language: str,
                         now: datetime) -> list[Intent]:
    from tests.unit.fakes import policy as default_policy

    return await run(uow, CheckStatus(route=route, code=None, lang_hint=language),
                     default_policy(), now)


async def screen_message(uow: FakeUnitOfWork, policy: Policy, route: ChatRoute, text: str,
                         language: str, now: datetime, *, file: bool = False) -> list[Intent]:
    """The status screen alone, as the bus runs it before anything else is done with a text
    or a caption: [] (and nothing written) for ordinary text."""
    async def screen(ctx: Context) -> list[Intent]:
        return await status_flows.status_request(ctx, route, text, file=file) or []

    uow_before = uow.committed
    said = await within(uow, screen, policy=policy, now=now, route=route, language=language)
    if not said:  # nothing to say: nothing was to be written either
        uow.committed = uow_before
    return said  # type: ignore[no-any-return]


# ---- staff


async def ask_reporter(uow: FakeUnitOfWork, policy: Policy, ref: CaseRef, user_id: int, text: str,
                       now: datetime, reply_in: ToStaff) -> list[Intent]:
    return await run(uow, AskReporter(ref=ref, text=text, user_id=user_id, reply_in=reply_in),
                     policy, now)


async def move_case(uow: FakeUnitOfWork, policy: Policy, ref: CaseRef, trigger: str,
                    user_id: int, text: str | None, now: datetime,
                    reply_in: ToStaff) -> list[Intent]:
    """A move as staff make it: a press on the card (no text, and a move whose button makes it
    at once), or its command with the text."""
    asks = trigger in MOVES_BY_TRIGGER and MOVES_BY_TRIGGER[trigger].asks
    if text is None and ref.case_id is not None and not asks:
        return await run(uow, StaffPress(button=MoveButton(trigger, ref.case_id), user_id=user_id,
                                         reply_in=reply_in), policy, now)
    command = MOVES_BY_TRIGGER[trigger].command if trigger in MOVES_BY_TRIGGER else trigger
    if ref.case_id is not None and not ref.number:  # a command names the case by its number
        async with uow:
            case = await uow.cases.get(ref.case_id)
        ref = CaseRef(number=case.number) if case is not None else ref
    return await run(uow, MoveByCommand(command=command, ref=ref, text=text, user_id=user_id,
                                        reply_in=reply_in), policy, now)


async def list_open(uow: FakeUnitOfWork, policy: Policy, now: datetime,
                    reply_in: ToStaff) -> list[Intent]:
    return await run(uow, ListCases(user_id=STAFF_USER, reply_in=reply_in), policy, now)


async def statistics(uow: FakeUnitOfWork, policy: Policy, reply_in: ToStaff,
                     now: datetime, period: str = "") -> list[Intent]:
    return await run(uow, ShowStatistics(user_id=STAFF_USER, reply_in=reply_in, period=period),
                     policy, now)


async def show_case(uow: FakeUnitOfWork, policy: Policy, ref: CaseRef, reply_in: ToStaff,
                    now: datetime) -> list[Intent]:
    return await run(uow, FindCase(ref=ref, user_id=STAFF_USER, reply_in=reply_in), policy, now)


async def remind_overdue(uow: FakeUnitOfWork, policy: Policy, now: datetime) -> list[Intent]:
    return await run(uow, RemindOverdue(), policy, now)


def without_card_edit(intents: list[Any], case_id: str) -> list[Any]:
    """The intents but the live card's edit, which must be there exactly once for `case_id`
    (a relay or a move changes what the card shows)."""
    from flows.intents import EditCard

    edits = [i for i in intents if isinstance(i, EditCard)]
    assert [e.card.case_id for e in edits] == [case_id]
    return [i for i in intents if not isinstance(i, EditCard)]
