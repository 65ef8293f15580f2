"""The unit of work: one transaction, the repositories that work inside it, and the database.

Leaving `async with uow:` without `commit()` rolls everything back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flows.intents import ChatRoute
from storage.audit import AuditRepository
from storage.crypto import Keyring
from storage.db import create_engine, session_factory
from storage.models import ProcessedUpdateRow
from storage.outbox import OutboxRepository
from storage.repositories import (
    CaseRepository,
    ChatRepository,
    DraftRepository,
    EvidenceRepository,
    ThrottleRepository,
)


class Database:
    """The engine and the keyring: everything a unit of work needs, built once."""

    def __init__(self, url: str, keyring: Keyring) -> None:
        self.url = url
        self.keyring = keyring
        self.engine: AsyncEngine = create_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    async def close(self) -> None:
        await self.engine.dispose()


class SqlUnitOfWork:
    drafts: DraftRepository
    cases: CaseRepository
    evidence: EvidenceRepository
    outbox: OutboxRepository
    audit: AuditRepository
    throttle: ThrottleRepository
    chats: ChatRepository

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        session = self.db.sessions()
        await session.begin()
        self.session = session
        keyring = self.db.keyring
        self.drafts = DraftRepository(session, keyring)
        self.cases = CaseRepository(session, keyring)
        self.evidence = EvidenceRepository(session, keyring)
        self.outbox = OutboxRepository(session, keyring)
        self.audit = AuditRepository(session, keyring)
        self.throttle = ThrottleRepository(session, keyring)
        self.chats = ChatRepository(session, keyring)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self.session is not None
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
            self.session = None

    async def commit(self) -> None:
        assert self.session is not None
        await self.session.commit()

    async def lock_chat(self, route: ChatRoute) -> None:
        """Serialize work on one chat across replicas (PostgreSQL); SQLite has one writer anyway."""
        if self.db.is_postgres and self.session is not None:
            key = int.from_bytes(self.db.keyring.lookup_hash("lock", str(route))[:8], "big",
                                 signed=True)
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    async def claim_update(self, update_id: int) -> bool:
        """Record an update as processed; False when it was processed before (a redelivery)."""
        assert self.session is not None
        from datetime import UTC, datetime

        insert = postgresql.insert if self.db.is_postgres else sqlite.insert
        result = await self.session.execute(
            insert(ProcessedUpdateRow).values(update_id=update_id, at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=[ProcessedUpdateRow.update_id])
            .returning(ProcessedUpdateRow.update_id))
        return result.scalar() is not None

    def actor_token(self, kind: str, user_id: int) -> str:
        return f"{kind}:{self.db.keyring.lookup_hash('actor:' + kind, str(user_id)).hex()[:16]}"


__all__ = ["Database", "SqlUnitOfWork", "create_engine"]
