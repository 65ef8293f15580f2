"""Who handles a case, as storage keeps it: the handler's pseudonym on the case, their name in the
staff directory (encrypted, bound to its row), found again by @username through a keyed hash;
nothing readable at rest. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from storage.models import CaseRow, StaffMemberRow
from storage.uow import Database
from tests.integration.test_at_rest import postgres_bytes, sqlite_bytes
from tests.integration.test_outbox import _case

SARI = "staff:0123456789abcdef"
BUDI = "staff:fedcba9876543210"
NAME = "Sarinah Wulandari-Directory"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_given_a_handler_when_the_case_is_read_then_it_carries_their_name(db: Database) -> None:
    case = await _case(db)
    async with db.uow() as uow:
        await uow.staff.remember(SARI, NAME, "Sari_WBS", NOW)
        loaded = await uow.cases.get(case.id)
        assert loaded is not None and loaded.handler is None and loaded.handler_name == ""
        loaded.handler = SARI
        await uow.cases.save(loaded)
        await uow.commit()

    async with db.uow() as uow:
        again = await uow.cases.by_number(case.number)
        [listed] = await uow.cases.open_cases(datetime.now(UTC))
        assert again is not None and (again.handler, again.handler_name) == (SARI, NAME)
        assert (listed.handler, listed.handler_name) == (SARI, NAME)
        assert await uow.staff.by_username("@sari_wbs") == SARI
        assert await uow.staff.by_username("budi") is None
        assert await uow.staff.names([SARI, BUDI]) == {SARI: NAME}

        again.handler = None
        await uow.cases.save(again)
        await uow.commit()
    async with db.uow() as uow:
        released = await uow.cases.get(case.id)
        assert released is not None and released.handler is None and released.handler_name == ""


async def test_given_a_member_renamed_or_a_username_passed_on_then_the_directory_follows(
    db: Database,
) -> None:
    async with db.uow() as uow:
        await uow.staff.remember(SARI, "Sari", "sari_wbs", NOW)
        await uow.staff.remember(BUDI, "Budi", None, NOW)
        await uow.commit()
    async with db.uow() as uow:
        await uow.staff.remember(SARI, "Sarinah", "sari_old", NOW)
        await uow.staff.remember(BUDI, "Budi", "sari_wbs", NOW)  # the name passed on to Budi
        await uow.commit()

    async with db.uow() as uow:
        assert await uow.staff.names([SARI, BUDI]) == {SARI: "Sarinah", BUDI: "Budi"}
        assert await uow.staff.by_username("sari_wbs") == BUDI
        assert await uow.staff.by_username("sari_old") == SARI


async def test_given_a_name_moved_to_another_row_then_it_does_not_decrypt(db: Database) -> None:
    """The ciphertext is bound to its member: a name copied onto another member's row is refused."""
    async with db.uow() as uow:
        await uow.staff.remember(SARI, "Sari", None, NOW)
        await uow.staff.remember(BUDI, "Budi", None, NOW)
        await uow.commit()
    async with db.uow() as uow:
        assert uow.session is not None
        sari = await uow.session.scalar(select(StaffMemberRow.name_enc).where(
            StaffMemberRow.actor == SARI))
        await uow.session.execute(update(StaffMemberRow).where(StaffMemberRow.actor == BUDI)
                                  .values(name_enc=sari))
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(Exception, match=r"(?i)invalid|tag|decrypt|authentic"):
            await uow.staff.names([BUDI])


async def test_given_a_directory_then_no_name_or_username_is_readable_at_rest(
    db: Database, database_url: str,
) -> None:
    case = await _case(db)
    async with db.uow() as uow:
        await uow.staff.remember(SARI, NAME, "sari_at_rest_marker", NOW)
        await uow.session.execute(update(CaseRow).where(CaseRow.id == case.id)  # type: ignore[union-attr]
                                  .values(handler=SARI))
        await uow.commit()
    await db.checkpoint()

    raw = (sqlite_bytes(database_url) if database_url.startswith("sqlite")
           else await postgres_bytes(database_url))

    assert SARI.encode() in raw  # the pseudonym is what is kept...
    for secret in (NAME, "Sarinah", "sari_at_rest_marker"):  # ...never the name or the username
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
