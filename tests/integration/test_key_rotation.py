"""Key rotation: every encrypted value moves to the new primary keys and still reads the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flows.model import Case, CaseMessage, EvidenceFile
from flows.tickets import TicketCode
from storage.crypto import Keyring, UnknownKeyId
from storage.maintenance import reencrypt_all
from storage.models import ENCRYPTED_COLUMNS, ROW_KEY, Base
from storage.uow import Database
from tests.integration.journey import DRAFT_TEXT, Journey, run_concluded_journey

Snapshot = dict[tuple[str, str, str], bytes]


def key_id(blob: bytes) -> str:
    return blob[2 : 2 + blob[1]].decode("ascii")


async def blobs(db: Database) -> list[tuple[type[Base], str, str, str, bytes]]:
    """Every non-empty encrypted value: (model, column, purpose, row id, blob)."""
    found = []
    async with db.sessions() as session:
        for model, column, purpose in ENCRYPTED_COLUMNS:
            for row in (await session.scalars(select(model))).all():
                blob = getattr(row, column)
                if blob:
                    found.append((model, column, purpose, str(getattr(row, ROW_KEY[model])), blob))
    return found


async def plaintexts(db: Database, keyring: Keyring) -> Snapshot:
    return {(model.__tablename__, column, row_id): keyring.decrypt(
                purpose, blob, table=model.__tablename__, column=column, row_id=row_id)  # type: ignore[arg-type]
            for model, column, purpose, row_id, blob in await blobs(db)}


async def through_repositories(db: Database, journey: Journey) -> tuple[
        Case | None, list[CaseMessage], list[EvidenceFile | None], object, object]:
    async with db.uow() as uow:
        case = await uow.cases.get(journey.case_id)
        messages = await uow.cases.messages(journey.case_id)
        evidence = [await uow.evidence.get(e) for e in journey.evidence_ids]
        route = await uow.cases.route_of(journey.case_id)
        draft = await uow.drafts.get(journey.other_route)
        # lookups go through the lookup key, which rotation keeps
        assert await uow.cases.by_ticket(TicketCode(journey.ticket)) == case
        assert [c.id for c in await uow.cases.for_route(journey.route)] == [journey.case_id]
        assert await uow.cases.by_reporter_message(journey.route, 4242) == case
    return case, messages, evidence, route, draft


async def test_given_a_full_case_when_keys_are_rotated_then_everything_is_under_the_new_keys_reads_the_same_and_a_rerun_does_nothing(
    db: Database,
) -> None:
    journey = await run_concluded_journey(db)  # every encrypted column holds a value
    old = db.keyring
    new = old.with_rotated_keys()
    before = await plaintexts(db, old)
    tables = {table for table, _, _ in before}
    assert tables == {m.__tablename__ for m, _, _ in ENCRYPTED_COLUMNS}, "the journey misses a table"
    assert {(t, c) for t, c, _ in before} == {(m.__tablename__, c) for m, c, _ in ENCRYPTED_COLUMNS}
    assert all(key_id(b) in (old.content.primary_id, old.routing.primary_id)
               for *_, b in await blobs(db))
    seen = await through_repositories(db, journey)

    count = await reencrypt_all(db, new, batch=3)

    assert count == len(before)
    assert db.keyring is new
    for model, column, purpose, row_id, blob in await blobs(db):
        assert not new.needs_reencrypt(purpose, blob), (model.__tablename__, column, row_id)  # type: ignore[arg-type]
        expected = new.content.primary_id if purpose == "content" else new.routing.primary_id
        assert key_id(blob) == expected
        assert expected not in (old.content.primary_id, old.routing.primary_id)
    assert await plaintexts(db, new) == before
    again = await through_repositories(db, journey)
    assert again == seen
    case, messages, evidence, route, draft = again
    assert case is not None and case.outcome and case.report["what"]
    assert len(messages) == 2 and all(e is not None for e in evidence) and len(evidence) == 2
    assert route == journey.route
    assert draft is not None and draft.answers["what"] == DRAFT_TEXT
    async with db.uow() as uow:
        claimed = await uow.outbox.claim(datetime.now(UTC) + timedelta(days=1))
    assert claimed, "the queued messages still decrypt and can be claimed"

    after_first = await blobs(db)
    assert await reencrypt_all(db, new) == 0
    assert await blobs(db) == after_first


async def test_given_rotated_keys_when_the_old_keyring_alone_reads_then_it_cannot(
    db: Database, database_url: str,
) -> None:
    journey = await run_concluded_journey(db)  # every encrypted column holds a value
    old = db.keyring

    await reencrypt_all(db, old.with_rotated_keys())

    stale = Database(database_url, old)
    try:
        async with stale.uow() as uow:
            with pytest.raises(UnknownKeyId):
                await uow.cases.get(journey.case_id)
            with pytest.raises(UnknownKeyId):
                await uow.cases.route_of(journey.case_id)
            with pytest.raises(UnknownKeyId):
                await uow.evidence.get(journey.evidence_ids[0])
            with pytest.raises(UnknownKeyId):
                await uow.cases.messages(journey.case_id)
            with pytest.raises(UnknownKeyId):
                await uow.drafts.get(journey.other_route)
    finally:
        await stale.close()
    for model, column, purpose, row_id, blob in await blobs(db):
        with pytest.raises(UnknownKeyId):
            old.decrypt(purpose, blob, table=model.__tablename__, column=column, row_id=row_id)  # type: ignore[arg-type]
