"""Idempotent updates: a Telegram update redelivered after its commit changes nothing the second time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from flows.intents import ChatRoute, Say, ToChat
from storage.models import ProcessedUpdateRow, ThrottleRow
from storage.uow import Database, DuplicateUpdate

ROUTE = ChatRoute(7395501234)
OTHER = ChatRoute(7395509999)


async def pending(db: Database) -> int:
    async with db.uow() as uow:
        return await uow.outbox.pending_count()


async def was_processed(db: Database, update_id: int) -> bool:
    async with db.sessions() as session:
        return await session.get(ProcessedUpdateRow, update_id) is not None


async def count(db: Database, model: type) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_given_an_update_when_its_unit_of_work_commits_then_it_is_recorded_with_its_changes(
    db: Database,
) -> None:
    async with db.uow() as uow:  # without an update id, nothing is recorded
        await uow.chats.set_language(OTHER, "id")
        await uow.commit()
    assert await count(db, ProcessedUpdateRow) == 0
    assert await was_processed(db, 7) is False

    async with db.uow(update_id=7) as uow:
        await uow.chats.set_language(ROUTE, "en")
        await uow.outbox.put([Say(ToChat(ROUTE), "language.set")])
        await uow.commit()

    assert await was_processed(db, 7) is True
    assert await was_processed(db, 8) is False
    assert await pending(db) == 1
    async with db.uow() as uow:
        assert await uow.chats.language(ROUTE) == "en"


async def test_given_a_processed_update_when_it_is_redelivered_then_commit_raises_and_nothing_changes(
    db: Database,
) -> None:
    async with db.uow(update_id=7) as uow:
        await uow.chats.set_language(ROUTE, "en")
        await uow.outbox.put([Say(ToChat(ROUTE), "language.set")])
        await uow.commit()

    with pytest.raises(DuplicateUpdate):
        async with db.uow(update_id=7) as uow:
            await uow.chats.set_language(ROUTE, "id")
            await uow.chats.set_language(OTHER, "id")
            await uow.outbox.put([Say(ToChat(ROUTE), "language.set")])
            await uow.commit()

    async with db.uow() as uow:
        assert await uow.chats.language(ROUTE) == "en"
        assert await uow.chats.language(OTHER) is None
    assert await pending(db) == 1
    assert await count(db, ProcessedUpdateRow) == 1


async def test_given_a_rolled_back_update_when_it_is_redelivered_then_it_is_processed(
    db: Database,
) -> None:
    async with db.uow(update_id=9) as uow:
        await uow.chats.set_language(ROUTE, "en")
        # no commit: a crash before the end

    assert await was_processed(db, 9) is False
    async with db.uow(update_id=9) as uow:
        await uow.chats.set_language(ROUTE, "id")
        await uow.commit()
    assert await was_processed(db, 9) is True


async def test_given_one_update_delivered_twice_at_once_when_both_commit_then_exactly_one_succeeds(
    db: Database,
) -> None:
    async def handle(language: str) -> str:
        async with db.uow(update_id=11) as uow:
            await uow.chats.set_language(ROUTE, language)
            await uow.outbox.put([Say(ToChat(ROUTE), f"language.{language}")])
            await asyncio.sleep(0.05)
            await uow.commit()
        return language

    results = await asyncio.gather(handle("id"), handle("en"), return_exceptions=True)

    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1
    assert [type(r) for r in results if not isinstance(r, str)] == [DuplicateUpdate]
    async with db.uow() as uow:
        assert await uow.chats.language(ROUTE) == winners[0]
    assert await pending(db) == 1


async def test_given_old_and_recent_updates_when_pruned_then_only_the_old_ones_are_forgotten(
    db: Database,
) -> None:
    for update_id in (1, 2):
        async with db.uow(update_id=update_id) as uow:
            await uow.commit()
    now = datetime.now(UTC)
    async with db.uow() as uow:
        assert await uow.throttle.hit("status:old", 5, 60, now - timedelta(days=2))
        assert await uow.throttle.hit("status:new", 5, 60, now)
        await uow.commit()

    async with db.uow() as uow:
        await uow.prune(now - timedelta(days=1))
        await uow.commit()
    assert (await was_processed(db, 1), await was_processed(db, 2)) == (True, True)
    assert await count(db, ThrottleRow) == 1

    async with db.uow() as uow:
        await uow.prune(datetime.now(UTC) + timedelta(seconds=1))
        await uow.commit()

    assert (await was_processed(db, 1), await was_processed(db, 2)) == (False, False)
    assert await count(db, ProcessedUpdateRow) == 0
    assert await count(db, ThrottleRow) == 0
    async with db.uow(update_id=1) as uow:  # forgotten: a (very late) redelivery is processed again
        await uow.commit()
    assert await was_processed(db, 1) is True
