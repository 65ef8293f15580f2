"""flows.status: a ticket code, typed any way, from any chat, shows its case; guessing is throttled."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from flows import status as flows_status
from flows.commands import CaseRef
from flows.errors import MalformedTicketInput, TooManyAttempts, UnknownTicket
from flows.intents import ChatRoute, Say, ToChat, ToStaff, moment
from flows.lifecycle import CaseStatus
from tests.unit.drive import ask_reporter, move_case, within
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD_PHONE = ChatRoute(7395501234)
NEW_PHONE = ChatRoute(8000000001)
TICKET = "01AB-CD10-EFGH-JK01"
UNKNOWN = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
POLICY = policy(status_attempts_per_chat=3, status_attempts_global=10)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


async def status(
    uow: FakeUnitOfWork, code: str, route: ChatRoute = NEW_PHONE, now: datetime = NOW,
    language: str = "en",
) -> Say:
    """The use case inside an opened unit of work, as the bus runs it: a refusal (malformed, too
    many) leaves nothing committed; a wrong code commits its count with its answer."""
    said = await within(uow, lambda ctx: flows_status.check_status(ctx, route, code), policy=POLICY,
                        now=now, route=route, language=language)
    if said and isinstance(said[-1], Say) and said[-1].key == UnknownTicket.key:
        raise UnknownTicket
    say = said[0]
    assert isinstance(say, Say) and say.key == "status.show"
    assert all(isinstance(s, Say) and s.key == "status.moved_away" for s in said[1:])
    return say


@pytest.mark.parametrize("typed", [
    TICKET,
    TICKET.lower(),
    TICKET.replace("-", ""),
    "01ab cd10 efgh jk01",
    "OIAB-CDlO-EFGH-JKoi",  # O read as 0, I and L as 1
    "  01AB–CD10–EFGH–JK01\n",
])
async def test_given_a_valid_code_typed_any_way_when_checked_from_a_new_chat_then_the_case_is_shown(
    uow: FakeUnitOfWork, typed: str,
) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW - timedelta(days=3), ticket=TICKET)

    say = await status(uow, typed)

    assert say.to == ToChat(NEW_PHONE)
    assert (say.key, say.lang, say.case_id) == ("status.show", "en", case.id)
    assert say.params["number"] == case.number
    assert say.params["status"] == "received"
    assert say in uow.sent


async def test_given_a_valid_code_when_checked_then_replies_now_go_to_the_asking_chat(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)

    await status(uow, TICKET, language="en")

    assert await uow.cases.route_of(case.id) == NEW_PHONE
    assert [c.id for c in await uow.cases.for_route(NEW_PHONE)] == [case.id]
    assert await uow.cases.for_route(OLD_PHONE) == []
    assert await uow.chats.language(NEW_PHONE) == "en"
    assert uow.state.audit[-1].action == "status.checked"
    assert uow.locked == [NEW_PHONE]


@pytest.mark.parametrize("typed", [
    "", "halo", "01AB-CD10-EFGH", "01AB-CD10-EFGH-JK01-XX", "U1AB-CD10-EFGH-JK01",
    "０１ＡＢ-CD10-EFGH-JK01", "x" * 500,
])
async def test_given_a_malformed_code_then_malformed_and_the_attempt_is_not_counted(
    uow: FakeUnitOfWork, typed: str,
) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)
    committed = uow.committed

    for _ in range(POLICY.status_attempts_per_chat + 2):
        with pytest.raises(MalformedTicketInput):
            await status(uow, typed)

    assert uow.state.throttle == {}
    assert uow.committed == committed
    assert (await status(uow, TICKET)).params["number"] == case.number


async def test_given_an_unknown_code_then_unknown_and_the_attempt_is_counted(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)
    committed = uow.committed

    with pytest.raises(UnknownTicket):
        await status(uow, UNKNOWN)

    assert uow.committed == committed + 1
    assert sorted(w.count for w in uow.state.throttle.values()) == [1, 1]
    assert await uow.cases.for_route(NEW_PHONE) == []
    # Only the answer, queued with the count in the same commit (the adapter used to send it).
    assert uow.sent == [Say(ToChat(NEW_PHONE), UnknownTicket.key, lang="en")]


async def test_given_too_many_guesses_from_one_chat_then_even_the_right_code_is_refused_for_a_while(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)
    for minute in range(POLICY.status_attempts_per_chat):
        with pytest.raises(UnknownTicket):
            await status(uow, UNKNOWN, now=NOW + timedelta(minutes=minute))
    committed = uow.committed

    with pytest.raises(TooManyAttempts):
        await status(uow, TICKET, now=NOW + timedelta(minutes=5))

    assert uow.committed == committed  # a refusal writes nothing: only failed guesses count
    assert uow.state.throttle["status:*"].count == POLICY.status_attempts_per_chat
    assert await uow.cases.route_of(case.id) == OLD_PHONE
    # another chat is not held back by this one's guesses
    elsewhere = await status(uow, TICKET, route=ChatRoute(9), now=NOW + timedelta(minutes=6))
    assert elsewhere.key == "status.show"
    # and once the window is over, the chat may try again
    later = NOW + POLICY.status_window + timedelta(minutes=1)
    assert (await status(uow, TICKET, now=later)).params["number"] == case.number


async def test_given_many_chats_guessing_wrong_codes_then_nobody_is_refused_and_staff_are_told_once_per_window(
    uow: FakeUnitOfWork, caplog: pytest.LogCaptureFixture,
) -> None:
    """The old lock-out: enough chats x wrong codes refused every reporter. Now they are counted
    and reported (log and staff group, once a window), and nobody is refused for them."""
    caplog.set_level(logging.INFO, logger="peluit.status")
    case, _ = await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)
    chats = [ChatRoute(1000 + n) for n in range(POLICY.status_attempts_global)]
    for chat in chats:  # every chat up to its own limit: three times the alert threshold
        for _ in range(POLICY.status_attempts_per_chat):
            with pytest.raises(UnknownTicket):
                await status(uow, UNKNOWN, route=chat)

    shown = await status(uow, TICKET, route=ChatRoute(5000), now=NOW + timedelta(minutes=1))

    assert shown.params["number"] == case.number
    alerts = [i for i in uow.sent if isinstance(i, Say) and i.key == "staff.status_guessing"]
    threshold = POLICY.status_attempts_global
    assert alerts == [Say(ToStaff(), "staff.status_guessing", {"count": threshold + 1, "minutes": 15},
                          lang="id")]
    assert [e.detail for e in uow.state.audit if e.action == "status.guessing"] == [str(threshold + 1)]
    lines = [r.getMessage() for r in caplog.records if r.name == "peluit.status"]
    assert lines == [f"status.guessing failed={threshold + 1} window_minutes=15"]

    # A window later, an unusual rate is reported again, once.
    later = NOW + POLICY.status_window + timedelta(minutes=1)
    for n in range(threshold + 5):
        with pytest.raises(UnknownTicket):
            await status(uow, UNKNOWN, route=ChatRoute(7000 + n), now=later)
    alerts = [i for i in uow.sent if isinstance(i, Say) and i.key == "staff.status_guessing"]
    assert len(alerts) == 2


async def test_given_guesses_below_the_alert_threshold_then_nobody_is_told(uow: FakeUnitOfWork) -> None:
    for n in range(POLICY.status_attempts_global):
        with pytest.raises(UnknownTicket):
            await status(uow, UNKNOWN, route=ChatRoute(1000 + n))

    assert uow.staff_bound() == []
    assert "status.guessing" not in uow.actions()


async def test_given_the_throttle_then_its_keys_hold_no_chat_id(uow: FakeUnitOfWork) -> None:
    with pytest.raises(UnknownTicket):
        await status(uow, UNKNOWN)

    assert all(str(int(NEW_PHONE)) not in key for key in uow.state.throttle)


async def test_given_a_case_with_history_then_the_timeline_and_the_waiting_question_are_shown(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW - timedelta(days=5), ticket=TICKET)
    pol, staff, day = policy(), ToStaff(thread_id=1), moment(NOW)
    ref = CaseRef(case_id=case.id)
    await move_case(uow, pol, ref, "verify", 1, None, NOW, staff)
    await ask_reporter(uow, pol, ref, 1, "Pertanyaan lama?", NOW - timedelta(hours=2), staff)
    await move_case(uow, pol, ref, "request_info", 1, None, NOW, staff)
    await ask_reporter(uow, pol, ref, 1, "Siapa saja yang hadir?", NOW - timedelta(hours=1), staff)

    say = await status(uow, TICKET)

    assert say.params["status"] == "needs_info"
    assert say.params["question"] == "Siapa saja yang hadir?"
    assert say.params["timeline"] == [
        [day, "case.submitted", "korupsi"],
        [day, "case.moved", "verifying"],
        [day, "relay.to_reporter", ""],
        [day, "case.moved", "needs_info"],
        [day, "relay.to_reporter", ""],
    ]


async def test_given_no_question_waiting_then_none_is_shown(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)

    say = await status(uow, TICKET)

    assert say.params["question"] == ""
    assert say.params["outcome"] == ""
    assert say.params["contact"] == ""  # no contact left: nothing said of it


async def test_given_a_long_history_then_only_the_last_eight_steps_are_shown(uow: FakeUnitOfWork) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET)
    for n in range(12):
        await ask_reporter(uow, policy(), CaseRef(case_id=case.id), 1, f"Q{n}?", NOW, ToStaff())
    await status(uow, TICKET)  # not itself a step of the timeline

    say = await status(uow, TICKET)

    assert len(say.params["timeline"]) == 8  # type: ignore[arg-type]
    assert say.params["question"] == "Q11?"


async def test_given_a_concluded_case_then_the_outcome_is_shown(uow: FakeUnitOfWork) -> None:
    case, _ = await seed_case(uow, OLD_PHONE, NOW, ticket=TICKET, status=CaseStatus.CLARIFICATION)
    await move_case(uow, policy(), CaseRef(case_id=case.id), "conclude", 1,
                    "Terbukti; sanksi disiplin direkomendasikan.", NOW, ToStaff())

    say = await status(uow, TICKET)

    assert say.params["status"] == "concluded"
    assert say.params["outcome"] == "Terbukti; sanksi disiplin direkomendasikan."
