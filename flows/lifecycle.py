"""The case lifecycle, from the institution's procedure: a declared table, nothing else decides.

received ─► verifying ─► clarification ─► concluded, with needs_info, forwarded and
not_actionable branches; a closed case may be reopened (back to verifying). Each move says who
may make it, whether it needs a text (a conclusion, the authority forwarded to, the reason it
cannot be pursued), what its button asks for, and what the reporter is told.
`docs/case.mmd` is generated from this table (`python -m flows.diagrams`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from transitions import Machine, MachineError

from flows.errors import InvalidTransition, TextRequired


class CaseStatus(StrEnum):
    RECEIVED = "received"  # diterima
    VERIFYING = "verifying"  # verifikasi
    NEEDS_INFO = "needs_info"  # perlu_info
    FORWARDED = "forwarded"  # diteruskan
    CLARIFICATION = "clarification"  # klarifikasi (audit & clarification)
    CONCLUDED = "concluded"  # selesai
    NOT_ACTIONABLE = "not_actionable"  # tidak_dapat_ditindaklanjuti


CLOSED = frozenset({CaseStatus.FORWARDED, CaseStatus.CONCLUDED, CaseStatus.NOT_ACTIONABLE})


class Role(StrEnum):
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    trigger: str
    source: tuple[CaseStatus, ...]
    dest: CaseStatus
    roles: frozenset[Role]
    needs_text: bool
    command: str
    """The staff command that makes this move."""
    asks: str = ""
    """What a press on its button asks the officer for with a reply prompt: "text" (the move's
    text), "question" (a question sent to the reporter with the move), or "" (nothing)."""


_C = CaseStatus
_STAFF = frozenset({Role.STAFF})

MOVES: tuple[Move, ...] = (
    #     trigger         from                                   to                  roles   text   command
    Move("verify", (_C.RECEIVED,), _C.VERIFYING, _STAFF, False, "verifikasi"),
    Move("request_info", (_C.VERIFYING,), _C.NEEDS_INFO, _STAFF, False, "perluinfo", "question"),
    Move("resume", (_C.NEEDS_INFO,), _C.VERIFYING, _STAFF, False, "verifikasi"),
    Move("clarify", (_C.VERIFYING,), _C.CLARIFICATION, _STAFF, False, "klarifikasi"),
    Move("conclude", (_C.CLARIFICATION,), _C.CONCLUDED, _STAFF, True, "selesai", "text"),
    Move("forward", (_C.VERIFYING, _C.NEEDS_INFO), _C.FORWARDED, _STAFF, True, "teruskan", "text"),
    Move("reject", (_C.VERIFYING, _C.NEEDS_INFO), _C.NOT_ACTIONABLE, _STAFF, True, "tolak", "text"),
    Move("reopen", tuple(sorted(CLOSED)), _C.VERIFYING, _STAFF, False, "bukakembali"),
)
MOVES_BY_TRIGGER = {m.trigger: m for m in MOVES}
MOVES_BY_COMMAND: dict[str, list[Move]] = {}
for _m in MOVES:
    MOVES_BY_COMMAND.setdefault(_m.command, []).append(_m)


class _CaseModel:
    def __init__(self, status: CaseStatus) -> None:
        self.state = status


MACHINE = Machine(
    model=None,
    states=list(CaseStatus),
    transitions=[
        {"trigger": m.trigger, "source": list(m.source), "dest": m.dest} for m in MOVES
    ],
    initial=CaseStatus.RECEIVED,
    auto_transitions=False,
    ignore_invalid_triggers=False,
)


def allowed_moves(status: CaseStatus, role: Role = Role.STAFF) -> list[Move]:
    """The moves that may be made from `status` by `role`, in table order (for buttons)."""
    model = _CaseModel(status)
    MACHINE.add_model(model, initial=status)
    try:
        triggers = set(MACHINE.get_triggers(status))
    finally:
        MACHINE.remove_model(model)
    return [m for m in MOVES if m.trigger in triggers and role in m.roles]


def apply_move(status: CaseStatus, trigger: str, role: Role, text: str | None) -> CaseStatus:
    """The status after `trigger`, or InvalidTransition / TextRequired."""
    move = MOVES_BY_TRIGGER.get(trigger)
    if move is None or role not in move.roles or status not in move.source:
        raise InvalidTransition(trigger)
    if move.needs_text and not (text and text.strip()):
        raise TextRequired(trigger)
    model = _CaseModel(status)
    MACHINE.add_model(model, initial=status)
    try:
        model.trigger(trigger)  # type: ignore[attr-defined]
    except MachineError as exc:
        raise InvalidTransition(trigger) from exc
    finally:
        MACHINE.remove_model(model)
    return CaseStatus(model.state)


def move_for_command(command: str, status: CaseStatus) -> Move | None:
    """Which move a staff command means from `status` (`/verifikasi` both verifies and resumes)."""
    for move in MOVES_BY_COMMAND.get(command, []):
        if status in move.source:
            return move
    candidates = MOVES_BY_COMMAND.get(command)
    return candidates[0] if candidates else None
