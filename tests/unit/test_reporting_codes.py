"""flows.reporting.receive_text: a ticket code typed during a report is a status request, in every
step: never appended to an answer, never sealed as contact details, never on the staff card."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.intake import Step
from flows.intents import ChatRoute
from tests.unit.drive import ask_for_ticket, receive_text, start_report
from tests.unit.fakes import FakeSealer, FakeUnitOfWork, seed_case
from tests.unit.test_reporting import (
    ANSWERS,
    NOW,
    POLICY,
    ROUTE,
    keys,
    say,
    stored,
    tap,
    to_evidence,
)

OTHER_PHONE = ChatRoute(8000000009)
WRONG = "7Q3M-9X2K-HB4T-0RVW"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


@pytest.fixture
def sealer() -> FakeSealer:
    return FakeSealer()


async def walk_to(uow: FakeUnitOfWork, sealer: FakeSealer, step: Step):
    """A draft at `step` (a text step, or contact), with the answers before it given."""
    out = await start_report(uow, POLICY, ROUTE, "id", 100, NOW)
    out = await tap(uow, sealer, out, "category.korupsi")
    for name in ("what", "who", "when", "where", "how"):
        if Step(name) is step:
            return out
        out = await say(uow, sealer, ANSWERS[name])
    out = await tap(uow, sealer, out, "button.skip_evidence")
    out = await tap(uow, sealer, out, "button.leave_contact")
    assert (await stored(uow)).step is Step.CONTACT
    return out


@pytest.mark.parametrize("step", [Step.WHAT, Step.WHO, Step.WHEN, Step.WHERE, Step.HOW,
                                  Step.CONTACT])
async def test_given_a_code_of_an_earlier_case_typed_in_a_step_then_it_is_shown_not_saved(
    uow: FakeUnitOfWork, sealer: FakeSealer, step: Step,
) -> None:
    earlier, ticket = await seed_case(uow, OTHER_PHONE, NOW - timedelta(days=3))
    await walk_to(uow, sealer, step)
    before = await stored(uow)

    out = await say(uow, sealer, f"kode saya {ticket.lower()} dari laporan dulu")

    assert keys(out) == ["status.code_not_relayed", "status.show", "status.moved_away"]
    after = await stored(uow)
    assert (after.pending, after.answers, after.sealed_contact) == (
        before.pending, before.answers, before.sealed_contact)
    assert sealer.sealed == [] and uow.staff_bound() == []
    assert out[1].params["number"] == earlier.number  # type: ignore[union-attr]


@pytest.mark.parametrize("step", [Step.WHAT, Step.CONTACT, Step.EVIDENCE])
async def test_given_a_wrong_code_typed_in_a_step_then_it_is_refused_and_not_saved(
    uow: FakeUnitOfWork, sealer: FakeSealer, step: Step,
) -> None:
    if step is Step.EVIDENCE:
        await to_evidence(uow, sealer)
    else:
        await walk_to(uow, sealer, step)
    before = await stored(uow)

    out = await say(uow, sealer, f"nomornya {WRONG}")

    assert keys(out) == ["status.unknown_in_text"]
    after = await stored(uow)
    assert (after.pending, after.answers, after.sealed_contact) == (
        before.pending, before.answers, before.sealed_contact)
    assert sealer.sealed == []


async def test_given_a_prompt_opened_during_a_draft_then_the_pasted_code_is_taken_as_the_code(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await walk_to(uow, sealer, Step.WHO)
    await ask_for_ticket(uow, ROUTE, "id", NOW + timedelta(seconds=1))

    out = await receive_text(uow, POLICY, ROUTE, "saya lupa", NOW + timedelta(seconds=2), sealer)

    assert keys(out) == ["status.ask_again"]
    assert (await stored(uow)).pending == ""


async def test_given_the_report_went_on_after_the_prompt_then_text_is_an_answer_again(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await ask_for_ticket(uow, ROUTE, "id", NOW - timedelta(minutes=1))
    await walk_to(uow, sealer, Step.WHAT)  # /lapor after Cek status: the reporter moved on

    out = await say(uow, sealer, ANSWERS["what"])

    assert keys(out) == ["intake.ask_who"]
    assert (await stored(uow)).answers["what"] == ANSWERS["what"]


async def test_given_a_prompt_when_the_report_in_progress_is_resumed_then_text_is_an_answer_again(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await walk_to(uow, sealer, Step.WHAT)
    await ask_for_ticket(uow, ROUTE, "id", NOW + timedelta(seconds=1))

    await start_report(uow, POLICY, ROUTE, "id", 200, NOW + timedelta(seconds=2))  # /lapor again
    out = await receive_text(uow, POLICY, ROUTE, ANSWERS["what"], NOW + timedelta(seconds=3), sealer)

    assert keys(out) == ["intake.ask_who"]
