"""flows.bus: one unit of work per command; calm answers for the failures people cause; the update
recorded with the change; and the fake unit of work behaving like the real one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.buttons import IntakeButton, MenuButton, MoveButton, WipeButton, decode, encode
from flows.commands import CheckStatus, Press, ReporterText, StartReport
from flows.errors import MalformedTicketInput, StaleButton
from flows.intents import ChatRoute, Say, ToChat
from flows.ports import DuplicateUpdate
from tests.unit import drive
from tests.unit.drive import handle
from tests.unit.fakes import FakeUnitOfWork, policy

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = ChatRoute(7395501234)
POLICY = policy()


async def test_given_a_command_then_one_unit_of_work_one_commit_and_the_update_recorded() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)

    outcome = await handle(uow, StartReport(route=ROUTE, update_id=41, message_id=3), POLICY, NOW)

    says = outcome.intents  # the intro and the first question: one message
    assert [(s.key, s.params["note"]) for s in says] == [("intake.ask_category", "intake.intro")]  # type: ignore[union-attr]
    assert (uow.committed, uow.locked, uow.state.processed) == (1, [ROUTE], {41})


async def test_given_an_idle_chat_then_its_answer_is_leased_to_the_local_sender_and_later_ones_wait_behind() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)

    first = await handle(uow, StartReport(route=ROUTE, message_id=3), POLICY, NOW)
    second = await handle(uow, ReporterText(route=ROUTE, text="Atasan saya"), POLICY, NOW)

    assert [q.intent for q in first.leased] == first.intents and not first.waiting
    assert all(q.leased and q.attempts == 1 for q in first.leased)
    assert second.leased == () and len(second.waiting) == 1  # its lane is busy: claimed later


async def test_given_a_redelivered_update_then_duplicate_and_nothing_changes() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    await handle(uow, StartReport(route=ROUTE, update_id=41), POLICY, NOW)
    before = list(uow.sent)

    with pytest.raises(DuplicateUpdate):
        await handle(uow, ReporterText(route=ROUTE, update_id=41, text="lagi"), POLICY, NOW)

    assert uow.sent == before


async def test_given_a_failure_the_person_caused_then_undone_and_answered_calmly() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)

    outcome = await handle(uow, CheckStatus(route=ROUTE, update_id=5, code="halo", lang_hint="en"),
                           POLICY, NOW)

    assert isinstance(outcome.error, MalformedTicketInput)
    assert outcome.intents == [Say(ToChat(ROUTE), "status.malformed", lang="en")]
    assert uow.sent == outcome.intents and uow.state.processed == {5}
    # The rollback let go of the chat's lock (PostgreSQL): it is taken again before the answer
    # is queued and leased, so no other command on this chat runs in between.
    assert uow.locked == [ROUTE, ROUTE] and [q.intent for q in outcome.leased] == outcome.intents


async def test_given_a_stale_press_then_its_answer_is_an_alert_and_nothing_is_queued() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    await handle(uow, StartReport(route=ROUTE), POLICY, NOW)
    sent = list(uow.sent)

    outcome = await handle(uow, Press(route=ROUTE, button=IntakeButton("next", 99)), POLICY, NOW)

    assert isinstance(outcome.error, StaleButton)
    assert outcome.answer is not None and (outcome.answer.key, outcome.answer.alert) == (
        StaleButton.key, True)
    assert uow.sent == sent


async def test_given_the_fake_unit_of_work_then_it_behaves_like_the_real_one() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    async with uow:
        with pytest.raises(AssertionError):  # not re-entrant
            async with uow:
                pass
        await uow.chats.set_language(ROUTE, "en")
        await uow.rollback()  # undone, and still usable
        assert await uow.chats.language(ROUTE) is None
        await uow.chats.set_language(ROUTE, "id")
        await uow.commit()
    async with uow:
        await uow.chats.set_language(ROUTE, "en")  # left without commit: rolled back
    assert await uow.chats.language(ROUTE) == "id"


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
BUTTONS = st.one_of(
    st.builds(IntakeButton, _WORD, st.integers(0, 10**9), st.text(
        alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", max_size=12)),
    st.builds(WipeButton, st.integers(0, 10**12)),
    st.builds(MenuButton, _WORD, st.one_of(st.just(""), _WORD)),
    st.builds(MoveButton, _WORD, st.uuids().map(str)),
)


@given(BUTTONS)
def test_given_any_button_then_its_data_fits_telegram_and_reads_back_the_same(button: object) -> None:
    data = encode(button)  # type: ignore[arg-type]

    assert len(data.encode()) <= 64
    assert decode(data) == button


@given(st.text(max_size=80))
def test_given_any_callback_data_then_decoding_never_fails(data: str) -> None:
    decode(data)  # a button of Peluit's, or None


async def test_given_deliveries_handed_in_then_recorded_with_the_command_and_the_chat_is_idle_again() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    bus = drive.bus(uow, POLICY, NOW)
    first = await bus.handle(StartReport(route=ROUTE, message_id=3))
    sent = [q.id for q in first.leased]  # the sender delivered them, not yet recorded

    second = await bus.handle(ReporterText(route=ROUTE, update_id=42, text="Atasan saya"),
                              delivered=sent)

    assert second.recorded and second.leased and not second.waiting  # its lane was idle
    assert not {e.item_id for e in uow.state.outbox} & set(sent)
    assert uow.state.processed == {42}


async def test_given_deliveries_handed_in_when_the_person_caused_a_failure_then_still_recorded() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    bus = drive.bus(uow, POLICY, NOW)
    first = await bus.handle(StartReport(route=ROUTE, message_id=3))
    sent = [q.id for q in first.leased]

    outcome = await bus.handle(CheckStatus(route=ROUTE, code="halo"), delivered=sent)

    assert isinstance(outcome.error, MalformedTicketInput) and outcome.recorded
    assert not {e.item_id for e in uow.state.outbox} & set(sent)


async def test_given_no_deliveries_handed_in_then_none_are_said_to_be_recorded() -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    outcome = await drive.bus(uow, POLICY, NOW).handle(StartReport(route=ROUTE, message_id=3))
    assert not outcome.recorded
