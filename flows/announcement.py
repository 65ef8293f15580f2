"""The staff group's view of a case: its live card (status, who handles it, last activity, a
missed deadline, the moves allowed now), its topic's name and state, and the news of a new case
(its topic, its card, its evidence)."""

from __future__ import annotations

from datetime import datetime

from flows.buttons import MoveButton
from flows.intents import (
    Button,
    CategoryName,
    EditCard,
    HandlerBlock,
    Intent,
    Keyboard,
    MaybeSkipped,
    OpenTopic,
    OverdueMark,
    Say,
    SendEvidence,
    ShowTopicStatus,
    StatusName,
    ToStaff,
    YesNo,
    moment,
)
from flows.lifecycle import CLOSED, CaseStatus, Role, allowed_moves
from flows.model import Case
from flows.policy import Policy


def overdue_kind(policy: Policy, case: Case, now: datetime) -> str:
    """The deadline a case has missed: "ack" (first response), "feedback", or ""."""
    unacknowledged = case.acknowledged_at is None and case.status is CaseStatus.RECEIVED
    if unacknowledged and now - case.created_at > policy.ack_deadline:
        return "ack"
    if not case.closed and now - case.created_at > policy.feedback_deadline:
        return "feedback"
    return ""


TAKE = "take"
"""The card's [Ambil] button: not a move, the presser takes the case (flows/handling.py)."""


def move_buttons(case: Case) -> Keyboard:
    moves = allowed_moves(case.status, Role.STAFF)
    buttons = [Button(f"move.{m.trigger}", MoveButton(m.trigger, case.id)) for m in moves]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    if case.handler is None and not case.closed:
        rows += ((Button("button.take", MoveButton(TAKE, case.id)),),)
    return rows


def report_params(report: dict[str, str]) -> dict[str, object]:
    """The 5W+1H answers as message parameters (where may have been skipped)."""
    params: dict[str, object] = dict(report)
    if "where" in params:
        params["where"] = MaybeSkipped(params["where"])
    return params


def case_card(policy: Policy, case: Case, *, to: ToStaff | None = None,
              now: datetime | None = None) -> Say:
    """The card as the case is now, with who handles it (or that nobody does yet); `now`: for
    the overdue mark (None: none shown)."""
    params: dict[str, object] = {
        "number": case.number, "category": CategoryName(case.category),
        "status": StatusName(case.status.value), "evidence_count": len(case.evidence_ids),
        "contact": YesNo("yes" if case.has_contact else "no"),
        "created": moment(case.created_at),
        "activity": moment(case.updated_at or case.created_at),
        "overdue": OverdueMark(overdue_kind(policy, case, now) if now else ""),
        "handler": HandlerBlock(case.handler_name if case.handler else ""), **report_params(case.report),
    }
    return Say(to or ToStaff(case.id), "staff.card", params, buttons=move_buttons(case),
               lang=policy.staff_language, case_id=case.id, card=True)


def card_update(policy: Policy, case: Case, now: datetime) -> EditCard:
    """The case's card message shows the case as it is now (an edit, no new message)."""
    return EditCard(case_card(policy, case, now=now))


def card_changes(policy: Policy, case: Case, shown: Say, now: datetime) -> list[EditCard]:
    """The card's edit when the case now reads differently from `shown` (the card before the
    change): a relay in the same minute changes nothing on it, and Telegram refuses an edit
    that changes nothing."""
    card = case_card(policy, case, now=now)
    return [EditCard(card)] if card != shown else []


def topic_status(case: Case, before: CaseStatus | None = None) -> ShowTopicStatus:
    """The case's topic named by its status; closed when the case closes, reopened with it."""
    was_closed = before in CLOSED if before is not None else case.closed
    close = None if was_closed == case.closed else case.closed
    return ShowTopicStatus(case.id, case.number, case.category, case.status.value, close)


def staff_announcement(policy: Policy, case: Case) -> list[Intent]:
    """The staff group learns of a new case: its topic, its card, its evidence."""
    intents: list[Intent] = [OpenTopic(case.id), case_card(policy, case)]
    intents += [SendEvidence(ToStaff(case.id), eid, case.id, policy.staff_language)
                for eid in case.evidence_ids]
    return intents
