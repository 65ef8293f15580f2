"""The anonymous relay, reporter to staff: a message outside any draft is an answer to the case it
belongs to (or a status request, when it holds a ticket code)."""

from __future__ import annotations

from flows import uploads
from flows.announcement import card_changes, case_card
from flows.context import Context
from flows.delivery_model import LinkKind
from flows.intents import ChatRoute, Intent, Say, SendEvidence, ToChat, ToStaff
from flows.model import Case, Direction
from flows.status import status_request
from flows.uploads import Upload


async def case_for_message(ctx: Context, route: ChatRoute,
                           reply_to_message_id: int | None) -> Case | list[Intent]:
    """The open case a reporter's message belongs to (the one replied to, else the one waiting
    for an answer, else the only open one), or what to tell the reporter when there is none."""
    uow, language = ctx.uow, ctx.language
    case = None
    if reply_to_message_id is not None:
        case = await uow.cases.by_reporter_message(route, reply_to_message_id)
    if case is None:
        cases = [c for c in await uow.cases.for_route(route) if not c.closed]
        waiting = [c for c in cases if c.awaiting_answer] or cases
        if len(waiting) > 1:
            numbers = ", ".join(c.number for c in waiting)
            return [Say(ToChat(route), "reporter.which_case", {"numbers": numbers}, lang=language)]
        case = waiting[0] if waiting else None
    if case is None:
        return [Say(ToChat(route), "reporter.no_case", lang=language)]
    if case.closed:
        return [Say(ToChat(route), "reporter.case_closed", {"number": case.number}, lang=language)]
    return case


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
    case = await case_for_message(ctx, route, reply_to_message_id)
    if not isinstance(case, Case):
        return case
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
