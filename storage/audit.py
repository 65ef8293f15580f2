"""The audit log: append-only and hash-chained. Each event carries the keyed hash of the one
before it, so an edited or deleted event breaks the chain (`peluit audit verify`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from flows.model import AuditEvent
from storage.codec import dumps
from storage.crypto import Keyring
from storage.models import AuditEventRow

GENESIS = bytes(32)
AUDIT_LOCK = 0x5045_4C55_4954  # advisory lock id serializing appends on PostgreSQL


def event_hash(keyring: Keyring, prev: bytes, at: datetime, actor: str, action: str,
               case_number: str | None, detail: str) -> bytes:
    body = dumps([prev.hex(), at.astimezone(UTC).isoformat(), actor, action, case_number, detail])
    return keyring.lookup_hash("audit", body)


class AuditRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    async def record(self, actor: str, action: str, case_number: str | None = None,
                     detail: str = "") -> None:
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
        prev = await self.session.scalar(
            select(AuditEventRow.hash).order_by(AuditEventRow.id.desc()).limit(1)) or GENESIS
        at = datetime.now(UTC).replace(microsecond=0)
        self.session.add(AuditEventRow(
            at=at, actor=actor, action=action, case_number=case_number, detail=detail[:200],
            prev_hash=prev,
            hash=event_hash(self.keyring, prev, at, actor, action, case_number, detail[:200])))
        await self.session.flush()

    async def for_case(self, case_number: str) -> list[AuditEvent]:
        rows = (await self.session.scalars(select(AuditEventRow).where(
            AuditEventRow.case_number == case_number).order_by(AuditEventRow.id))).all()
        return [AuditEvent(r.id, r.at, r.actor, r.action, r.case_number, r.detail) for r in rows]


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
