"""The outbox: in order per lane, leased, retried, recovered, failed without content, and encrypted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

import pytest
from sqlalchemy import select

from flows.buttons import IntakeButton
from flows.delivery_model import Queued
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
from flows.model import Case
from flows.tickets import TicketCode
from storage import outbox as outbox_module
from storage.models import OutboxRow
from storage.outbox import LEASE
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


async def claim(db: Database, now: datetime, limit: int = 50) -> list[Queued]:
    async with db.uow() as uow:
        items = await uow.outbox.claim(now, limit)
        await uow.commit()
    return items


async def done(db: Database, *items: Queued) -> None:
    async with db.uow() as uow:
        await uow.outbox.done([item.id for item in items])
        await uow.commit()


def keys(items: Sequence[Queued]) -> list[str]:
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
        Say(ToChat(ROUTE), "chat.1", {"n": 1}, ((Button("button.next", IntakeButton("next", 3), {"a": "b"}),),),
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


SHORT = timedelta(seconds=0.3)


async def recover(db: Database, now: datetime) -> int:
    async with db.uow() as uow:
        count = await uow.outbox.recover_expired(now)
        await uow.commit()
    return count


async def wait_until(predicate: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_given_a_sender_that_died_when_the_lease_expires_then_the_message_is_claimed_again(
    db: Database,
) -> None:
    await put(db, [say(ToChat(ROUTE), "lost in flight"), say(ToChat(ROUTE), "behind it")])
    now = soon()
    async with db.uow() as uow:
        (leased,) = await uow.outbox.claim(now, lease=SHORT)
        await uow.commit()

    assert await recover(db, now) == 0  # still leased
    assert await claim(db, now) == []
    await wait_until(lambda: _is(recover(db, now), 1))  # the lease runs out on its own clock

    async with db.uow() as uow:
        (again,) = await uow.outbox.claim(now, lease=LEASE)
        await uow.commit()
    assert (again.id, keys([again]), again.attempts) == (leased.id, ["lost in flight"], 2)
    assert await recover(db, now) == 0  # the default lease is still running


async def _is(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def test_given_a_slow_delivery_when_its_lease_is_renewed_then_it_is_not_taken_for_abandoned(
    db: Database,
) -> None:
    await put(db, [say(ToChat(ROUTE), "waiting for its turn"), say(ToChat(987612345679), "other")])
    now = soon()
    async with db.uow() as uow:
        slow, other = await uow.outbox.claim(now, lease=SHORT)
        await uow.commit()
    async with db.uow() as uow:  # the sender is still delivering `slow`, not `other`
        await uow.outbox.renew([slow.id], LEASE)
        await uow.commit()
    await wait_until(lambda: _is(recover(db, now), 1))
    assert [i.id for i in await claim(db, now)] == [other.id]
    async with db.uow() as uow:  # renewing a message already recorded as sent changes nothing
        await uow.outbox.done([other.id])
        await uow.outbox.renew([other.id], LEASE)
        await uow.commit()
    assert await recover(db, now) == 0 and await claim(db, now) == []
    async with db.uow() as uow:  # a lease renewed for a moment runs out after that moment
        await uow.outbox.renew([slow.id], SHORT)
        await uow.commit()
    await wait_until(lambda: _is(recover(db, now), 1))
    assert [i.id for i in await claim(db, now)] == [slow.id]


async def test_given_senders_whose_clocks_are_an_hour_off_when_they_claim_and_recover_then_leases_keep_the_database_clock(
    db: Database,
) -> None:
    """A replica's clock an hour fast must not take another sender's lease for expired; one an
    hour slow must not lease for "30 s before now". Leases follow the database's clock."""
    hour = timedelta(hours=1)
    await put(db, [say(ToChat(ROUTE), "being delivered")])
    await put(db, [say(ToReporter(CASE), "claimed by the slow clock")],
              not_before=datetime.now(UTC) - 2 * hour)
    (held,) = await claim(db, soon(), limit=1)  # an ordinary sender holds this one
    async with db.uow() as uow:  # a sender whose clock is an hour slow claims the other one
        (slow,) = await uow.outbox.claim(datetime.now(UTC) - hour)
        await uow.commit()

    assert await recover(db, datetime.now(UTC) + hour) == 0  # a fast clock sees both leased
    assert await claim(db, datetime.now(UTC) + hour) == []
    assert {held.id, slow.id} == {r.id for r in await rows(db) if r.status == "sending"}


async def test_given_messages_for_an_idle_chat_when_queued_leased_then_they_are_handed_over_and_no_one_claims_them(
    db: Database,
) -> None:
    """A reporter's own answers are leased to the sender of the command that queued them: the
    chat's messages come back leased, in order; other lanes are left for a claim."""
    async with db.uow() as uow:
        queued = await uow.outbox.put(
            [say(ToChat(ROUTE), "first"), say(ToReporter(CASE), "to the case"),
             say(ToChat(ROUTE), "second")], lease_for=ROUTE, lease=LEASE)
        await uow.commit()

    assert [(keys([q])[0], q.leased) for q in queued] == [
        ("first", True), ("to the case", False), ("second", True)]
    assert [q.id for q in queued] == sorted(q.id for q in queued)
    assert {r.id: r.status for r in await rows(db)} == {
        queued[0].id: "sending", queued[1].id: "pending", queued[2].id: "sending"}
    assert await recover(db, soon()) == 0  # leased, not abandoned
    assert keys(await claim(db, soon())) == ["to the case"]


async def test_given_a_host_clock_an_hour_slow_when_messages_are_leased_as_queued_then_the_lease_keeps_the_database_clock(
    db: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL: a lease taken at insert runs on the database's clock, like a claimed one: a
    replica whose clock is an hour slow must not write a lease that already ran out."""
    if not db.is_postgres:
        pytest.skip("SQLite leases follow the host's clock (one file on one host)")

    class SlowClock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> SlowClock:  # type: ignore[override]
            return super().now(tz) - timedelta(hours=1)

    monkeypatch.setattr(outbox_module, "datetime", SlowClock)
    async with db.uow() as uow:
        (queued,) = await uow.outbox.put([say(ToChat(ROUTE), "mine")], lease_for=ROUTE,
                                         lease=LEASE)
        await uow.commit()
    monkeypatch.undo()

    assert queued.leased
    assert await recover(db, soon()) == 0  # still leased on the database's clock
    assert await claim(db, soon()) == []


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


async def test_given_a_message_parked_when_its_lane_goes_on_then_it_keeps_its_content_and_comes_back_first_when_released(
    db: Database,
) -> None:
    await put(db, [say(ToStaff(CASE), "card"), say(ToStaff(CASE), "answer"),
                   say(ToReporter(CASE), "reporter")])
    now = soon()
    card, reporter = await claim(db, now)

    async with db.uow() as uow:  # the staff group cannot be reached: the card waits
        await uow.outbox.park(card.id, "staff", "Forbidden: bot was kicked " + "x" * 200)
        await uow.commit()

    (row,) = [r for r in await rows(db) if r.id == card.id]
    assert (row.status, row.parked_for) == ("parked", "staff") and len(row.error or "") == 120
    assert row.payload_enc and row.target_enc  # parked, not wiped
    (answer,) = await claim(db, now)  # the lane is not blocked by what is parked
    assert keys([answer]) == ["answer"]
    async with db.uow() as uow:
        await uow.outbox.park(answer.id, "staff", "Forbidden")
        assert await uow.outbox.pending_count() == 1  # only the reporter's message
        assert (await uow.outbox.parked_count(), await uow.outbox.parked_count("error")) == (2, 0)
        assert await uow.outbox.release_parked(("error",), now) == 0
        assert await uow.outbox.release_parked(("staff",), now) == 2
        await uow.commit()

    again = await claim(db, now)  # back in their order: the card first, the answer after it
    assert [(i.id, keys([i])) for i in again] == [(card.id, ["card"])]
    assert again[0].attempts == 2
    await done(db, again[0], reporter)
    assert keys(await claim(db, now)) == ["answer"]


async def test_given_unexpected_errors_when_a_message_is_retried_then_they_are_counted_apart_from_attempts(
    db: Database,
) -> None:
    await put(db, [say(ToChat(ROUTE), "breaks the renderer")])
    now = soon()
    for expected_errors, unexpected in ((0, False), (0, True), (1, True), (2, False)):
        (item,) = await claim(db, now)
        assert item.errors == expected_errors
        async with db.uow() as uow:
            await uow.outbox.retry(item.id, now, "TypeError" if unexpected else "NetworkError",
                                   unexpected=unexpected)
            await uow.commit()
    (item,) = await claim(db, now)
    assert (item.errors, item.attempts) == (2, 5)
    assert abs((item.created_at - datetime.now(UTC)).total_seconds()) < 60


async def test_given_old_parked_messages_when_purged_then_only_those_created_before_the_cutoff_go(
    db: Database,
) -> None:
    await put(db, [say(ToStaff(CASE), "old"), say(ToReporter(CASE), "new")])
    old, new = await claim(db, soon())
    async with db.uow() as uow:
        await uow.outbox.park(old.id, "refused", "Bad Request: message is too long")
        await uow.outbox.park(new.id, "refused", "Bad Request: message is too long")
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.outbox.purge_parked(datetime.now(UTC) - timedelta(days=1)) == 0
        assert await uow.outbox.purge_parked(datetime.now(UTC) + timedelta(days=1)) == 2
        await uow.commit()
    assert await rows(db) == []


async def test_given_a_topic_request_when_its_answer_and_the_service_message_both_arrive_then_it_is_settled_once(
    db: Database,
) -> None:
    case = await _case(db)
    async with db.uow() as uow:
        assert await uow.outbox.topic_request_age(case.id) is None
        await uow.outbox.request_topic(case.id)  # recorded before createForumTopic is called
        await uow.commit()
    async with db.uow() as uow:
        age = await uow.outbox.topic_request_age(case.id)
        assert age is not None and timedelta(0) <= age < timedelta(seconds=30)
        assert await uow.outbox.settle_topic(case.id, 41) is True  # the service message, first
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.outbox.settle_topic(case.id, 41) is False  # the answer, second: no-op
        assert await uow.outbox.topic_request_age(case.id) is None
        assert (await uow.cases.get(case.id)).topic_id == 41
        await uow.outbox.request_topic(case.id)  # a request that Telegram refused outright
        await uow.outbox.forget_topic_request(case.id)
        assert await uow.outbox.topic_request_age(case.id) is None
        assert await uow.outbox.settle_topic(case.id, 42) is False
        await uow.commit()


async def _case(db: Database) -> Case:
    now = datetime.now(UTC)
    case = Case(id=CASE, number="WBS-2026-0001", category="korupsi", language="id",
                report={"what": "x"}, created_at=now, updated_at=now)
    async with db.uow() as uow:
        await uow.cases.add(case, TicketCode("0" * 16), ROUTE, None)
        await uow.commit()
    return case
