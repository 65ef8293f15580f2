"""The outbox: in order per lane, leased, retried, recovered, failed without content, and encrypted."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from flows.intents import (
    Button,
    ChatRoute,
    Intent,
    OpenTopic,
    Say,
    SendEvidence,
    ToChat,
    ToReporter,
    ToStaff,
)
from storage.models import OutboxRow
from storage.outbox import LEASE, OutboxItem
from storage.uow import Database

CHAT = 987612345678
ROUTE = ChatRoute(CHAT)
CASE = "0b7e4c5e-1111-4222-8333-444455556666"


def say(to: ToChat | ToReporter | ToStaff, key: str, **params: object) -> Say:
    return Say(to, key, dict(params))


async def put(db: Database, intents: Sequence[Intent], not_before: datetime | None = None) -> None:
    async with db.uow() as uow:
        await uow.outbox.put(intents, not_before=not_before)
        await uow.commit()


async def claim(db: Database, now: datetime, limit: int = 50) -> list[OutboxItem]:
    async with db.uow() as uow:
        items = await uow.outbox.claim(now, limit)
        await uow.commit()
    return items


async def done(db: Database, *items: OutboxItem) -> None:
    async with db.uow() as uow:
        for item in items:
            await uow.outbox.done(item.id)
        await uow.commit()


def keys(items: Sequence[OutboxItem]) -> list[str]:
    return [item.intent.key if isinstance(item.intent, Say) else type(item.intent).__name__
            for item in items]


async def rows(db: Database) -> list[OutboxRow]:
    async with db.sessions() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


def soon() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=1)


async def test_given_several_lanes_when_claimed_then_only_each_lanes_first_message_comes_in_id_order(
    db: Database,
) -> None:
    intents: list[Intent] = [
        Say(ToChat(ROUTE), "chat.1", {"n": 1}, ((Button("button.next", "i:next:3:", {"a": "b"}),),),
            "en", CASE, False),
        say(ToChat(ROUTE), "chat.2"),
        say(ToReporter(CASE), "reporter.1"),
        Say(ToStaff(CASE, 55), "staff.1", {"rows": [["WBS-2026-0001", 3]]}, lang="id",
            case_id=CASE, card=True),
        say(ToReporter(CASE), "reporter.2"),
        SendEvidence(ToStaff(CASE), "evidence-1", CASE, "id"),
    ]
    await put(db, intents)

    first = await claim(db, soon())

    assert keys(first) == ["chat.1", "reporter.1", "staff.1"]
    assert [i.id for i in first] == sorted(i.id for i in first)
    assert [(i.target, i.intent, i.attempts) for i in first] == [
        (ToChat(ROUTE), intents[0], 1), (ToReporter(CASE), intents[2], 1),
        (ToStaff(CASE, 55), intents[3], 1)]
    assert len({i.lane for i in first}) == 3
    assert await claim(db, soon()) == []

    await done(db, first[0])
    assert keys(await claim(db, soon())) == ["chat.2"]
    await done(db, first[2])
    assert [i.intent for i in await claim(db, soon())] == [intents[5]]
    await done(db, first[1])
    assert keys(await claim(db, soon())) == ["reporter.2"]
    async with db.uow() as uow:
        assert await uow.outbox.pending_count() == 3  # claimed, not yet done


async def test_given_a_claimed_message_when_retried_later_then_it_and_its_lane_wait_until_then(
    db: Database,
) -> None:
    await put(db, [say(ToReporter(CASE), "first"), say(ToReporter(CASE), "second"),
                   say(ToStaff(), "other lane")])
    now = soon()
    head, other = await claim(db, now)

    async with db.uow() as uow:
        await uow.outbox.retry(head.id, now + timedelta(seconds=30), "429 retry_after=30 " + "x" * 200)
        await uow.commit()

    assert await claim(db, now + timedelta(seconds=29)) == []
    again = await claim(db, now + timedelta(seconds=30))
    assert (keys(again), again[0].id, again[0].attempts) == (["first"], head.id, 2)
    (row,) = [r for r in await rows(db) if r.id == head.id]
    assert row.error is not None and row.error.startswith("429 retry_after=30") and len(row.error) == 120
    await done(db, again[0])
    assert keys(await claim(db, now + timedelta(seconds=31))) == ["second"]
    assert other.lane == "staff"


async def test_given_a_sender_that_died_when_the_lease_expires_then_the_message_is_claimed_again(
    db: Database,
) -> None:
    await put(db, [say(ToChat(ROUTE), "lost in flight"), say(ToChat(ROUTE), "behind it")])
    now = soon()
    (leased,) = await claim(db, now)

    async with db.uow() as uow:
        assert await uow.outbox.recover_expired(now + LEASE - timedelta(seconds=1)) == 0
        await uow.commit()
    assert await claim(db, now + LEASE - timedelta(seconds=1)) == []
    async with db.uow() as uow:
        assert await uow.outbox.recover_expired(now + LEASE + timedelta(seconds=1)) == 1
        await uow.commit()

    later = now + LEASE + timedelta(seconds=1)
    async with db.uow() as uow:
        (again,) = await uow.outbox.claim(later, lease=timedelta(seconds=5))
        await uow.commit()
    assert (again.id, keys([again]), again.attempts) == (leased.id, ["lost in flight"], 2)
    async with db.uow() as uow:  # a shorter lease, as configured, expires sooner
        assert await uow.outbox.recover_expired(later + timedelta(seconds=4)) == 0
        assert await uow.outbox.recover_expired(later + timedelta(seconds=6)) == 1
        await uow.commit()


async def test_given_a_slow_delivery_when_its_lease_is_renewed_then_it_is_not_taken_for_abandoned(
    db: Database,
) -> None:
    await put(db, [say(ToChat(ROUTE), "waiting for its turn"), say(ToChat(987612345679), "other")])
    now = soon()
    slow, other = await claim(db, now)
    async with db.uow() as uow:  # the sender is still delivering `slow`, not `other`
        await uow.outbox.renew([slow.id], now + 2 * LEASE)
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.outbox.recover_expired(now + LEASE + timedelta(seconds=1)) == 1
        await uow.commit()
    assert [i.id for i in await claim(db, now + LEASE + timedelta(seconds=1))] == [other.id]
    async with db.uow() as uow:  # renewing a message already recorded as sent changes nothing
        await uow.outbox.done(other.id)
        await uow.outbox.renew([other.id], now + 3 * LEASE)
        assert await uow.outbox.recover_expired(now + 2 * LEASE + timedelta(seconds=1)) == 1
        await uow.commit()
    assert [i.id for i in await claim(db, now + 2 * LEASE + timedelta(seconds=1))] == [slow.id]


async def test_given_a_message_that_cannot_be_sent_when_failed_then_its_content_and_target_are_wiped(
    db: Database,
) -> None:
    await put(db, [say(ToChat(ROUTE), "blocked", text="isi laporan"), say(ToChat(ROUTE), "next")])
    (item,) = await claim(db, soon())

    async with db.uow() as uow:
        await uow.outbox.fail(item.id, "Forbidden: bot was blocked by the user")
        await uow.commit()

    failed = next(r for r in await rows(db) if r.id == item.id)
    assert (failed.status, failed.payload_enc, failed.target_enc) == ("failed", b"", b"")
    assert failed.error == "Forbidden: bot was blocked by the user"
    assert keys(await claim(db, soon())) == ["next"]  # a failed head no longer blocks its lane
    assert keys(await claim(db, soon() + timedelta(hours=1))) == []
    async with db.uow() as uow:
        assert await uow.outbox.pending_count() == 1


async def test_given_a_message_due_later_when_claimed_now_then_it_waits_for_its_time(
    db: Database,
) -> None:
    later = datetime.now(UTC) + timedelta(minutes=10)
    await put(db, [say(ToStaff(CASE), "card")], not_before=later)
    await put(db, [say(ToReporter(CASE), "now")])

    assert keys(await claim(db, soon())) == ["now"]
    assert await claim(db, later - timedelta(seconds=1)) == []
    assert keys(await claim(db, later)) == ["card"]


async def test_given_two_senders_when_claims_interleave_before_either_commits_then_no_row_is_claimed_twice(
    db: Database,
) -> None:
    lanes = [ToChat(ChatRoute(CHAT + n)) for n in range(3)] + [ToReporter(f"case-{n}") for n in range(3)]
    await put(db, [say(to, f"{n}.{m}") for m in range(2) for n, to in enumerate(lanes)])
    now = soon()

    async with db.uow() as first, db.uow() as second:
        mine = await first.outbox.claim(now, limit=2)
        if db.is_postgres:
            # SKIP LOCKED: the second sender neither waits for the first nor takes its rows.
            theirs = await asyncio.wait_for(second.outbox.claim(now), timeout=5)
            await first.commit()
        else:
            # SQLite has one writer: the second sender waits until the first has committed.
            waiting = asyncio.create_task(second.outbox.claim(now))
            await asyncio.sleep(0.1)
            assert not waiting.done()
            await first.commit()
            theirs = await asyncio.wait_for(waiting, timeout=5)
        await second.commit()

    assert keys(mine) == ["0.0", "1.0"]
    assert sorted(keys(theirs)) == ["2.0", "3.0", "4.0", "5.0"]
    assert not {i.id for i in mine} & {i.id for i in theirs}
    assert await claim(db, now) == []


async def test_given_queued_messages_when_the_raw_rows_are_read_then_targets_and_payloads_are_ciphertext(
    db: Database,
) -> None:
    marker = "MARKER-OUTBOX-9Z4"
    await put(db, [say(ToChat(ROUTE), "status.show", question=marker),
                   say(ToStaff(CASE), "staff.reporter_answer", text=marker),
                   SendEvidence(ToReporter(CASE), "evidence-" + marker, CASE)])

    stored = await rows(db)

    assert len(stored) == 3
    secrets = [marker.encode(), str(CHAT).encode(), CHAT.to_bytes(8, "big"), CHAT.to_bytes(8, "little"),
               b"status.show", b"staff.reporter_answer", CASE.encode()]
    for row in stored:
        assert not db.keyring.needs_reencrypt("routing", row.target_enc)
        assert not db.keyring.needs_reencrypt("content", row.payload_enc)
        for secret in secrets:
            assert secret not in row.target_enc and secret not in row.payload_enc
        assert str(CHAT) not in row.lane and marker not in row.lane


async def test_given_a_delayed_new_case_announcement_when_another_cases_staff_message_is_queued_then_it_is_not_held_back(
    db: Database,
) -> None:
    later = datetime.now(UTC) + timedelta(minutes=30)
    await put(db, [OpenTopic("case-new"), say(ToStaff("case-new"), "staff.card")], not_before=later)
    await put(db, [say(ToStaff("case-old"), "staff.reporter_answer", text="jawaban")])

    assert keys(await claim(db, soon())) == ["staff.reporter_answer"]
