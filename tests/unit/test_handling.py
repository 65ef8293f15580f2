"""flows.handling: who handles a case. /ambil takes it, /serahkan hands it back or to another
member; the card, /kasus (and /kasus saya) and the daily reminder show the handler; each change
is audited under pseudonyms; the reporter never hears a name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.announcement import TAKE
from flows.buttons import MoveButton
from flows.commands import (
    CaseRef,
    HandOver,
    HandOverTo,
    ListCases,
    MoveByCommand,
    RemindOverdue,
    StaffMember,
    StaffPress,
    TakeCase,
)
from flows.intents import EditCard, HandlerBlock, Say, ToReporter, ToStaff
from tests.unit.drive import run
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = 7395501234
SARI, BUDI, OUTSIDER = 424242001, 424242002, 424242003
TOPIC = ToStaff(thread_id=55)
POLICY = policy(staff_chat_id=-1001234567890)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


def card_of(out: list[object]) -> Say:
    [edit] = [i for i in out if isinstance(i, EditCard)]
    return edit.card


async def take(uow: FakeUnitOfWork, number: str, user_id: int = SARI, name: str = "Sari",
               username: str = "sari_wbs") -> list[object]:
    return await run(uow, TakeCase(ref=CaseRef(number=number), user_id=user_id, name=name,
                                   username=username, reply_in=TOPIC), POLICY, NOW)


async def test_given_an_unhandled_case_when_taken_then_the_card_names_the_handler_and_audit_records_it(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))

    out = await take(uow, case.number)

    said = [i for i in out if isinstance(i, Say)]
    assert [(s.key, s.to, s.params["handler"]) for s in said] == [
        ("staff.handler_taken", TOPIC, "Sari")]
    card = card_of(out)
    assert card.params["handler"] == HandlerBlock("Sari")
    assert [b.data.trigger for row in card.buttons for b in row if b.data.trigger == TAKE] == []
    stored = uow.state.cases[case.id]
    assert stored.handler == uow.actor_token("staff", SARI)
    [event] = [e for e in uow.state.audit if e.action == "case.taken"]
    assert event.actor == uow.actor_token("staff", SARI) and event.case_number == case.number
    assert "Sari" not in repr(uow.state.audit) and str(SARI) not in repr(uow.state.audit)
    assert not any(isinstance(i, Say) and isinstance(i.to, ToReporter) for i in out)


async def test_given_my_case_when_taken_again_then_nothing_changes(uow: FakeUnitOfWork) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await take(uow, case.number)
    audited = len(uow.state.audit)

    out = await take(uow, case.number)

    assert [i.key for i in out if isinstance(i, Say)] == ["staff.handler_already_yours"]
    assert len(uow.state.audit) == audited


async def test_given_the_take_button_when_pressed_then_the_presser_handles_it(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))

    out = await run(uow, StaffPress(button=MoveButton(TAKE, case.id), user_id=BUDI, name="Budi",
                                    reply_in=TOPIC), POLICY, NOW)

    assert card_of(out).params["handler"] == "Budi"
    assert uow.state.cases[case.id].handler == uow.actor_token("staff", BUDI)


async def test_given_a_handled_case_when_handed_back_then_nobody_handles_it(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await take(uow, case.number)

    out = await run(uow, HandOver(ref=CaseRef(topic_id=None, number=case.number), user_id=SARI,
                                  name="Sari", reply_in=TOPIC), POLICY, NOW)

    assert [i.key for i in out if isinstance(i, Say)] == ["staff.handler_released"]
    card = card_of(out)
    assert card.params["handler"] == "" and "button.take" in [
        b.key for row in card.buttons for b in row]
    assert uow.state.cases[case.id].handler is None
    [event] = [e for e in uow.state.audit if e.action == "case.handed_over"]
    assert event.detail == f"{uow.actor_token('staff', SARI)}->-"


async def test_given_a_reply_to_a_member_when_handed_over_then_they_handle_it(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await take(uow, case.number)

    out = await run(uow, HandOver(ref=CaseRef(number=case.number), user_id=SARI, name="Sari",
                                  to=HandOverTo(member=StaffMember(BUDI, "Budi", "budi_wbs")),
                                  reply_in=TOPIC), POLICY, NOW)

    said = [i for i in out if isinstance(i, Say)]
    assert [(s.key, s.params["handler"]) for s in said] == [("staff.handler_handed", "Budi")]
    assert card_of(out).params["handler"] == "Budi"
    assert uow.state.cases[case.id].handler == uow.actor_token("staff", BUDI)
    [event] = [e for e in uow.state.audit if e.action == "case.handed_over"]
    assert event.actor == uow.actor_token("staff", SARI)
    assert event.detail == f"{uow.actor_token('staff', SARI)}->{uow.actor_token('staff', BUDI)}"


async def test_given_a_known_username_when_handed_over_then_that_member_handles_it(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    other, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await take(uow, other.number, BUDI, "Budi", "Budi_WBS")  # Budi has acted in the group

    out = await run(uow, HandOver(ref=CaseRef(number=case.number), user_id=SARI, name="Sari",
                                  to=HandOverTo(username="budi_wbs"), reply_in=TOPIC), POLICY, NOW)

    assert card_of(out).params["handler"] == "Budi"
    assert uow.state.cases[case.id].handler == uow.actor_token("staff", BUDI)


async def test_given_an_unknown_username_or_a_non_member_then_a_calm_answer_and_nothing_changes(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await take(uow, case.number)
    audited = len(uow.state.audit)

    unknown = await run(uow, HandOver(ref=CaseRef(number=case.number), user_id=SARI, name="Sari",
                                      to=HandOverTo(username="nobody_here"), reply_in=TOPIC),
                        POLICY, NOW)
    outsider = await run(uow, HandOver(ref=CaseRef(number=case.number), user_id=SARI, name="Sari",
                                       to=HandOverTo(member_ok=False), reply_in=TOPIC), POLICY, NOW)

    assert [(i.key, i.params) for i in unknown if isinstance(i, Say)] == [
        ("staff.handover_unknown", {"username": "nobody_here"})]
    assert [i.key for i in outsider if isinstance(i, Say)] == ["staff.handover_not_member"]
    assert uow.state.cases[case.id].handler == uow.actor_token("staff", SARI)
    assert len(uow.state.audit) == audited


async def test_given_no_case_named_outside_a_topic_then_usage(uow: FakeUnitOfWork) -> None:
    took = await run(uow, TakeCase(ref=None, user_id=SARI, reply_in=ToStaff()), POLICY, NOW)
    handed = await run(uow, HandOver(ref=None, user_id=SARI, reply_in=ToStaff()), POLICY, NOW)

    assert [i.key for i in took + handed if isinstance(i, Say)] == [
        "staff.usage_ambil", "staff.usage_serahkan"]


async def test_given_handlers_then_kasus_shows_them_with_topic_links_and_kasus_saya_only_mine(
    uow: FakeUnitOfWork,
) -> None:
    mine, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3))
    theirs, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))
    nobodys, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    uow.state.cases[mine.id].topic_id = 77
    await take(uow, mine.number)
    await take(uow, theirs.number, BUDI, "Budi", "")

    [everything] = await run(uow, ListCases(user_id=SARI, reply_in=TOPIC), POLICY, NOW)
    [only_mine] = await run(uow, ListCases(user_id=SARI, mine=True, reply_in=TOPIC), POLICY, NOW)
    [none] = await run(uow, ListCases(user_id=OUTSIDER, name="Tono", mine=True, reply_in=TOPIC),
                       POLICY, NOW)

    assert isinstance(everything, Say) and everything.key == "staff.open_cases"
    assert [(r[0], r[5], r[6]) for r in everything.params["rows"]] == [  # type: ignore[attr-defined]
        (mine.number, "Sari", "https://t.me/c/1234567890/77"),
        (theirs.number, "Budi", ""), (nobodys.number, "", "")]
    assert isinstance(only_mine, Say) and only_mine.key == "staff.my_cases"
    assert [r[0] for r in only_mine.params["rows"]] == [mine.number]  # type: ignore[attr-defined]
    assert isinstance(none, Say) and none.key == "staff.no_my_cases"


async def test_given_overdue_cases_then_the_reminder_names_each_handler(uow: FakeUnitOfWork) -> None:
    handled, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9))
    unhandled, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=8))
    await take(uow, handled.number)  # taken, not yet answered: still late

    [reminder] = await run(uow, RemindOverdue(), POLICY, NOW)

    assert isinstance(reminder, Say) and reminder.key == "staff.overdue"
    assert list(reminder.params["rows"]) == [  # type: ignore[call-overload]
        (handled.number, "ack", 9, "Sari"), (unhandled.number, "ack", 8, "")]


async def test_given_a_handled_case_when_moved_then_the_reporter_never_hears_the_name(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await take(uow, case.number)

    out = await run(uow, MoveByCommand(command="verifikasi", ref=CaseRef(number=case.number),
                                       user_id=SARI, reply_in=TOPIC), POLICY, NOW)
    out += await run(uow, MoveByCommand(command="teruskan", ref=CaseRef(number=case.number),
                                        text="Inspektorat Jenderal", user_id=SARI, reply_in=TOPIC),
                     POLICY, NOW)

    to_reporter = [i for i in out if isinstance(i, Say) and isinstance(i.to, ToReporter)]
    assert len(to_reporter) == 2 and all("Sari" not in repr(i) for i in to_reporter)
    cards = [i.card for i in out if isinstance(i, EditCard)]
    assert len(cards) == 2 and all(c.params["handler"] == "Sari" for c in cards)
