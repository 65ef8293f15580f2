"""The staff group's view of a case: its card (with the moves allowed now), and the news of a
new case (its topic, its card, its evidence)."""

from __future__ import annotations

from flows.buttons import MoveButton
from flows.intents import (
    Button,
    CategoryName,
    Intent,
    Keyboard,
    MaybeSkipped,
    OpenTopic,
    Say,
    SendEvidence,
    StatusName,
    ToStaff,
    YesNo,
)
from flows.lifecycle import Role, allowed_moves
from flows.model import Case
from flows.policy import Policy


def move_buttons(case: Case) -> Keyboard:
    moves = allowed_moves(case.status, Role.STAFF)
    buttons = [Button(f"move.{m.trigger}", MoveButton(m.trigger, case.id)) for m in moves]
    return tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))


def report_params(report: dict[str, str]) -> dict[str, object]:
    """The 5W+1H answers as message parameters (where may have been skipped)."""
    params: dict[str, object] = dict(report)
    if "where" in params:
        params["where"] = MaybeSkipped(params["where"])
    return params


def case_card(policy: Policy, case: Case, *, to: ToStaff | None = None) -> Say:
    params: dict[str, object] = {
        "number": case.number, "category": CategoryName(case.category),
        "status": StatusName(case.status.value), "evidence_count": len(case.evidence_ids),
        "contact": YesNo("yes" if case.has_contact else "no"),
        "created": case.created_at.date().isoformat(), **report_params(case.report),
    }
    return Say(to or ToStaff(case.id), "staff.card", params, buttons=move_buttons(case),
               lang=policy.staff_language, case_id=case.id, card=True)


def staff_announcement(policy: Policy, case: Case) -> list[Intent]:
    """The staff group learns of a new case: its topic, its card, its evidence."""
    intents: list[Intent] = [OpenTopic(case.id), case_card(policy, case)]
    intents += [SendEvidence(ToStaff(case.id), eid, case.id, policy.staff_language)
                for eid in case.evidence_ids]
    return intents
