"""Concluding a case records a conclusion (told to the reporter) and a recommendation for
leadership (never told to the reporter): by `/selesai … Rekomendasi: …`, by `/selesai` and then
the recommendation prompt, or by [Selesai] with two reply prompts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.buttons import MoveButton
from flows.casework import split_recommendation
from flows.commands import CaseRef, MoveByCommand, StaffPress, StaffReply
from flows.intents import Intent, Say, ToReporter, ToStaff
from flows.lifecycle import CaseStatus
from flows.model import Case
from flows.move_prompts import RECOMMENDATION
from tests.unit.drive import run
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ROUTE = 7395501234
OFFICER, COLLEAGUE = 424242001, 424242002
TOPIC = ToStaff(thread_id=55)
POLICY = policy()
CONCLUSION = "Terbukti ada pungutan Rp 250.000 per berkas; uang dikembalikan."
ADVICE = "Mutasi kepala seksi dan audit ulang layanan perizinan 2026."


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


async def stored(uow: FakeUnitOfWork, case: Case) -> Case:
    found = await uow.cases.get(case.id)
    assert found is not None
    return found


def to_reporter(out: list[Intent]) -> list[Say]:
    return [i for i in out if isinstance(i, Say) and isinstance(i.to, ToReporter)]


def test_given_selesai_words_when_split_then_conclusion_and_recommendation_part() -> None:
    assert split_recommendation(f"{CONCLUSION}\nRekomendasi: {ADVICE}") == (CONCLUSION, ADVICE)
    assert split_recommendation(f"{CONCLUSION} recommendation:{ADVICE}") == (CONCLUSION, ADVICE)
    assert split_recommendation(CONCLUSION) == (CONCLUSION, None)
    assert split_recommendation(f"{CONCLUSION} Rekomendasi:  ") == (CONCLUSION, None)


async def test_given_selesai_with_a_recommendation_then_both_are_kept_and_the_reporter_gets_only_the_conclusion(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9), status=CaseStatus.CLARIFICATION)

    out = await run(uow, MoveByCommand(command="selesai", ref=CaseRef(number=case.number),
                                       text=f"{CONCLUSION}\nRekomendasi: {ADVICE}",
                                       user_id=OFFICER, reply_in=TOPIC), POLICY, NOW)

    after = await stored(uow, case)
    assert (after.status, after.outcome, after.recommendation) == (
        CaseStatus.CONCLUDED, CONCLUSION, ADVICE)
    [told] = to_reporter(out)
    assert told.params["outcome"] == CONCLUSION
    assert ADVICE not in repr(to_reporter(uow.sent)) and "Rekomendasi" not in repr(told)
    actions = [e.action for e in uow.state.audit]
    assert actions[-2:] == ["case.moved", "case.recommended"]
    assert ADVICE not in repr(uow.state.audit)  # the audit log names the act, not the words
    assert not [i for i in out if isinstance(i, Say) and i.awaits is not None]  # nothing to ask


async def test_given_selesai_without_a_recommendation_then_the_officer_is_asked_and_the_reply_is_kept(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9), status=CaseStatus.CLARIFICATION)

    out = await run(uow, MoveByCommand(command="selesai", ref=CaseRef(number=case.number),
                                       text=CONCLUSION, user_id=OFFICER, reply_in=TOPIC),
                    POLICY, NOW)

    [ask] = [i for i in out if isinstance(i, Say) and i.awaits is not None]
    assert (ask.key, ask.to, ask.awaits.step) == (
        "staff.prompt.recommendation", ToStaff(case.id), RECOMMENDATION)
    assert (await stored(uow, case)).recommendation is None
    async with uow:
        await uow.prompts.add(9100, ask.awaits)
        await uow.commit()
    sent_before = len(to_reporter(uow.sent))

    # Only the officer who concluded may answer it.
    other = await run(uow, StaffReply(replied_message_id=9100, text="Bukan saya",
                                      user_id=COLLEAGUE, reply_in=TOPIC), POLICY, NOW)
    assert [i.key for i in other if isinstance(i, Say)] == ["staff.prompt_not_yours"]
    done = await run(uow, StaffReply(replied_message_id=9100, text=f"  {ADVICE} ",
                                     user_id=OFFICER, reply_in=TOPIC), POLICY, NOW)

    assert [i.key for i in done if isinstance(i, Say)] == ["staff.recommended"]
    after = await stored(uow, case)
    assert (after.status, after.outcome, after.recommendation) == (
        CaseStatus.CONCLUDED, CONCLUSION, ADVICE)
    assert len(to_reporter(uow.sent)) == sent_before  # the reporter is told nothing more
    assert [e.action for e in uow.state.audit][-1] == "case.recommended"


async def test_given_the_conclude_button_then_two_prompts_take_conclusion_then_recommendation(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9), status=CaseStatus.CLARIFICATION)
    [first] = await run(uow, StaffPress(button=MoveButton("conclude", case.id), user_id=OFFICER,
                                        name="Budi", reply_in=TOPIC), POLICY, NOW)
    assert isinstance(first, Say) and first.awaits is not None and first.awaits.step == "text"
    async with uow:
        await uow.prompts.add(9001, first.awaits)
        await uow.commit()

    out = await run(uow, StaffReply(replied_message_id=9001, text=CONCLUSION, user_id=OFFICER,
                                    reply_in=TOPIC), POLICY, NOW)
    [second] = [i for i in out if isinstance(i, Say) and i.awaits is not None]
    assert second.awaits.step == RECOMMENDATION
    assert [t.params["outcome"] for t in to_reporter(out)] == [CONCLUSION]
    async with uow:
        await uow.prompts.add(9002, second.awaits)
        await uow.commit()
    await run(uow, StaffReply(replied_message_id=9002, text=ADVICE, user_id=OFFICER,
                              reply_in=TOPIC), POLICY, NOW)

    after = await stored(uow, case)
    assert (after.outcome, after.recommendation) == (CONCLUSION, ADVICE)
    assert ADVICE not in repr(to_reporter(uow.sent))


async def test_given_a_case_reopened_before_the_recommendation_then_nothing_is_kept(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9), status=CaseStatus.CLARIFICATION)
    out = await run(uow, MoveByCommand(command="selesai", ref=CaseRef(number=case.number),
                                       text=CONCLUSION, user_id=OFFICER, reply_in=TOPIC),
                    POLICY, NOW)
    [ask] = [i for i in out if isinstance(i, Say) and i.awaits is not None]
    async with uow:
        await uow.prompts.add(9100, ask.awaits)
        await uow.commit()
    await run(uow, MoveByCommand(command="bukakembali", ref=CaseRef(number=case.number),
                                 user_id=OFFICER, reply_in=TOPIC), POLICY, NOW)

    out = await run(uow, StaffReply(replied_message_id=9100, text=ADVICE, user_id=OFFICER,
                                    reply_in=TOPIC), POLICY, NOW)

    assert [i.key for i in out if isinstance(i, Say)] == ["staff.recommendation_not_concluded"]
    assert (await stored(uow, case)).recommendation is None
