"""Which use case a command means: one handler per command type, registered in `HANDLERS`.

The deciding happens here, not in the adapter: whether a text belongs to the draft, to an open
case or is a ticket code; which move `/verifikasi` means; what a button press is; whether an
offered file may be downloaded at all.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from flows import casework, delivery, handling, move_prompts, relay, reporting, staff_relay, status
from flows import staff_reports as reports
from flows.announcement import TAKE
from flows.buttons import IntakeButton, MenuButton, RelayButton, WipeButton
from flows.commands import (
    AdoptTopic,
    AskReporter,
    CancelReport,
    CaseRef,
    CheckStatus,
    ClaimDeliveries,
    Command,
    Delivered,
    DeliveryFailed,
    ExpireDrafts,
    FileFailed,
    FindCase,
    HandOver,
    ListCases,
    Locate,
    MakeCaseFile,
    MakePeriodReport,
    MoveByCommand,
    OfferFile,
    Press,
    PrivateOnly,
    ReceiveFile,
    RemindOverdue,
    ReporterOther,
    ReporterText,
    ShowHelp,
    ShowStatistics,
    StaffFileRefused,
    StaffHelp,
    StaffMember,
    StaffPress,
    StaffReply,
    Start,
    StartReport,
    TakeCase,
    TopicMade,
    TopicWanted,
    UnknownCommand,
    UpdateFailed,
)
from flows.context import Answer, Context, Reply, Result
from flows.errors import InvalidTransition, StaleButton
from flows.intents import ChatRoute, Intent, Say, ToChat
from flows.lifecycle import MOVES_BY_TRIGGER, CaseStatus, move_for_command
from flows.policy import REPORT_WINDOW, report_limit_key
from flows.uploads import refusal_say
from flows.welcome import reporter_help, welcome

log = logging.getLogger("peluit.flows")
Handler = Callable[[Context, Any], Awaitable[Result]]
LANGUAGES = ("id", "en")


def _say(ctx: Context, command: Any, key: str, /, **params: object) -> list[Intent]:
    return [Say(ToChat(command.route), key, dict(params), lang=ctx.language)]


# ---- reporters


async def start(ctx: Context, command: Start) -> Result:
    payload = command.payload.lower()
    if payload in ("lapor", "report"):
        return await reporting.start_report(ctx, command.route, command.message_id)
    if payload == "status":
        return await status.ask_for_ticket(ctx, command.route)
    await ctx.uow.chats.clear_ticket_prompt(command.route)  # the menu: no code awaited
    log.info("reporter.start")
    return [welcome(ctx.policy, command.route, ctx.language)]


async def start_report(ctx: Context, command: StartReport) -> Result:
    return await reporting.start_report(ctx, command.route, command.message_id)


async def cancel_report(ctx: Context, command: CancelReport) -> Result:
    await _uncount_draft(ctx, command.route)
    return await reporting.cancel(ctx, command.route)


async def _uncount_draft(ctx: Context, route: ChatRoute) -> None:
    """A cancelled draft is no report: the hourly limit counts submitted reports (and the one
    being written), so the draft's count is taken back while its window lasts."""
    draft = ctx.draft
    if draft is not None:
        await ctx.uow.throttle.refund(report_limit_key(ctx.uow.actor_token("chat", route)),
                                      draft.created_at, REPORT_WINDOW, ctx.now)


async def show_help(ctx: Context, command: ShowHelp | UnknownCommand) -> Result:
    return [reporter_help(ctx.policy, command.route, ctx.language)]


async def check_status(ctx: Context, command: CheckStatus) -> Result:
    if not (command.code or "").strip():
        return await status.ask_for_ticket(ctx, command.route)
    return await status.check_status(ctx, command.route, command.code or "")


async def reporter_text(ctx: Context, command: ReporterText) -> Result:
    if ctx.draft is not None:
        return await reporting.receive_text(ctx, command.route, command.text)
    return await relay.reporter_message(ctx, command.route, text=command.text,
                                        reply_to_message_id=command.reply_to)


async def offer_file(ctx: Context, command: OfferFile) -> Result:
    """Before a download: a caption holding a ticket code makes the file a status request (the
    file is neither kept nor relayed); then the limits, with the size Telegram announces. When
    the file may be taken, nothing is written and the update is not yet recorded."""
    if command.caption and (said := await status.status_request(
            ctx, command.route, command.caption, file=True)) is not None:
        return said
    draft = ctx.draft
    if draft is not None:
        refused = reporting.evidence_refusal(ctx, command.route, draft, command.size,
                                             command.kind)
    else:
        refused = await relay.file_refusal(ctx, command.route, command.size, command.reply_to)
    return refused if refused else Reply(take_file=True)


async def receive_file(ctx: Context, command: ReceiveFile) -> Result:
    if ctx.draft is not None:
        return await reporting.receive_evidence(ctx, command.route, command.upload)
    return await relay.reporter_message(ctx, command.route, evidence=command.upload,
                                        text=command.upload.caption,
                                        reply_to_message_id=command.reply_to)


async def file_failed(ctx: Context, command: FileFailed) -> Result:
    if ctx.draft is not None:
        return reporting.evidence_rejected(ctx, command.route, command.reason)
    return [refusal_say(ctx.policy, command.route, f"evidence_{command.reason}", ctx.language)]


async def reporter_other(ctx: Context, command: ReporterOther) -> Result:
    if ctx.draft is not None:
        return await reporting.receive_unsupported(ctx, command.route)
    return _say(ctx, command, "intake.text_only")


async def press(ctx: Context, command: Press) -> Result:
    """Every button pressed in a private chat; each is answered (a refusal is its own answer)."""
    button, route = command.button, command.route
    if isinstance(button, IntakeButton):
        if button.action == "cancel":
            await _uncount_draft(ctx, route)
        return Reply(await reporting.press(ctx, route, button), answer=Answer(""))
    if isinstance(button, WipeButton):
        last = command.message_id or button.first_message_id
        return Reply(reporting.wipe_conversation(route, button.first_message_id, last,
                                                 ctx.language), answer=Answer(""))
    if isinstance(button, MenuButton):
        if button.choice == "lang" and button.arg in LANGUAGES:
            return Reply(await _choose_language(ctx, command, button.arg), answer=Answer(""))
        if button.choice == "lapor":
            return Reply(await reporting.start_report(ctx, route, command.message_id),
                         answer=Answer(""))
        if button.choice == "status":
            return Reply(await status.ask_for_ticket(ctx, route), answer=Answer(""))
        if button.choice == "held":
            said = await relay.held_choice(ctx, route, button.arg)
            if said is None:  # [Laporan baru]: the held message is dropped, a report begins
                said = await reporting.start_report(ctx, route, command.message_id)
            return Reply(said, answer=Answer(""))
        if button.choice == "privacy":
            return Reply(_say(ctx, command, "start.privacy"), answer=Answer(""))
        return Reply([reporter_help(ctx.policy, route, ctx.language)], answer=Answer(""))
    raise StaleButton


async def _choose_language(ctx: Context, command: Press, language: str) -> list[Intent]:
    await ctx.uow.chats.set_language(command.route, language)
    draft = ctx.draft
    if draft is not None and draft.language != language:
        # A report in progress continues in the language just chosen.
        draft.language = language
        await ctx.uow.drafts.save(command.route, draft)
    return [Say(ToChat(command.route), "lang.set", lang=language)]


async def update_failed(ctx: Context, command: UpdateFailed) -> Result:
    return _say(ctx, command, "error.generic")


# ---- staff


def _usage(ctx: Context, command: Any, key: str, /, **params: object) -> list[Intent]:
    return [Say(command.reply_in, key, dict(params), lang=ctx.policy.staff_language)]


async def ask_reporter(ctx: Context, command: AskReporter) -> Result:
    ref = command.ref
    if ref is None or (ref.number is None and ref.topic_id is None and ref.case_id is None
                       and ref.message_id is None) or not (command.text or command.upload):
        return _usage(ctx, command, "staff.usage_tanya")
    case = await casework.find_case(ctx, ref)
    return await casework.ask(ctx, case, command.user_id, command.text, command.reply_in,
                              command.upload)


async def staff_reply(ctx: Context, command: StaffReply) -> Result:
    """A reply to a move's prompt completes the move; a reply to the case card or to a
    reporter's message relays to the reporter; a reply to any other message stays internal (with
    a quiet hint, once); to no case's message: nothing."""
    if (prompted := await move_prompts.answer(ctx, command.replied_message_id, command.user_id,
                                              command.text, command.reply_in)) is not None:
        return prompted  # a reply to a move's prompt: its words
    link = await ctx.uow.cases.staff_link(command.replied_message_id, ctx.staff_group)
    if link is None:
        return []
    case = await casework.find_case(ctx, CaseRef(case_id=link.case_id))
    if not staff_relay.relays(case, link, command.replied_message_id):
        return await staff_relay.hint(ctx, case, command.user_id)
    return await casework.ask(ctx, case, command.user_id, command.text, command.reply_in,
                              command.upload)


async def staff_file_refused(ctx: Context, command: StaffFileRefused) -> Result:
    mb = ctx.policy.max_file_bytes // (1024 * 1024)
    return _usage(ctx, command, f"staff.file_{command.reason}", max_mb=mb,
                  max_mp=ctx.policy.max_image_pixels // 1_000_000)


def _me(command: Any) -> StaffMember:
    return StaffMember(command.user_id, command.name, command.username)


def _has_ref(ref: CaseRef | None) -> bool:
    return ref is not None and any(
        v is not None for v in (ref.number, ref.topic_id, ref.message_id, ref.case_id))


async def list_cases(ctx: Context, command: ListCases) -> Result:
    if not command.mine:
        return await casework.list_open(ctx, command.reply_in)
    mine = await handling.note_member(ctx, _me(command))
    return await casework.list_open(ctx, command.reply_in, handler=mine)


async def take_case(ctx: Context, command: TakeCase) -> Result:
    """`/ambil` in a case's topic, or `/ambil <case number>`."""
    if not _has_ref(command.ref):
        return _usage(ctx, command, "staff.usage_ambil")
    case = await casework.find_case(ctx, command.ref or CaseRef())
    return await handling.take(ctx, case, _me(command), command.reply_in)


async def hand_over(ctx: Context, command: HandOver) -> Result:
    """`/serahkan [@username]` in a case's topic (or with the case number first)."""
    if not _has_ref(command.ref):
        return _usage(ctx, command, "staff.usage_serahkan")
    case = await casework.find_case(ctx, command.ref or CaseRef())
    return await handling.hand_over(ctx, case, _me(command), command.to, command.reply_in)


async def find_case(ctx: Context, command: FindCase) -> Result:
    return await casework.show_case(ctx, command.ref, command.reply_in)


async def show_statistics(ctx: Context, command: ShowStatistics) -> Result:
    return await reports.statistics(ctx, command.period, command.reply_in)


async def make_case_file(ctx: Context, command: MakeCaseFile) -> Result:
    ref = command.ref
    if ref.number is None and ref.topic_id is None and ref.case_id is None:
        return _usage(ctx, command, "staff.usage_berkas")
    return await reports.case_file(ctx, ref, command.user_id)


async def make_period_report(ctx: Context, command: MakePeriodReport) -> Result:
    return await reports.period_report(ctx, command.period, command.user_id, command.reply_in)


async def staff_help(ctx: Context, command: StaffHelp) -> Result:
    return _usage(ctx, command, "staff.help")


async def private_only(ctx: Context, command: PrivateOnly) -> Result:
    return _usage(ctx, command, "error.private_only")


async def move_by_command(ctx: Context, command: MoveByCommand) -> Result:
    """Which move `/verifikasi` means (verify or resume) depends on the case's status. Only a
    move that takes a text (conclusion, authority, reason) sends one to the reporter; words
    after `/verifikasi WBS-…` are a staff note and stay in the group."""
    case = await casework.find_case(ctx, command.ref)
    move = move_for_command(command.command, CaseStatus(case.status))
    if move is None or CaseStatus(case.status) not in move.source:
        raise InvalidTransition(command.command)
    if move.needs_text and not command.text:
        return _usage(ctx, command, "staff.move_hint", command=move.command, number=case.number)
    text = command.text if move.needs_text else None
    if move.trigger == "conclude" and text:
        # The conclusion is told to the reporter; the recommendation (after "Rekomendasi:")
        # is for leadership only. Without one, the officer is asked for it next.
        conclusion, recommendation = casework.split_recommendation(text)
        if not conclusion:
            return _usage(ctx, command, "staff.move_hint", command=move.command,
                          number=case.number)
        moved = await casework.move(ctx, case, move.trigger, command.user_id, conclusion,
                                    command.reply_in, recommendation=recommendation)
        if recommendation is None:
            moved.append(move_prompts.ask_for_recommendation(ctx, case, command.user_id))
        return moved
    return await casework.move(ctx, case, move.trigger, command.user_id, text, command.reply_in)


async def staff_press(ctx: Context, command: StaffPress) -> Result:
    """A move on the case card. A move that needs words asks the officer for them with a reply
    prompt (flows/move_prompts.py); the card and the topic show any move made (no message)."""
    button = command.button
    if isinstance(button, RelayButton):
        return await staff_relay.cancel(ctx, button.relay_id, command.user_id)
    if button is None:
        raise StaleButton
    if button.trigger == TAKE:  # [Ambil]: the presser takes the case
        case = await casework.find_case(ctx, CaseRef(case_id=button.case_id))
        return Reply(await handling.take(ctx, case, _me(command), command.reply_in),
                     answer=Answer(""))
    move = MOVES_BY_TRIGGER.get(button.trigger)
    case = await casework.find_case(ctx, CaseRef(case_id=button.case_id))
    if move is not None and move.asks:
        if CaseStatus(case.status) not in move.source:
            raise InvalidTransition(move.trigger)
        return await move_prompts.ask_for_words(ctx, case, move, command.user_id, command.name)
    intents = await casework.move(ctx, case, button.trigger, command.user_id, None,
                                  command.reply_in, confirm=False)
    return Reply(intents, answer=Answer(""))


# ---- the clock


async def expire_drafts(ctx: Context, command: ExpireDrafts) -> Result:
    count = await reporting.expire_drafts(ctx)
    if count:
        log.info("drafts.expired count=%d", count)
    return Reply(value=count)


async def remind_overdue(ctx: Context, command: RemindOverdue) -> Result:
    return await casework.remind_overdue(ctx)


HANDLERS: dict[type[Command], Handler] = {
    Start: start, StartReport: start_report, CancelReport: cancel_report, ShowHelp: show_help,
    CheckStatus: check_status, ReporterText: reporter_text, OfferFile: offer_file,
    ReceiveFile: receive_file, FileFailed: file_failed, ReporterOther: reporter_other,
    UnknownCommand: show_help, Press: press, UpdateFailed: update_failed,
    AskReporter: ask_reporter, StaffReply: staff_reply, ListCases: list_cases,
    TakeCase: take_case, HandOver: hand_over,
    StaffFileRefused: staff_file_refused,
    FindCase: find_case, ShowStatistics: show_statistics, StaffHelp: staff_help,
    MoveByCommand: move_by_command, StaffPress: staff_press, PrivateOnly: private_only,
    MakeCaseFile: make_case_file, MakePeriodReport: make_period_report,
    ExpireDrafts: expire_drafts, RemindOverdue: remind_overdue,
    ClaimDeliveries: delivery.claim, Delivered: delivery.delivered,
    DeliveryFailed: delivery.failed, TopicWanted: delivery.topic_wanted,
    TopicMade: delivery.topic_made, AdoptTopic: delivery.adopt, Locate: delivery.locate,
}
