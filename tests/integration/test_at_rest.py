"""The privacy test of the foundation: after a whole report's life, the raw database holds no report
content, no reporter chat id and no ticket code, in any form a dump or a disk image would show.

SQLite: the bytes of the database file and its -wal and -shm files. PostgreSQL: every value of every
table, read with asyncpg (bytes as they are, everything else as text).
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
from sqlalchemy import select

from storage.crypto import PRIVATE_KEY_FILE, load_private_key_file, open_sealed
from storage.db import is_sqlite
from storage.models import SealedContactRow
from storage.uow import Database
from tests.integration.journey import (
    ANSWER,
    ANSWER_PHOTO,
    ANSWERS,
    CONTACT,
    DRAFT_TEXT,
    EVIDENCE_BYTES,
    EVIDENCE_NAME,
    MARKERS,
    OTHER_CHAT,
    OUTCOME,
    QUESTION,
    REPORTER_CHAT,
    STAFF_USER,
    Journey,
    run_journey,
)


def sqlite_bytes(url: str) -> bytes:
    path = Path(url.split(":///", 1)[1])
    files = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
    assert files[0].stat().st_size > 0
    return b"\x00".join(f.read_bytes() for f in files if f.exists())


async def postgres_bytes(url: str) -> bytes:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = [r["tablename"] for r in await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert "cases" in tables and "outbox" in tables
        parts: list[bytes] = []
        for table in tables:
            for record in await connection.fetch(f'SELECT * FROM "{table}"'):
                for value in record.values():
                    parts.append(bytes(value) if isinstance(value, bytes | memoryview)
                                 else str(value).encode())
    finally:
        await connection.close()
    return b"\x00".join(parts)


async def raw_dump(db: Database) -> bytes:
    return sqlite_bytes(db.url) if is_sqlite(db.url) else await postgres_bytes(db.url)


def forbidden(journey: Journey) -> dict[str, bytes]:
    """Every form in which a secret of the journey could show up in the raw data."""
    secrets: dict[str, bytes] = {}
    for marker in MARKERS:
        secrets[marker] = marker.encode()
        secrets[f"{marker} (utf-16)"] = marker.encode("utf-16-le")
    for name, chat in (("reporter chat", REPORTER_CHAT), ("other chat", OTHER_CHAT),
                       ("staff user", STAFF_USER)):
        secrets[f"{name} as text"] = str(chat).encode()
        secrets[f"{name} big-endian"] = chat.to_bytes(8, "big")
        secrets[f"{name} little-endian"] = chat.to_bytes(8, "little")
    ticket = journey.ticket
    for name, form in (("ticket", ticket), ("ticket without dashes", ticket.replace("-", "")),
                       ("ticket lowercase", ticket.lower()),
                       ("ticket lowercase without dashes", ticket.replace("-", "").lower())):
        secrets[name] = form.encode()
    return secrets


def leaks(raw: bytes, journey: Journey) -> list[str]:
    return [name for name, value in forbidden(journey).items() if value in raw]


async def test_given_a_whole_report_when_the_raw_database_is_read_then_no_content_identity_or_ticket_appears(
    db: Database, tmp_path: Path,
) -> None:
    journey = await run_journey(db)
    # Not vacuous: every marker is in the database, readable through the keys (and only so).
    await assert_stored_and_readable(db, journey, tmp_path)

    raw_open = await raw_dump(db)
    await db.close()  # SQLite: the last connection checkpoints the WAL into the file
    raw_closed = await raw_dump(db)

    assert leaks(raw_open, journey) == []
    assert leaks(raw_closed, journey) == []
    # The dump is real: public, non-secret values are found in it.
    for raw in (raw_open, raw_closed):
        assert journey.number.encode() in raw
        assert b"case.submitted" in raw and b"korupsi" in raw


async def assert_stored_and_readable(db: Database, journey: Journey, tmp_path: Path) -> None:
    async with db.uow() as uow:
        case = await uow.cases.by_ticket(journey.ticket)
        assert case is not None
        messages = [m.body for m in await uow.cases.messages(case.id)]
        files = [await uow.evidence.get(e) for e in case.evidence_ids]
        draft = await uow.drafts.get(journey.other_route)
        route = await uow.cases.route_of(case.id)
    async with db.sessions() as session:
        sealed = await session.scalar(
            select(SealedContactRow.sealed).where(SealedContactRow.case_id == case.id))

    assert case.report == ANSWERS and case.outcome == OUTCOME and case.has_contact
    assert messages == [QUESTION, ANSWER]
    assert sorted((f.data, f.file_name or "") for f in files if f is not None) == sorted(
        [(EVIDENCE_BYTES, EVIDENCE_NAME), (ANSWER_PHOTO, "")])
    assert draft is not None and draft.answers["what"] == DRAFT_TEXT
    assert route == REPORTER_CHAT
    assert sealed is not None
    private_key = load_private_key_file(tmp_path / "keys" / PRIVATE_KEY_FILE)
    assert open_sealed(private_key, sealed).decode() == CONTACT
