"""Several staff groups in storage: a case keeps its group, lookups are scoped to a group, and
each group's sending pace lives in the database (PostgreSQL). SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from flows.delivery_model import Link, LinkKind
from flows.intents import ChatRoute
from flows.model import Case
from flows.ports import ALL_GROUPS
from flows.tickets import TicketCode
from storage import pacing
from storage.uow import Database

ESCALATION = -1002000000001
ROUTE = ChatRoute(7395501234)


async def _add(db: Database, number: str, group: int | None, ticket: str) -> Case:
    now = datetime.now(UTC) - timedelta(days=9)
    case = Case(id=f"case-{number}", number=number, category="korupsi", language="id",
                report={"what": "x"}, created_at=now, updated_at=now, staff_group=group)
    async with db.uow() as uow:
        await uow.cases.add(case, TicketCode(ticket * 16), ROUTE, None)
        await uow.commit()
    return case


async def test_given_cases_of_two_groups_then_each_keeps_its_group_and_lookups_stay_in_the_group(
    db: Database,
) -> None:
    main = await _add(db, "WBS-2026-0001", None, "1")
    escalated = await _add(db, "WBS-2026-0002", ESCALATION, "2")
    async with db.uow() as uow:  # the same message id and topic id in both groups
        await uow.cases.link_messages([
            Link(main.id, None, 500, card=True, kind=LinkKind.CARD),
            Link(escalated.id, None, 500, card=True, kind=LinkKind.CARD, group=ESCALATION)])
        for case in (main, escalated):
            await uow.outbox.request_topic(case.id)
            assert await uow.outbox.settle_topic(case.id, 31)
        await uow.commit()

    now = datetime.now(UTC)
    async with db.uow() as uow:
        assert (await uow.cases.get(escalated.id)).staff_group == ESCALATION  # type: ignore[union-attr]
        assert (await uow.cases.get(main.id)).staff_group is None  # type: ignore[union-attr]
        assert (await uow.cases.destination(escalated.id)).group == ESCALATION  # type: ignore[union-attr]
        assert (await uow.cases.by_staff_message(500)).id == main.id  # type: ignore[union-attr]
        assert (await uow.cases.by_staff_message(500, ESCALATION)).id == escalated.id  # type: ignore[union-attr]
        assert (await uow.cases.staff_link(500, ESCALATION)).case_id == escalated.id  # type: ignore[union-attr]
        assert await uow.cases.by_staff_message(500, -1009) is None
        assert (await uow.cases.by_topic(31)).id == main.id  # type: ignore[union-attr]
        assert (await uow.cases.by_topic(31, ESCALATION)).id == escalated.id  # type: ignore[union-attr]
        assert [c.id for c in await uow.cases.open_cases(now)] == [main.id]
        assert [c.id for c in await uow.cases.open_cases(now, ESCALATION)] == [escalated.id]
        assert sum((await uow.cases.counts(now, ESCALATION)).values()) == 1
        assert await uow.cases.counts(now, -1009) == {}
        first, after = now - timedelta(days=30), now + timedelta(seconds=1)
        assert [c.id for c in await uow.cases.for_period(first, after, now)] == [main.id]
        assert [c.id for c in await uow.cases.for_period(first, after, now, ESCALATION)] == [
            escalated.id]
        assert await uow.cases.for_period(first, after, now, -1009) == []
        assert {c.id for c in await uow.cases.for_period(first, after, now, ALL_GROUPS)} == {
            main.id, escalated.id}


async def test_given_a_burst_from_two_senders_then_the_group_pace_spaces_every_slot(
    db: Database,
) -> None:
    if not db.is_postgres:
        pytest.skip("the shared pace is PostgreSQL's (SQLite is one process: its pace is local)")
    interval = 0.2
    key = pacing.pace_key(ESCALATION)
    other = Database(db.url, db.keyring)  # a second replica's engine
    try:
        started = time.monotonic()

        async def send(engine) -> float:
            wait = await pacing.reserve(engine, key, interval)
            return time.monotonic() - started + max(wait, 0.0)

        slots = sorted(await asyncio.gather(*(send(e.engine) for e in [db, other] * 10)))
    finally:
        await other.close()
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    # 20 slots, one interval apart on the database's clock (slack for the local clock's view).
    assert min(gaps) > interval * 0.6
    assert slots[-1] - slots[0] >= interval * 19 * 0.9
    # Another group has its own pace.
    assert await pacing.reserve(db.engine, pacing.pace_key(-1009), interval) <= 0


async def test_given_a_pause_then_the_next_slot_waits_for_it(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("the shared pace is PostgreSQL's")
    key = pacing.pace_key(ESCALATION)
    await pacing.pause(db.engine, key, 2.0)
    wait = await pacing.reserve(db.engine, key, 0.1)
    assert 1.5 < wait <= 2.0


async def test_given_prompts_with_the_same_message_id_in_two_groups_then_neither_overwrites_the_other(
    db: Database,
) -> None:
    from flows.intents import MovePrompt

    main = await _add(db, "WBS-2026-0011", None, "5")
    escalated = await _add(db, "WBS-2026-0012", ESCALATION, "6")
    expires = datetime.now(UTC) + timedelta(minutes=10)
    async with db.uow() as uow:
        await uow.prompts.add(700, MovePrompt(main.id, "close", "staff:a", expires))
        await uow.prompts.add(700, MovePrompt(escalated.id, "reject", "staff:b", expires),
                              ESCALATION)
        await uow.commit()
    async with db.uow() as uow:
        assert (await uow.prompts.get(700)).case_id == main.id  # type: ignore[union-attr]
        assert (await uow.prompts.get(700, ESCALATION)).case_id == escalated.id  # type: ignore[union-attr]
        await uow.prompts.remove(700, ESCALATION)
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.prompts.get(700, ESCALATION) is None
        assert (await uow.prompts.get(700)).trigger == "close"  # type: ignore[union-attr]


async def test_given_a_case_transferred_then_its_group_changes_and_its_topic_card_and_handler_are_cleared(
    db: Database,
) -> None:
    case = await _add(db, "WBS-2026-0021", None, "7")
    async with db.uow() as uow:
        await uow.cases.link_messages([Link(case.id, None, 800, card=True, kind=LinkKind.CARD)])
        await uow.outbox.request_topic(case.id)
        assert await uow.outbox.settle_topic(case.id, 41)
        await uow.cases.transfer(case.id, ESCALATION)
        await uow.commit()
    async with db.uow() as uow:
        after = await uow.cases.get(case.id)
        assert after is not None
        assert (after.staff_group, after.topic_id, after.card_message_id, after.handler) == (
            ESCALATION, None, None, None)
        assert await uow.outbox.topic_request_age(case.id) is None
        assert await uow.cases.by_topic(41) is None  # the old group's topic finds nothing
