"""Retention (Indonesia's personal data protection law, UU PDP): what is kept, and for how long.

After a case is closed, first the ways to reach or identify the reporter go (routing, sealed
contact, message links), later the content itself (report, messages, evidence). The case number,
category, status and audit trail remain, so the institution can still account for the case.
On SQLite, deleted pages are overwritten (secure_delete) and the WAL is checkpointed, so purged
data is really gone from the files, not just marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, text, update

from storage.models import (
    CaseMessageRow,
    CaseRow,
    ChatRow,
    EvidenceRow,
    MessageLinkRow,
    OutboxRow,
    ReporterRouteRow,
    SealedContactRow,
)
from storage.uow import Database


@dataclass(frozen=True)
class PurgeReport:
    routing_purged: list[str]
    content_purged: list[str]


async def purge(db: Database, *, routing_before: datetime, content_before: datetime,
                now: datetime | None = None) -> PurgeReport:
    """Purge cases closed before the cut-offs. Returns the case numbers purged, per kind."""
    now = now or datetime.now(UTC)
    async with db.uow() as uow:
        session = uow.session
        assert session is not None
        routed = (await session.execute(
            select(CaseRow.id, CaseRow.number)
            .join(ReporterRouteRow, ReporterRouteRow.case_id == CaseRow.id, isouter=True)
            .join(SealedContactRow, SealedContactRow.case_id == CaseRow.id, isouter=True)
            .where(CaseRow.closed_at.is_not(None), CaseRow.closed_at < routing_before)
            .where((ReporterRouteRow.case_id.is_not(None)) | (SealedContactRow.case_id.is_not(None)))
        )).all()
        ids = [row.id for row in routed]
        if ids:
            for model in (ReporterRouteRow, SealedContactRow, MessageLinkRow):
                await session.execute(delete(model).where(model.case_id.in_(ids)))
            for row in routed:
                await uow.audit.record("system", "retention.routing_purged", row.number)
        content = (await session.execute(
            select(CaseRow.id, CaseRow.number).where(
                CaseRow.closed_at.is_not(None), CaseRow.closed_at < content_before,
                CaseRow.content_purged_at.is_(None)))).all()
        content_ids = [row.id for row in content]
        if content_ids:
            await session.execute(delete(CaseMessageRow).where(CaseMessageRow.case_id.in_(content_ids)))
            await session.execute(delete(EvidenceRow).where(EvidenceRow.case_id.in_(content_ids)))
            await session.execute(update(CaseRow).where(CaseRow.id.in_(content_ids)).values(
                report_enc=None, outcome_enc=None, recommendation_enc=None,
                content_purged_at=now))
            for row in content:
                await uow.audit.record("system", "retention.content_purged", row.number)
        await session.execute(delete(OutboxRow).where(OutboxRow.status == "failed"))
        # A chat's language choice is the last trace of a chat that talked to the bot.
        await session.execute(delete(ChatRow).where(ChatRow.updated_at < routing_before))
        await uow.commit()
    if (ids or content_ids) and not db.is_postgres:
        async with db.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif (ids or content_ids) and db.is_postgres:
        await _vacuum_postgres(db)
    return PurgeReport([r.number for r in routed], [r.number for r in content])


async def _vacuum_postgres(db: Database) -> None:
    """Let PostgreSQL reclaim the dead tuples now rather than at the next autovacuum."""
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("reporter_routes", "sealed_contacts", "message_links", "case_messages",
                      "evidence", "cases"):
            await autocommit.execute(text(f"VACUUM {table}"))
