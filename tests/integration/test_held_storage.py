"""Storage of a reporter's held message (asked "to the officer, or a new report?") on SQLite and
PostgreSQL: encrypted at rest, added to for the same case, replaced for another, taken once; and
the report limit's refund of a cancelled draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from flows.intents import ChatRoute
from flows.model import Case
from flows.ports import HeldMessage
from flows.tickets import TicketCode
from storage.models import HeldMessageRow
from storage.uow import Database
from tests.integration.test_outbox import _case

ROUTE = ChatRoute(7395501234)
NOW = datetime(2026, 11, 28, 7, 5, tzinfo=UTC)


async def test_given_two_messages_for_one_case_then_they_are_taken_once_as_one(
    db: Database,
) -> None:
    case = await _case(db)
    async with db.uow() as uow:
        await uow.chats.hold(ROUTE, case.id, "Ada foto kuitansinya", NOW)
        await uow.commit()
    async with db.uow() as uow:
        await uow.chats.hold(ROUTE, case.id, "dan nama bendaharanya", NOW)
        await uow.commit()
    async with db.uow() as uow:
        rows = (await uow.session.scalars(select(HeldMessageRow))).all()
        assert len(rows) == 1
        assert b"kuitansi" not in rows[0].body_enc and b"bendahara" not in rows[0].body_enc
        assert await uow.chats.take_held(ROUTE) == HeldMessage(
            case.id, "Ada foto kuitansinya\ndan nama bendaharanya", NOW)
        assert await uow.chats.take_held(ROUTE) is None
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.chats.take_held(ROUTE) is None
        assert await uow.chats.take_held(ChatRoute(1)) is None


async def test_given_a_message_for_another_case_then_it_replaces_the_held_one(
    db: Database,
) -> None:
    first = await _case(db)
    second = Case(id="0b7e4c5e-1111-4222-8333-000000000002", number="WBS-2026-0002",
                  category="korupsi", language="id", report={"what": "y"}, created_at=NOW,
                  updated_at=NOW)
    async with db.uow() as uow:
        await uow.cases.add(second, TicketCode("1" * 16), ROUTE, None)
        await uow.commit()
    async with db.uow() as uow:
        await uow.chats.hold(ROUTE, first.id, "untuk kasus pertama", NOW)
        await uow.chats.hold(ROUTE, second.id, "untuk kasus kedua", NOW)
        held = await uow.chats.take_held(ROUTE)
    assert held == HeldMessage(second.id, "untuk kasus kedua", NOW)


async def test_given_a_held_message_a_day_old_then_a_new_hold_forgets_it(db: Database) -> None:
    case = await _case(db)
    other = ChatRoute(7395509999)
    async with db.uow() as uow:
        await uow.chats.hold(other, case.id, "lama", NOW - timedelta(days=2))
        await uow.chats.hold(ROUTE, case.id, "baru", NOW)
        assert await uow.chats.take_held(other) is None
        assert (await uow.chats.take_held(ROUTE)) == HeldMessage(case.id, "baru", NOW)


async def test_given_a_counted_attempt_when_refunded_then_only_its_own_window_counts_one_less(
    db: Database,
) -> None:
    key, hour = "reports:chat:test", 3600.0
    async with db.uow() as uow:
        assert await uow.throttle.add(key, 2, hour, NOW) == 2
        await uow.throttle.refund(key, NOW + timedelta(minutes=5), hour, NOW + timedelta(minutes=10))
        assert await uow.throttle.count(key, hour, NOW + timedelta(minutes=10)) == 1
        await uow.throttle.refund(key, NOW, hour, NOW + timedelta(minutes=10))
        await uow.throttle.refund(key, NOW, hour, NOW + timedelta(minutes=10))  # never below 0
        assert await uow.throttle.count(key, hour, NOW + timedelta(minutes=10)) == 0
        later = NOW + timedelta(hours=2)
        assert await uow.throttle.add(key, 1, hour, later) == 1  # a new window
        await uow.throttle.refund(key, NOW, hour, later)  # counted in the old window: not here
        assert await uow.throttle.count(key, hour, later) == 1
        await uow.throttle.refund("reports:none", NOW, hour, later)  # no row: nothing
        assert await uow.throttle.count("reports:none", hour, later) == 0
