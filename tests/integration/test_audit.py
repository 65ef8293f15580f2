"""The audit log: every event is chained to the one before, and any edit or removal is found."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, text

from storage.audit import GENESIS, ChainReport, verify_chain
from storage.models import AuditEventRow
from storage.uow import Database


async def record(db: Database, action: str, case_number: str | None = None, detail: str = "") -> None:
    async with db.uow() as uow:
        await uow.audit.record("staff:0123456789abcdef", action, case_number, detail)
        await uow.commit()


async def verify(db: Database) -> ChainReport:
    async with db.sessions() as session:
        return await verify_chain(session, db.keyring)


async def events(db: Database) -> list[AuditEventRow]:
    async with db.sessions() as session:
        return list((await session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))).all())


async def tamper(db: Database, sql: str, **params: object) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text(sql), params)


async def five_events(db: Database) -> list[AuditEventRow]:
    await record(db, "case.submitted", "WBS-2026-0001", "korupsi")
    await record(db, "relay.to_reporter", "WBS-2026-0001")
    await record(db, "case.submitted", "WBS-2026-0002", "penipuan")
    await record(db, "case.moved", "WBS-2026-0001", "received->verifying")
    await record(db, "drafts.expired", None, "3")
    return await events(db)


async def test_given_appended_events_when_read_then_each_links_to_the_hash_of_the_one_before(
    db: Database,
) -> None:
    empty = await verify(db)
    assert (empty.ok, empty.events, empty.head, empty.broken_at) == (True, 0, GENESIS.hex(), None)

    rows = await five_events(db)

    assert [r.prev_hash for r in rows] == [GENESIS] + [r.hash for r in rows[:-1]]
    assert len({r.hash for r in rows}) == 5
    report = await verify(db)
    assert (report.ok, report.events, report.head) == (True, 5, rows[-1].hash.hex())
    async with db.uow() as uow:
        case_events = await uow.audit.for_case("WBS-2026-0001")
    assert [(e.action, e.detail) for e in case_events] == [
        ("case.submitted", "korupsi"), ("relay.to_reporter", ""), ("case.moved", "received->verifying")]


async def test_given_an_intact_log_when_an_events_detail_is_edited_then_the_chain_breaks_at_that_event(
    db: Database,
) -> None:
    rows = await five_events(db)

    await tamper(db, "UPDATE audit_events SET detail = :d WHERE id = :id", d="pelecehan", id=rows[2].id)

    report = await verify(db)
    assert (report.ok, report.broken_at, report.events) == (False, rows[2].id, 3)
    assert "edited" in report.reason
    await tamper(db, "UPDATE audit_events SET detail = :d WHERE id = :id", d="penipuan", id=rows[2].id)
    assert (await verify(db)).ok  # put back as it was: intact again
    await tamper(db, "UPDATE audit_events SET actor = 'system' WHERE id = :id", id=rows[0].id)
    assert (await verify(db)).broken_at == rows[0].id


async def test_given_an_intact_log_when_a_middle_event_is_deleted_then_the_chain_breaks_at_the_next(
    db: Database,
) -> None:
    rows = await five_events(db)

    await tamper(db, "DELETE FROM audit_events WHERE id = :id", id=rows[2].id)

    report = await verify(db)
    assert (report.ok, report.broken_at) == (False, rows[3].id)
    assert "removed" in report.reason


async def test_given_an_intact_log_when_the_last_event_is_rehashed_without_the_key_then_it_is_found(
    db: Database,
) -> None:
    """A forger without the lookup key cannot make an edited event look right."""
    import hashlib

    rows = await five_events(db)
    forged = hashlib.sha256(rows[-2].hash + b"drafts.expired 0").digest()

    await tamper(db, "UPDATE audit_events SET detail = '0', hash = :h WHERE id = :id",
                 h=forged, id=rows[-1].id)

    assert (await verify(db)).broken_at == rows[-1].id


async def test_given_20_concurrent_appends_when_verified_then_the_chain_is_intact(db: Database) -> None:
    await asyncio.gather(*(record(db, "status.checked", f"WBS-2026-{n:04d}") for n in range(1, 21)))

    rows = await events(db)
    report = await verify(db)
    assert (report.ok, report.events) == (True, 20)
    assert [r.prev_hash for r in rows] == [GENESIS] + [r.hash for r in rows[:-1]]
    assert sorted(r.case_number or "" for r in rows) == [f"WBS-2026-{n:04d}" for n in range(1, 21)]
