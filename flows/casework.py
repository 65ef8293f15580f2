"""Staff-side use cases: case cards, the anonymous relay in both directions, status moves,
lists, statistics and deadline reminders.

Staff are identified in the audit log only by a keyed pseudonym; the reporter is never
identified at all. Staff see case numbers, never ticket codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows import uploads
from flows.errors import UnknownCase
from flows.intents import Button, ChatRoute, Intent, Say, SendEvidence, ToChat, ToReporter, ToStaff
from flows.lifecycle import CLOSED, CaseStatus, Role, allowed_moves, apply_move
from flows.model import Case, Direction
from flows.policy import Policy
from flows.ports import UnitOfWork
from flows.reporting import Upload
from flows.status import status_request
from flows.tickets import parse_case_number

CB = "c"  # callback prefix of staff buttons


def move_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    moves = allowed_moves(case.status, Role.STAFF)
    buttons = [Button(f"move.{m.trigger}", f"{CB}:{m.trigger}:{case.id}") for m in moves]
    return tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))


def case_card(policy: Policy, case: Case, *, to: ToStaff | None = None) -> Say:
    params: dict[str, object] = {
        "number": case.number, "category": case.category, "status": case.status.value,
        "evidence_count": len(case.evidence_ids), "contact": "yes" if case.has_contact else "no",
        "created": case.created_at.date().isoformat(), **case.report,
    }
    return Say(to or ToStaff(case.id), "staff.card", params, buttons=move_buttons(case),
               lang=policy.staff_language, case_id=case.id, card=True)


@dataclass(frozen=True)
class CaseRef:
    """How a staff member pointed at a case: a case number, a topic, or a message replied to."""

    number: str | None = None
    topic_id: int | None = None
    message_id: int | None = None
    case_id: str | None = None


async def find_case(uow: UnitOfWork, policy: Policy, ref: CaseRef, now: datetime) -> Case:
    """The case a staff member points at. A case held back by the new-case delay does not exist
    for staff until its announcement (`post_after`): every staff view and move goes through
    here, so none of them reaches it early."""
    case = None
    if ref.case_id:
        case = await uow.cases.get(ref.case_id)
    if case is None and ref.number:
        number = parse_case_number(ref.number, policy.case_prefix)
        case = await uow.cases.by_number(number) if number else None
    if case is None and ref.message_id is not None:
        case = await uow.cases.by_staff_message(ref.message_id)
    if case is None and ref.topic_id is not None:
        case = await uow.cases.by_topic(ref.topic_id)
    if case is None or (case.post_after is not None and case.post_after > now):
        raise UnknownCase
    return case


async def show_case(
    uow: UnitOfWork, policy: Policy, ref: CaseRef, reply_in: ToStaff, now: datetime
) -> list[Intent]:
    """`/cari <case number>`: the case card again, where it was asked for."""
    async with uow:
        case = await find_case(uow, policy, ref, now)
        return await _finish(uow, [case_card(policy, case, to=reply_in)])


async def _finish(uow: UnitOfWork, intents: list[Intent]) -> list[Intent]:
    await uow.outbox.put(intents)
    await uow.commit()
    return intents


# ---- staff → reporter


async def ask_reporter(
    uow: UnitOfWork, policy: Policy, ref: CaseRef, staff_user_id: int, text: str, now: datetime,
    reply_in: ToStaff,
) -> list[Intent]:
    """Relay a staff question to the reporter as "Petugas WBS", never with a staff name."""
    async with uow:
        case = await find_case(uow, policy, ref, now)
        return await _ask(uow, policy, case, staff_user_id, text, now, reply_in)


async def _ask(
    uow: UnitOfWork, policy: Policy, case: Case, staff_user_id: int, text: str, now: datetime,
    reply_in: ToStaff,
) -> list[Intent]:
    text = text.strip()[: policy.max_answer_chars]
    if not text:
        return await _finish(uow, [Say(reply_in, "staff.empty_question", lang=policy.staff_language)])
    if case.closed:
        say = Say(reply_in, "staff.case_closed", {"number": case.number}, lang=policy.staff_language)
        return await _finish(uow, [say])
    await uow.cases.add_message(case.id, Direction.TO_REPORTER, text, now)
    case.awaiting_answer = True
    case.updated_at = now
    if case.acknowledged_at is None:
        case.acknowledged_at = now
    await uow.cases.save(case)
    await uow.audit.record(uow.actor_token("staff", staff_user_id), "relay.to_reporter", case.number)
    return await _finish(uow, [
        Say(ToReporter(case.id), "reporter.question", {"number": case.number, "text": text},
            lang=case.language, case_id=case.id),
        Say(reply_in, "staff.relayed", {"number": case.number}, lang=policy.staff_language),
    ])


# ---- reporter → staff


async def case_for_message(
    uow: UnitOfWork, route: ChatRoute, language: str, reply_to_message_id: int | None
) -> Case | list[Intent]:
    """The open case a reporter's message belongs to (the one replied to, else the one waiting
    for an answer, else the only open one), or what to tell the reporter when there is none."""
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
    uow: UnitOfWork, policy: Policy, route: ChatRoute, language: str, now: datetime, *,
    text: str | None = None, evidence: Upload | None = None,
    reply_to_message_id: int | None = None,
) -> list[Intent]:
    """A message from a reporter outside any draft: an answer to the case it belongs to. A
    ticket code in the text (or caption) makes it a status request instead: nothing relayed."""
    async with uow:
        await uow.lock_chat(route)
        if text is not None and (said := await status_request(
                uow, policy, route, text, language, now, file=evidence is not None)) is not None:
            return said
        case = await case_for_message(uow, route, language, reply_to_message_id)
        if not isinstance(case, Case):
            return await _finish(uow, case)
        intents: list[Intent] = []
        staff_lang = policy.staff_language
        if evidence is not None:
            said = await _take_evidence(uow, policy, route, language, case, evidence, now)
            if said is not None:  # refused or held back: the caption stays with its file
                return await _finish(uow, said)
        if text is not None:
            text = text[: policy.max_answer_chars]
            await uow.cases.add_message(case.id, Direction.FROM_REPORTER, text, now)
            intents.append(Say(ToStaff(case.id), "staff.reporter_answer",
                               {"number": case.number, "text": text}, lang=staff_lang,
                               case_id=case.id))
        if evidence is not None:
            evidence_id = await uow.evidence.add_to_case(
                case.id, evidence.kind, evidence.data, evidence.mime_type, evidence.file_name)
            case.evidence_ids.append(evidence_id)
            intents.append(Say(ToStaff(case.id), "staff.reporter_file", {"number": case.number},
                               lang=staff_lang, case_id=case.id))
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
        return await _finish(uow, intents)


async def _take_evidence(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, language: str, case: Case, upload: Upload,
    now: datetime,
) -> list[Intent] | None:
    """None when the file may be added to the case (then it is counted); else what to say."""
    size = len(upload.data)
    reason = uploads.over_daily_limit(policy, await uploads.usage(uow, route, case.id, now), size)
    if reason is not None:
        return [uploads.refusal_say(policy, route, reason, language)]
    if await uploads.held_back(uow, uow.actor_token("case", case.id), upload.may_carry_metadata, now):
        return [Say(ToChat(route), "intake.metadata_held", lang=language)]
    await uploads.count(uow, policy, route, case.id, size, now)
    return None


# ---- status moves


async def move_case(
    uow: UnitOfWork, policy: Policy, ref: CaseRef, trigger: str, staff_user_id: int,
    text: str | None, now: datetime, reply_in: ToStaff,
) -> list[Intent]:
    """Move a case through the procedure; the reporter is told, the audit log records it."""
    async with uow:
        case = await find_case(uow, policy, ref, now)
        return await _move(uow, policy, case, trigger, staff_user_id, text, now, reply_in)


async def _move(
    uow: UnitOfWork, policy: Policy, case: Case, trigger: str, staff_user_id: int,
    text: str | None, now: datetime, reply_in: ToStaff,
) -> list[Intent]:
    before = case.status
    case.status = apply_move(before, trigger, Role.STAFF, text)
    case.updated_at = now
    if case.acknowledged_at is None:
        case.acknowledged_at = now
    if text and text.strip():
        case.outcome = text.strip()
    if case.status in CLOSED:
        case.closed_at = now
        case.awaiting_answer = False
    if case.status is CaseStatus.NEEDS_INFO:
        case.awaiting_answer = True
    await uow.cases.save(case)
    actor = uow.actor_token("staff", staff_user_id)
    await uow.audit.record(actor, "case.moved", case.number, f"{before.value}->{case.status.value}")
    reporter_params = {"number": case.number, "status": case.status.value,
                       "outcome": case.outcome or ""}
    key = f"reporter.status.{case.status.value}"
    return await _finish(uow, [
        Say(ToReporter(case.id), key, reporter_params, lang=case.language, case_id=case.id),
        Say(reply_in, "staff.moved", {"number": case.number, "status": case.status.value},
            buttons=move_buttons(case), lang=policy.staff_language, case_id=case.id),
    ])


# ---- lists and statistics


def _age_days(case: Case, now: datetime) -> int:
    return max(0, (now - case.created_at).days)


def _overdue(policy: Policy, case: Case, now: datetime) -> str:
    unacknowledged = case.acknowledged_at is None and case.status is CaseStatus.RECEIVED
    if unacknowledged and now - case.created_at > policy.ack_deadline:
        return "ack"
    if not case.closed and now - case.created_at > policy.feedback_deadline:
        return "feedback"
    return ""


async def list_open(uow: UnitOfWork, policy: Policy, now: datetime, reply_in: ToStaff) -> list[Intent]:
    async with uow:
        cases = sorted(await uow.cases.open_cases(now), key=lambda c: c.created_at)
        rows = [[c.number, c.category, c.status.value, _age_days(c, now), _overdue(policy, c, now)]
                for c in cases]
        key = "staff.open_cases" if rows else "staff.no_open_cases"
        return await _finish(uow, [Say(reply_in, key, {"rows": rows}, lang=policy.staff_language)])


async def statistics(
    uow: UnitOfWork, policy: Policy, reply_in: ToStaff, now: datetime
) -> list[Intent]:
    async with uow:
        counts = await uow.cases.counts(now)
        by_status: dict[str, int] = {}
        by_category: dict[str, int] = {}
        for (status, category), n in counts.items():
            by_status[status] = by_status.get(status, 0) + n
            by_category[category] = by_category.get(category, 0) + n
        params = {"total": sum(counts.values()),
                  "by_status": sorted(by_status.items()), "by_category": sorted(by_category.items())}
        return await _finish(uow, [Say(reply_in, "staff.statistics", params,
                                       lang=policy.staff_language)])


async def remind_overdue(uow: UnitOfWork, policy: Policy, now: datetime) -> list[Intent]:
    """Once a day (across every replica), list overdue cases in the staff group."""
    async with uow:
        overdue = [(c.number, _overdue(policy, c, now), _age_days(c, now))
                   for c in sorted(await uow.cases.open_cases(now), key=lambda c: c.created_at)
                   if _overdue(policy, c, now)]
        if not overdue:
            return []
        # The day's reminder is used up only when there was something to remind.
        if not await uow.throttle.hit(f"reminder:{now.date().isoformat()}", 1, 86400, now):
            await uow.commit()
            return []
        intents: list[Intent] = []
        if overdue:
            intents.append(Say(ToStaff(), "staff.overdue", {"rows": overdue},
                               lang=policy.staff_language))
            await uow.audit.record("system", "reminder.overdue", None, str(len(overdue)))
        return await _finish(uow, intents)
