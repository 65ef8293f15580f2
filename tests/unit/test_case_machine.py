"""flows.lifecycle: the case table decides every move, who may make it and what it needs."""

from __future__ import annotations

import pytest

from flows.errors import InvalidTransition, TextRequired
from flows.lifecycle import (
    CLOSED,
    MACHINE,
    MOVES,
    MOVES_BY_COMMAND,
    CaseStatus,
    Move,
    Role,
    allowed_moves,
    apply_move,
    move_for_command,
)

C = CaseStatus
TRIGGERS = [m.trigger for m in MOVES]
ALLOWED = [(s, m) for m in MOVES for s in m.source]
DISALLOWED = [(s, m) for s in CaseStatus for m in MOVES if s not in m.source]
TEXT = "Diteruskan ke Inspektorat Jenderal"


def text_for(move_needs_text: bool) -> str | None:
    return TEXT if move_needs_text else None


# --------------------------------------------------------------------------- allowed moves


@pytest.mark.parametrize(("status", "move"), ALLOWED, ids=[f"{s.value}:{m.trigger}" for s, m in ALLOWED])
def test_given_a_status_when_an_allowed_move_is_made_then_the_case_reaches_its_destination(
    status: CaseStatus, move: Move
) -> None:
    assert apply_move(status, move.trigger, Role.STAFF, text_for(move.needs_text)) is move.dest


@pytest.mark.parametrize(("status", "move"), ALLOWED, ids=[f"{s.value}:{m.trigger}" for s, m in ALLOWED])
def test_given_an_allowed_move_that_needs_no_text_when_text_is_given_anyway_then_it_still_moves(
    status: CaseStatus, move: Move
) -> None:
    assert apply_move(status, move.trigger, Role.STAFF, "catatan") is move.dest


def test_given_the_procedure_then_the_table_is_the_one_in_the_product_description() -> None:
    edges = {(s, m.trigger, m.dest) for s, m in ALLOWED}
    assert edges == {
        (C.RECEIVED, "verify", C.VERIFYING),
        (C.VERIFYING, "request_info", C.NEEDS_INFO),
        (C.NEEDS_INFO, "resume", C.VERIFYING),
        (C.VERIFYING, "clarify", C.CLARIFICATION),
        (C.CLARIFICATION, "conclude", C.CONCLUDED),
        (C.VERIFYING, "forward", C.FORWARDED),
        (C.NEEDS_INFO, "forward", C.FORWARDED),
        (C.VERIFYING, "reject", C.NOT_ACTIONABLE),
        (C.NEEDS_INFO, "reject", C.NOT_ACTIONABLE),
        (C.FORWARDED, "reopen", C.VERIFYING),
        (C.CONCLUDED, "reopen", C.VERIFYING),
        (C.NOT_ACTIONABLE, "reopen", C.VERIFYING),
    }
    assert {m.trigger for m in MOVES if m.needs_text} == {"conclude", "forward", "reject"}
    # A press asks for the words of these (a question, for request_info) with a reply prompt.
    assert {m.trigger: m.asks for m in MOVES if m.asks} == {
        "request_info": "question", "conclude": "text", "forward": "text", "reject": "text"}


# --------------------------------------------------------------------------- disallowed moves


@pytest.mark.parametrize(
    ("status", "move"), DISALLOWED, ids=[f"{s.value}:{m.trigger}" for s, m in DISALLOWED]
)
def test_given_a_status_when_a_move_not_allowed_from_it_is_made_then_invalid_transition(
    status: CaseStatus, move: Move
) -> None:
    with pytest.raises(InvalidTransition):
        apply_move(status, move.trigger, Role.STAFF, TEXT)


@pytest.mark.parametrize(
    ("status", "trigger"),
    [(C.RECEIVED, "conclude"), (C.CONCLUDED, "forward"), (C.CLARIFICATION, "reject")],
)
def test_given_a_disallowed_move_needing_text_when_made_without_text_then_invalid_transition(
    status: CaseStatus, trigger: str
) -> None:
    with pytest.raises(InvalidTransition):
        apply_move(status, trigger, Role.STAFF, None)


@pytest.mark.parametrize("trigger", ["nonsense", "", "to_concluded", "trigger"])
@pytest.mark.parametrize("status", list(CaseStatus))
def test_given_an_unknown_trigger_then_invalid_transition(status: CaseStatus, trigger: str) -> None:
    with pytest.raises(InvalidTransition):
        apply_move(status, trigger, Role.STAFF, TEXT)


@pytest.mark.parametrize("status", sorted(CLOSED))
@pytest.mark.parametrize("trigger", [t for t in TRIGGERS if t != "reopen"])
def test_given_a_closed_case_when_any_move_but_reopen_is_made_then_invalid_transition(
    status: CaseStatus, trigger: str
) -> None:
    with pytest.raises(InvalidTransition):
        apply_move(status, trigger, Role.STAFF, TEXT)


# --------------------------------------------------------------------------- text


TEXT_MOVES = [(s, m) for s, m in ALLOWED if m.needs_text]


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
@pytest.mark.parametrize(
    ("status", "move"), TEXT_MOVES, ids=[f"{s.value}:{m.trigger}" for s, m in TEXT_MOVES]
)
def test_given_a_move_needing_text_when_the_text_is_empty_then_text_required(
    status: CaseStatus, move: Move, text: str | None
) -> None:
    with pytest.raises(TextRequired):
        apply_move(status, move.trigger, Role.STAFF, text)


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(("status", "move"), ALLOWED, ids=[f"{s.value}:{m.trigger}" for s, m in ALLOWED])
def test_given_the_system_role_when_it_makes_a_staff_move_then_invalid_transition(
    status: CaseStatus, move: Move
) -> None:
    with pytest.raises(InvalidTransition):
        apply_move(status, move.trigger, Role.SYSTEM, TEXT)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_given_the_system_role_then_no_moves_are_offered(status: CaseStatus) -> None:
    assert allowed_moves(status, Role.SYSTEM) == []


# --------------------------------------------------------------------------- buttons


@pytest.mark.parametrize(
    ("status", "triggers"),
    [
        (C.RECEIVED, ["verify"]),
        (C.VERIFYING, ["request_info", "clarify", "forward", "reject"]),
        (C.NEEDS_INFO, ["resume", "forward", "reject"]),
        (C.CLARIFICATION, ["conclude"]),
        (C.FORWARDED, ["reopen"]),
        (C.CONCLUDED, ["reopen"]),
        (C.NOT_ACTIONABLE, ["reopen"]),
    ],
)
def test_given_a_status_then_exactly_its_moves_are_offered_in_table_order(
    status: CaseStatus, triggers: list[str]
) -> None:
    assert [m.trigger for m in allowed_moves(status)] == triggers


@pytest.mark.parametrize("status", list(CaseStatus))
def test_given_the_offered_moves_then_each_one_succeeds(status: CaseStatus) -> None:
    for move in allowed_moves(status):
        assert apply_move(status, move.trigger, Role.STAFF, TEXT) is move.dest


def test_given_moves_were_computed_then_the_shared_machine_holds_no_model() -> None:
    for status in CaseStatus:
        allowed_moves(status)
        for trigger in TRIGGERS:
            try:
                apply_move(status, trigger, Role.STAFF, TEXT)
            except InvalidTransition:
                pass
    assert MACHINE.models == []


def test_given_closed_states_then_the_property_and_the_table_agree() -> None:
    assert CLOSED == {C.FORWARDED, C.CONCLUDED, C.NOT_ACTIONABLE}
    only_reopen = {s for s in CaseStatus
                   if [m.trigger for m in MOVES if s in m.source] == ["reopen"]}
    assert only_reopen == CLOSED


# --------------------------------------------------------------------------- commands


@pytest.mark.parametrize(
    ("status", "trigger"),
    [(C.RECEIVED, "verify"), (C.NEEDS_INFO, "resume")],
)
def test_given_verifikasi_then_it_verifies_or_resumes_by_status(status: CaseStatus, trigger: str) -> None:
    move = move_for_command("verifikasi", status)

    assert move is not None and move.trigger == trigger
    assert apply_move(status, move.trigger, Role.STAFF, None) is C.VERIFYING


@pytest.mark.parametrize(("status", "move"), ALLOWED, ids=[f"{s.value}:{m.trigger}" for s, m in ALLOWED])
def test_given_each_allowed_move_then_its_command_finds_it(status: CaseStatus, move: Move) -> None:
    assert move_for_command(move.command, status) is move


def test_given_a_command_not_possible_from_the_status_then_a_move_that_will_be_refused() -> None:
    move = move_for_command("selesai", C.RECEIVED)

    assert move is not None and move.trigger == "conclude"
    with pytest.raises(InvalidTransition):
        apply_move(C.RECEIVED, move.trigger, Role.STAFF, TEXT)


@pytest.mark.parametrize("command", ["kasus", "", "selesai2", "VERIFIKASI"])
def test_given_an_unknown_command_then_no_move(command: str) -> None:
    assert move_for_command(command, C.VERIFYING) is None


def test_given_the_commands_then_only_verifikasi_is_shared() -> None:
    shared = {c for c, ms in MOVES_BY_COMMAND.items() if len(ms) > 1}
    assert shared == {"verifikasi"}
