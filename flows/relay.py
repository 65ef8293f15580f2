"""The anonymous relay, reporter to staff: a message outside any draft is an answer to the case it
belongs to (or a status request, when it holds a ticket code).

A reply to one of the case's messages (a staff question) relays at once. A free text (no reply)
is held, encrypted, and the reporter is asked where it goes: to the officer handling the case, or
a new report (then it is dropped), or nowhere. A chat whose cases are all closed is told so, with
the outcome and what the reporter can do."""

from __future__ import annotations

from flows import uploads
from flows.announcement import card_changes, case_card
from flows.buttons import MenuButton
from flows.context import Context
from flows.delivery_model import LinkKind
from flows.intents import (
    Button,
    ChatRoute,
    Intent,
    OutcomeBlock,
    Say,
    SendEvidence,
    StatusName,
    ToChat,
    ToStaff,
)
from flows.model import Case, Direction
from flows.status import status_request
from flows.uploads import Upload
from flows.welcome import welcome


async def case_for_message(ctx: Context, route: ChatRoute, reply_to_message_id: int | None,
                           *, greet: bool = False) -> Case | list[Intent]:
    """The open case a reporter's message belongs to (the one replied to, else the one waiting
    for an answer, else the only open one), or what to tell the reporter when there is none
    (`greet`: a text from a chat that never reported gets the welcome)."""
    uow, language = ctx.uow, ctx.language
    case = None
    if reply_to_message_id is not None:
        case = await uow.cases.by_reporter_message(route, reply_to_message_id)
    if case is None:
        every = await uow.cases.for_route(route)
        cases = [c for c in every if not c.closed]
        waiting = [c for c in cases if c.awaiting_answer] or cases
        if len(waiting) > 1:
            numbers = ", ".join(c.number for c in waiting)
            return [Say(ToChat(route), "reporter.which_case", {"numbers": numbers}, lang=language)]
        case = waiting[0] if waiting else None
        if case is None and every:  # only closed cases: the latest one, and what it came to
            case = max(every, key=lambda c: c.updated_at)
    if case is None:
        if greet:  # first contact ("halo, saya mau lapor"): the welcome, with the menu
            return [welcome(ctx.policy, route, language)]
        return [Say(ToChat(route), "reporter.no_case", lang=language)]
    if case.closed:
        return [closed_say(route, case, language)]
    return case


def closed_say(route: ChatRoute, case: Case, language: str) -> Say:
    """A closed case: that it is closed, its outcome, and what the reporter can do now."""
    return Say(ToChat(route), "reporter.case_closed", {
        "number": case.number, "status": StatusName(case.status.value),
        "outcome": OutcomeBlock(case.outcome or "")}, lang=language,
        buttons=((Button("button.report", MenuButton("lapor")),),))


def ask_where(route: ChatRoute, case: Case, language: str) -> Say:
    return Say(ToChat(route), "reporter.ask_relay", {"number": case.number}, lang=language,
               buttons=((Button("button.relay_send", MenuButton("held", "send")),),
                        (Button("button.relay_new", MenuButton("held", "new")),
                         Button("button.relay_drop", MenuButton("held", "drop")))))


async def reporter_message(
    ctx: Context, route: ChatRoute, *, text: str | None = None, evidence: Upload | None = None,
    reply_to_message_id: int | None = None,
) -> list[Intent]:
    """A message from a reporter outside any draft: an answer to the case it belongs to. A
    ticket code in the text (or caption) makes it a status request instead: nothing relayed."""
    uow, policy, language, now = ctx.uow, ctx.policy, ctx.language, ctx.now
    if text is not None and (said := await status_request(
            ctx, route, text, file=evidence is not None)) is not None:
        return said
    case = await case_for_message(ctx, route, reply_to_message_id, greet=evidence is None)
    if not isinstance(case, Case):
        return case
    if evidence is None and text is not None and not _is_answer(reply_to_message_id):
        await uow.chats.hold(route, case.id, text[: policy.max_answer_chars], now)
        return [ask_where(route, case, language)]
    return await _relay(ctx, route, case, text, evidence)


def _is_answer(reply_to: int | None) -> bool:
    """A reply goes to the officer at once: the reporter answers something in this chat (a
    question, a status, or a copy Peluit has not linked yet: it links a sent message only after
    Telegram's answer, and a restart may send a question twice)."""
    return reply_to is not None


async def held_choice(ctx: Context, route: ChatRoute, choice: str) -> list[Intent] | None:
    """[Kirim ke petugas] relays the held message to its case; [Laporan baru] and [Batal] drop
    it (None for [Laporan baru]: the caller starts the report). A press with nothing held (the
    choice was made already) is told so."""
    held = await ctx.uow.chats.take_held(route)
    if held is None:
        return [Say(ToChat(route), "reporter.held_gone", lang=ctx.language)]
    if choice == "new":
        return None
    if choice != "send":
        return [Say(ToChat(route), "reporter.held_dropped", lang=ctx.language)]
    case = await ctx.uow.cases.get(held.case_id)
    if case is None:
        return [Say(ToChat(route), "reporter.no_case", lang=ctx.language)]
    if case.closed:
        return [closed_say(route, case, ctx.language)]
    return await _relay(ctx, route, case, held.text, None)


async def _relay(ctx: Context, route: ChatRoute, case: Case, text: str | None,
                 evidence: Upload | None) -> list[Intent]:
    uow, policy, language, now = ctx.uow, ctx.policy, ctx.language, ctx.now
    intents: list[Intent] = []
    shown = case_card(policy, case, now=now)  # the card before this answer
    staff_lang = policy.staff_language
    if evidence is not None:
        said = await _take_evidence(ctx, route, case, evidence)
        if said is not None:  # refused or held back: the caption stays with its file
            return said
    if text is not None:
        text = text[: policy.max_answer_chars]
        await uow.cases.add_message(case.id, Direction.FROM_REPORTER, text, now)
        if evidence is None:
            intents.append(Say(ToStaff(case.id), "staff.reporter_answer",
                               {"number": case.number, "text": text}, lang=staff_lang,
                               case_id=case.id, link_kind=LinkKind.REPORTER))
    if evidence is not None:  # one message: the copy carries its caption, labelled
        evidence_id = await uow.evidence.add_to_case(
            case.id, evidence.kind, evidence.data, evidence.mime_type, evidence.file_name,
            caption=text)
        case.evidence_ids.append(evidence_id)
        intents.append(SendEvidence(ToStaff(case.id), evidence_id, case.id, staff_lang))
        intents += await uploads.notices(
            uow, ToChat(route), language, uow.actor_token("case", case.id),
            removed=evidence.metadata_removed, may_carry_metadata=evidence.may_carry_metadata,
            recording=evidence.recording, now=now)
    case.awaiting_answer = False
    case.updated_at = now
    await uow.cases.save(case)
    await uow.audit.record("reporter", "relay.to_staff", case.number)
    intents.append(Say(ToChat(route), "reporter.answer_sent", {"number": case.number},
                       lang=language))
    intents += card_changes(policy, case, shown, now)  # the card's last activity
    return intents


async def _take_evidence(ctx: Context, route: ChatRoute, case: Case,
                         upload: Upload) -> list[Intent] | None:
    """None when the file may be added to the case (then it is counted); else what to say."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    size = len(upload.data)
    reason = uploads.over_daily_limit(policy, await uploads.usage(uow, route, case.id, now), size)
    if reason is not None:
        return [uploads.refusal_say(policy, route, reason, ctx.language)]
    if await uploads.held_back(uow, uow.actor_token("case", case.id), upload.may_carry_metadata,
                               now):
        return [Say(ToChat(route), "intake.metadata_held", lang=ctx.language)]
    await uploads.count(uow, policy, route, case.id, size, now)
    return None


async def file_refusal(ctx: Context, route: ChatRoute, size: int,
                       reply_to_message_id: int | None) -> list[Intent]:
    """Before a download, outside any draft: why this file cannot go to its case ([] when it
    may: then nothing was written)."""
    found = await case_for_message(ctx, route, reply_to_message_id)
    if not isinstance(found, Case):
        return found
    reason = uploads.refusal(ctx.policy, await uploads.usage(ctx.uow, route, found.id, ctx.now),
                             size)
    return [uploads.refusal_say(ctx.policy, route, reason, ctx.language)] if reason else []
