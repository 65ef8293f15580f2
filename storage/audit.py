"""The audit log: append-only and hash-chained. Each event carries the keyed hash of the one
before it, so an edited or deleted event breaks the chain (`peluit audit verify`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from flows.model import AuditEvent
from storage.codec import dumps
from storage.crypto import Keyring
from storage.models import AuditEventRow, UTCDateTime
from storage.prepared import Prepared

GENESIS = bytes(32)
AUDIT_LOCK = 0x5045_4C55_4954  # advisory lock id serializing appends on PostgreSQL


def event_hash(keyring: Keyring, prev: bytes, at: datetime, actor: str, action: str,
               case_number: str | None, detail: str) -> bytes:
    body = dumps([prev.hex(), at.astimezone(UTC).isoformat(), actor, action, case_number, detail])
    return keyring.lookup_hash("audit", body)


_HEAD = Prepared(select(AuditEventRow.hash).order_by(AuditEventRow.id.desc()).limit(1))
_APPEND = Prepared(insert(AuditEventRow.__table__).values(
    at=bindparam("at", type_=UTCDateTime()), actor=bindparam("actor"), action=bindparam("action"),
    case_number=bindparam("case_number"), detail=bindparam("detail"),
    prev_hash=bindparam("prev_hash"), hash=bindparam("hash")))
_FOR_CASE = Prepared(
    select(AuditEventRow.id, AuditEventRow.at, AuditEventRow.actor, AuditEventRow.action,
           AuditEventRow.case_number, AuditEventRow.detail)
    .where(AuditEventRow.case_number == bindparam("case_number")).order_by(AuditEventRow.id))


class AuditRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    async def record(self, actor: str, action: str, case_number: str | None = None,
                     detail: str = "") -> None:
        """Append one event linked to the chain's head (Core statements, one driver call each
        on SQLite: this is on the hot path of every status check)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
        head = await _HEAD.rows(self.session, {})
        prev = head[0][0] if head else GENESIS
        at = datetime.now(UTC).replace(microsecond=0)
        detail = detail[:200]
        await _APPEND.rows(self.session, {
            "at": at, "actor": actor, "action": action, "case_number": case_number,
            "detail": detail, "prev_hash": prev,
            "hash": event_hash(self.keyring, prev, at, actor, action, case_number, detail)})

    async def for_case(self, case_number: str) -> list[AuditEvent]:
        rows = await _FOR_CASE.rows(self.session, {"case_number": case_number})
        return [AuditEvent(*row) for row in rows]


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    broken_at: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify_chain(session: AsyncSession, keyring: Keyring) -> ChainReport:
    """Walk the whole log; the first event whose link or hash does not match is reported."""
    prev, count = GENESIS, 0
    rows = await session.stream_scalars(select(AuditEventRow).order_by(AuditEventRow.id))
    async for row in rows:
        count += 1
        if row.prev_hash != prev:
            return ChainReport(count, prev.hex(), row.id, "an event before this one was removed or changed")
        expected = event_hash(keyring, prev, row.at, row.actor, row.action, row.case_number, row.detail)
        if row.hash != expected:
            return ChainReport(count, prev.hex(), row.id, "this event was edited")
        prev = row.hash
    return ChainReport(count, prev.hex(), None)
