"""Staff-side use cases: finding a case, the anonymous relay to the reporter, status moves, lists
and deadline reminders (statistics and reports: flows/staff_reports.py).

Staff are identified in the audit log only by a keyed pseudonym; the reporter is never
identified at all. Staff see case numbers, never ticket codes.
"""

from __future__ import annotations

import re
from datetime import datetime

from flows import staff_relay
from flows.announcement import card_update, case_card, overdue_kind, topic_status
from flows.commands import CaseRef
from flows.context import Context
from flows.errors import UnknownCase
from flows.intents import (
    CaseRows,
    Intent,
    Later,
    OverdueRows,
    Say,
    StatusName,
    ToReporter,
    ToStaff,
)
from flows.lifecycle import CLOSED, CaseStatus, Role, apply_move
from flows.model import Case, Direction
from flows.policy import Policy
from flows.tickets import parse_case_number
from flows.uploads import Upload

__all__ = ["CaseRef", "ask", "case_card", "find_case", "list_open", "move", "recommend",
           "remind_overdue", "show_case", "split_recommendation"]

_RECOMMENDATION = re.compile(r"(?i)\b(?:rekomendasi|recommendation)\s*:")


async def find_case(ctx: Context, ref: CaseRef) -> Case:
    """The case a staff member points at. A case held back by the new-case delay does not exist
    for staff until its announcement (`post_after`): every staff view and move goes through
    here, so none of them reaches it early. Likewise a case of another staff group does not
    exist for this group's staff (the same answer as a number nobody has)."""
    uow, group = ctx.uow, ctx.staff_group
    case = None
    if ref.case_id:
        case = await uow.cases.get(ref.case_id)
    if case is None and ref.number:
        number = parse_case_number(ref.number, ctx.policy.case_prefix)
        case = await uow.cases.by_number(number) if number else None
    if case is None and ref.message_id is not None:
        case = await uow.cases.by_staff_message(ref.message_id, group)
    if case is None and ref.topic_id is not None:
        case = await uow.cases.by_topic(ref.topic_id, group)
    if (case is None or case.staff_group != group
            or (case.post_after is not None and case.post_after > ctx.now)):
        raise UnknownCase
    return case


async def show_case(ctx: Context, ref: CaseRef, reply_in: ToStaff) -> list[Intent]:
    """`/cari <case number>`: the case card again, where it was asked for."""
    return [case_card(ctx.policy, await find_case(ctx, ref), to=reply_in)]


# ---- staff → reporter


async def ask(ctx: Context, case: Case, staff_user_id: int, text: str, reply_in: ToStaff,
              upload: Upload | None = None) -> list[Intent | Later]:
    """Relay a staff question to the reporter as "Petugas WBS" (see flows/staff_relay.py)."""
    return await staff_relay.ask(ctx, case, staff_user_id, text, reply_in, upload)


# ---- status moves


def split_recommendation(text: str) -> tuple[str, str | None]:
    """`/selesai` words: the conclusion (told to the reporter), then after "Rekomendasi:" the
    recommendation for leadership (never told to the reporter); None when there is none."""
    found = _RECOMMENDATION.search(text)
    if found is None:
        return text.strip(), None
    conclusion, recommendation = text[:found.start()].strip(), text[found.end():].strip()
    return conclusion, recommendation or None


async def recommend(ctx: Context, case: Case, staff_user_id: int, text: str,
                    reply_in: ToStaff) -> list[Intent]:
    """Record a concluded case's recommendation for leadership (encrypted; audited without its
    words). The reporter is told nothing: the recommendation is for leadership and staff."""
    uow, policy = ctx.uow, ctx.policy
    if case.status is not CaseStatus.CONCLUDED:
        return [Say(reply_in, "staff.recommendation_not_concluded", {"number": case.number},
                    lang=policy.staff_language)]
    case.recommendation = text.strip()[: policy.max_answer_chars]
    case.updated_at = ctx.now
    await uow.cases.save(case)
    await uow.audit.record(uow.actor_token("staff", staff_user_id), "case.recommended",
                           case.number)
    return [Say(reply_in, "staff.recommended", {"number": case.number},
                lang=policy.staff_language, case_id=case.id)]


async def move(ctx: Context, case: Case, trigger: str, staff_user_id: int, text: str | None,
               reply_in: ToStaff, *, question: str | None = None,
               recommendation: str | None = None, confirm: bool = True) -> list[Intent]:
    """Move a case through the procedure; the reporter is told (with `question`, when the move
    asks one), the audit log records it, the card and the topic show the new status. `confirm`:
    say so in the group too (a press is answered on the officer's screen instead).
    `recommendation` (concluding): for leadership, stored with the case, never told to the
    reporter (the reporter is told the conclusion: `text`)."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
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
    elif before in CLOSED:  # reopened
        case.closed_at = None
    if case.status is CaseStatus.NEEDS_INFO:
        case.awaiting_answer = True
    if case.status is CaseStatus.CONCLUDED:
        recommendation = (recommendation or "").strip()[: policy.max_answer_chars]
        case.recommendation = recommendation or None
    await uow.cases.save(case)
    actor = uow.actor_token("staff", staff_user_id)
    await uow.audit.record(actor, "case.moved", case.number, f"{before.value}->{case.status.value}")
    if case.recommendation and case.status is CaseStatus.CONCLUDED:
        await uow.audit.record(actor, "case.recommended", case.number)
    status = StatusName(case.status.value)
    reporter_params = {"number": case.number, "status": status, "outcome": case.outcome or ""}
    key = f"reporter.status.{case.status.value}"
    if question:
        question = question.strip()[: policy.max_answer_chars]
        await uow.cases.add_message(case.id, Direction.TO_REPORTER, question, now)
        await uow.audit.record(actor, "relay.to_reporter", case.number)
        key, reporter_params["text"] = "reporter.status.needs_info_question", question
    intents: list[Intent] = [
        Say(ToReporter(case.id), key, reporter_params, lang=case.language, case_id=case.id)]
    if confirm:
        intents.append(Say(reply_in, "staff.moved", {"number": case.number, "status": status},
                           lang=policy.staff_language, case_id=case.id))
    return [*intents, card_update(policy, case, now), topic_status(case, before)]


# ---- lists


def _age_days(case: Case, now: datetime) -> int:
    return max(0, (now - case.created_at).days)


def _overdue(policy: Policy, case: Case, now: datetime) -> str:
    return overdue_kind(policy, case, now)


def topic_link(policy: Policy, case: Case) -> str:
    """A link to the case's topic in its staff group (members only can open it), or ""."""
    chat = str(case.staff_group or policy.staff_chat_id)
    if case.topic_id is None or not chat.startswith("-100"):
        return ""
    return f"https://t.me/c/{chat[4:]}/{case.topic_id}"


async def list_open(ctx: Context, reply_in: ToStaff, handler: str | None = None) -> list[Intent]:
    """`/kasus`: open cases, oldest first, each linked to its topic, with who handles it;
    `handler` (a pseudonym): only theirs (`/kasus saya`)."""
    policy, now = ctx.policy, ctx.now
    cases = sorted(await ctx.uow.cases.open_cases(now, ctx.staff_group),
                   key=lambda c: c.created_at)
    if handler is not None:
        cases = [c for c in cases if c.handler == handler]
    rows = CaseRows([c.number, c.category, c.status.value, _age_days(c, now),
                     _overdue(policy, c, now), c.handler_name if c.handler else "",
                     topic_link(policy, c)] for c in cases)
    if handler is not None:
        key = "staff.my_cases" if rows else "staff.no_my_cases"
    else:
        key = "staff.open_cases" if rows else "staff.no_open_cases"
    return [Say(reply_in, key, {"rows": rows}, lang=policy.staff_language)]


async def remind_overdue(ctx: Context) -> list[Intent]:
    """Once a day (across every replica), list each staff group's overdue cases in that group,
    grouped by who handles them."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    said: list[Intent] = []
    for group in policy.staff_groups:
        cases = sorted(await uow.cases.open_cases(now, group), key=lambda c: c.created_at)
        overdue = OverdueRows((c.number, _overdue(policy, c, now), _age_days(c, now),
                               c.handler_name if c.handler else "")
                              for c in cases if _overdue(policy, c, now))
        # The day's reminder is used up only when there was something to remind.
        key = f"reminder:{now.date().isoformat()}" + ("" if group is None else f":{group}")
        if not overdue or not await uow.throttle.hit(key, 1, 86400, now):
            continue
        await uow.audit.record("system", "reminder.overdue", None, str(len(overdue)))
        said.append(Say(ToStaff(group=group), "staff.overdue", {"rows": overdue},
                        lang=policy.staff_language))
    return said
