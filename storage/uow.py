"""The unit of work: one transaction, the repositories that work inside it, and the database.

Leaving `async with uow:` without `commit()` rolls everything back; `rollback()` undoes what was
done so far and leaves the unit usable. A unit of work is entered once (the message bus opens one
per command); with an update id, its commit also records that update as processed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import bindparam, delete, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flows.intents import ChatRoute
from flows.ports import DuplicateUpdate
from storage.audit import AuditRepository
from storage.crypto import Keyring
from storage.db import Checkpointer, create_engine, session_factory, sqlite_file
from storage.models import ProcessedUpdateRow, ThrottleRow, UTCDateTime
from storage.outbox import OutboxRepository
from storage.prepared import Prepared, per_dialect
from storage.repositories import (
    CaseRepository,
    ChatRepository,
    DraftRepository,
    EvidenceRepository,
    PromptRepository,
    StaffRepository,
    ThrottleRepository,
)


def _claim_update(insert: Any) -> Prepared:
    return Prepared(insert(ProcessedUpdateRow).values(
        update_id=bindparam("update_id"), at=bindparam("at", type_=UTCDateTime()))
        .on_conflict_do_nothing(index_elements=[ProcessedUpdateRow.update_id])
        .returning(ProcessedUpdateRow.update_id))


_CLAIM_UPDATE = per_dialect(_claim_update)


class Database:
    """The engine and the keyring: everything a unit of work needs, built once."""

    def __init__(self, url: str, keyring: Keyring, *, background_checkpoints: bool = False) -> None:
        """`background_checkpoints` (SQLite file): commits never stall on a WAL checkpoint; the
        owner calls `checkpoint()` every second or so instead (the bot does)."""
        self.url = url
        self.keyring = keyring
        path = sqlite_file(url) if background_checkpoints else None
        self.checkpointer = Checkpointer(path) if path is not None else None
        self.engine: AsyncEngine = create_engine(url, checkpoints=self.checkpointer is None)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.commits = 0
        """Units of work committed (the background checkpoint runs only after writes)."""
        self.checkpointed = 0

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file, off the event loop (SQLite; else nothing)."""
        if self.checkpointer is not None:
            await self.checkpointer.run()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def uow(self, update_id: int | None = None) -> SqlUnitOfWork:
        """A unit of work; with `update_id`, committing also marks that update as processed,
        and a second commit for the same update (a redelivery) raises DuplicateUpdate."""
        return SqlUnitOfWork(self, update_id)

    async def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        await self.engine.dispose()


class SqlUnitOfWork:
    drafts: DraftRepository
    cases: CaseRepository
    evidence: EvidenceRepository
    outbox: OutboxRepository
    audit: AuditRepository
    throttle: ThrottleRepository
    chats: ChatRepository
    prompts: PromptRepository
    staff: StaffRepository

    def __init__(self, db: Database, update_id: int | None = None) -> None:
        self.db = db
        self.update_id = update_id
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        assert self.session is None, "a unit of work is entered once"
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
        self.prompts = PromptRepository(session, keyring)
        self.staff = StaffRepository(session, keyring)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self.session is not None
        try:
            if self.session.in_transaction():  # committed: nothing to undo, just let go
                await self.session.rollback()
        finally:
            await self.session.close()
            self.session = None

    async def commit(self) -> None:
        assert self.session is not None
        if self.update_id is not None:
            if not await self.claim_update(self.update_id):
                raise DuplicateUpdate
            self.update_id = None  # claimed: later commits of this unit of work just commit
        await self.session.commit()
        self.db.commits += 1

    async def rollback(self) -> None:
        """Undo what this transaction did so far, and let go of its chat locks; the unit of
        work stays usable (the next statement begins a new transaction)."""
        assert self.session is not None
        await self.session.rollback()

    async def lock_chat(self, route: ChatRoute) -> None:
        """Serialize work on one chat across replicas (PostgreSQL); SQLite has one writer anyway."""
        if self.db.is_postgres and self.session is not None:
            key = int.from_bytes(self.db.keyring.lookup_hash("lock", str(route))[:8], "big",
                                 signed=True)
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    async def claim_update(self, update_id: int) -> bool:
        """Record an update as processed; False when it was processed before (a redelivery)."""
        assert self.session is not None
        claim = _CLAIM_UPDATE[self.session.bind.dialect.name]
        return bool(await claim.rows(self.session, {"update_id": update_id, "at": datetime.now(UTC)}))

    async def prune(self, before: datetime) -> None:
        """Forget processed update ids and throttle windows older than `before`."""
        assert self.session is not None
        await self.session.execute(delete(ProcessedUpdateRow).where(ProcessedUpdateRow.at < before))
        await self.session.execute(delete(ThrottleRow).where(ThrottleRow.window_start < before))

    def actor_token(self, kind: str, user_id: int | str) -> str:
        return f"{kind}:{self.db.keyring.lookup_hash('actor:' + kind, str(user_id)).hex()[:16]}"


__all__ = ["Database", "DuplicateUpdate", "SqlUnitOfWork", "create_engine"]
