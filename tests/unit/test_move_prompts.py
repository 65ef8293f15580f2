"""flows.move_prompts: a press on a move that needs words asks the officer who pressed; only that
officer's reply, in time and with words, completes the move ([Minta info]: the question and the
move reach the reporter together)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.buttons import MoveButton
from flows.commands import StaffPress, StaffReply
from flows.intents import EditCard, Intent, Mention, Say, ShowTopicStatus, ToReporter, ToStaff
from flows.lifecycle import CaseStatus
from flows.model import Case, Direction
from flows.move_prompts import PROMPT_TTL
from tests.unit.drive import handle, run
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = 7395501234
OFFICER, COLLEAGUE = 424242001, 424242002
TOPIC = ToStaff(thread_id=55)
PROMPT_ID = 9001
POLICY = policy()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


async def press(uow: FakeUnitOfWork, case: Case, trigger: str) -> Say:
    """The officer presses; the prompt is sent and (as delivery records it) remembered."""
    [prompt] = await run(uow, StaffPress(button=MoveButton(trigger, case.id), user_id=OFFICER,
                                         name="Budi", reply_in=TOPIC), POLICY, NOW)
    assert isinstance(prompt, Say) and prompt.awaits is not None
    async with uow:
        await uow.prompts.add(PROMPT_ID, prompt.awaits)
        await uow.commit()
    return prompt


async def reply(uow: FakeUnitOfWork, text: str, *, user: int = OFFICER,
                at: datetime = NOW) -> list[Intent]:
    return await run(uow, StaffReply(replied_message_id=PROMPT_ID, text=text, user_id=user,
                                     reply_in=TOPIC), POLICY, at)


async def status(uow: FakeUnitOfWork, case: Case) -> CaseStatus:
    found = await uow.cases.get(case.id)
    assert found is not None
    return found.status


@pytest.mark.parametrize(("source", "trigger"), [
    (CaseStatus.CLARIFICATION, "conclude"), (CaseStatus.VERIFYING, "forward"),
    (CaseStatus.NEEDS_INFO, "reject"), (CaseStatus.VERIFYING, "request_info")])
async def test_given_a_move_that_needs_words_when_pressed_then_a_prompt_asks_the_officer_and_nothing_moves(
    uow: FakeUnitOfWork, source: CaseStatus, trigger: str,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3), status=source)

    prompt = await press(uow, case, trigger)

    assert (prompt.to, prompt.key, prompt.reply_prompt) == (
        ToStaff(case.id), f"staff.prompt.{trigger}", f"staff.prompt_hint.{trigger}")
    officer = prompt.params["officer"]
    assert isinstance(officer, Mention) and (str(officer), officer.user_id) == ("Budi", OFFICER)
    assert prompt.awaits.trigger == trigger and prompt.awaits.expires == NOW + PROMPT_TTL
    assert prompt.awaits.actor == uow.actor_token("staff", OFFICER)
    assert await status(uow, case) is source
    assert str(OFFICER) not in repr(uow.state.audit)


async def test_given_a_prompt_when_its_officer_replies_then_the_move_is_made_with_the_words(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3), status=CaseStatus.CLARIFICATION)
    await press(uow, case, "conclude")

    out = await reply(uow, "  Terbukti; uang dikembalikan.  ")

    assert await status(uow, case) is CaseStatus.CONCLUDED
    [told] = [i for i in out if isinstance(i, Say) and isinstance(i.to, ToReporter)]
    assert told.params["outcome"] == "Terbukti; uang dikembalikan."
    assert any(isinstance(i, EditCard) for i in out)
    assert [i.close for i in out if isinstance(i, ShowTopicStatus)] == [True]
    assert await uow.prompts.get(PROMPT_ID) is None  # used up
    again = await handle(uow, StaffReply(replied_message_id=PROMPT_ID, text="lagi",
                                         user_id=OFFICER, reply_in=TOPIC), POLICY, NOW)
    # No prompt now: an ordinary reply to a message of no case, which relays nothing and says
    # nothing (a reply that is not to a case's card or reporter message stays internal).
    assert again.error is None and again.intents == []


async def test_given_a_request_info_prompt_when_answered_then_question_and_move_go_together(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3), status=CaseStatus.VERIFYING)
    await press(uow, case, "request_info")

    out = await reply(uow, "Di lantai berapa?")

    assert await status(uow, case) is CaseStatus.NEEDS_INFO
    [told] = [i for i in out if isinstance(i, Say) and isinstance(i.to, ToReporter)]
    assert (told.key, told.params["text"]) == ("reporter.status.needs_info_question",
                                               "Di lantai berapa?")
    [message] = await uow.cases.messages(case.id)
    assert (message.direction, message.body) == (Direction.TO_REPORTER, "Di lantai berapa?")
    stored = await uow.cases.get(case.id)
    assert stored is not None and stored.awaiting_answer is True


@pytest.mark.parametrize(("user", "text", "later", "key"), [
    (COLLEAGUE, "Saya kira cukup.", timedelta(0), "staff.prompt_not_yours"),
    (OFFICER, "Terbukti.", PROMPT_TTL + timedelta(seconds=1), "staff.prompt_expired"),
    (OFFICER, "   ", timedelta(0), "staff.prompt_empty"),
])
async def test_given_a_prompt_when_someone_else_late_or_empty_replies_then_nothing_moves(
    uow: FakeUnitOfWork, user: int, text: str, later: timedelta, key: str,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3), status=CaseStatus.CLARIFICATION)
    await press(uow, case, "conclude")

    out = await reply(uow, text, user=user, at=NOW + later)

    assert [(i.to, i.key) for i in out if isinstance(i, Say)] == [(TOPIC, key)]
    assert await status(uow, case) is CaseStatus.CLARIFICATION
    assert not [i for i in uow.sent if isinstance(i, Say) and isinstance(i.to, ToReporter)]


async def test_given_a_move_that_needs_no_words_when_pressed_then_it_is_made_with_no_receipt(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3))

    out = await run(uow, StaffPress(button=MoveButton("verify", case.id), user_id=OFFICER,
                                    name="Budi", reply_in=TOPIC), POLICY, NOW)

    assert await status(uow, case) is CaseStatus.VERIFYING
    assert [i.key for i in out if isinstance(i, Say) and i.to == TOPIC] == []
    [edit] = [i for i in out if isinstance(i, EditCard)]
    assert [b.data.trigger for row in edit.card.buttons for b in row] == [
        "request_info", "clarify", "forward", "reject", "take"]  # and [Ambil]: nobody handles it
