"""Engines, sessions and migrations. SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.util import await_only

MIGRATIONS = Path(__file__).parent / "migrations"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other engines and in-memory databases)."""
    if not is_sqlite(url) or ":///" not in url or url.endswith(":memory:"):
        return None
    return Path(url.split(":///", 1)[1])


def keep_private(database: Path) -> None:
    """The SQLite database readable by its owner only, whatever the umask: a directory made for
    it is 0700, the file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm
    files the database file's mode), and files an earlier version left open to others are closed."""
    try:
        database.parent.mkdir(mode=0o700, parents=True)
        os.chmod(database.parent, 0o700)  # whatever the umask left of 0700
    except FileExistsError:
        pass  # a directory the operator made: theirs to set
    # Only a new file is opened here: closing any descriptor of a database this process has open
    # would drop SQLite's locks on it (POSIX locks belong to the process, not the descriptor).
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                os.chmod(path, 0o600)


def create_engine(url: str, *, checkpoints: bool = True) -> AsyncEngine:
    """An engine tuned for its backend. SQLite: WAL, secure delete, one writer at a time.

    `checkpoints=False` (SQLite): committing never copies the WAL back into the database file
    (SQLite does that every 1,000 pages, inside whichever commit crosses the mark: a 25-45 ms
    stall with an fsync on a big database); the owner runs `checkpoint()` in the background.
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    if (path := sqlite_file(url)) is not None:
        keep_private(path)
    # One connection: SQLite has one writer anyway, and waiting for the pool is an asyncio wait,
    # where a second connection would sleep in SQLite's busy handler while the lock sits free.
    # No reset on return: a unit of work always ends its transaction itself, and each reset
    # would be one more trip to the driver's thread.
    engine = create_async_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=1,
                                 max_overflow=0, pool_timeout=120, pool_reset_on_return=None)
    pragmas = ["journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "secure_delete=ON",
               f"busy_timeout={BUSY_TIMEOUT_MS}"]
    if not checkpoints:
        pragmas.append("wal_autocheckpoint=0")

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        # The driver must not open transactions itself: we BEGIN IMMEDIATE below, so that
        # two writers wait for each other instead of failing with "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            driver = connection.connection.driver_connection
            if not _begin_at_once(driver._conn):
                # Another process holds the write lock: wait for it in the driver's thread, in
                # one call (a cursor through the adapter would be three).
                await_only(driver.execute("BEGIN IMMEDIATE"))

    if not checkpoints:
        # A commit that never checkpoints only appends the transaction to the WAL (no fsync
        # with synchronous=NORMAL) and needs no lock it does not hold: done here, it costs
        # less than the trip to the driver's thread would.
        def commit_at_once(dbapi_connection: Any) -> None:
            dbapi_connection.driver_connection._conn.commit()

        engine.sync_engine.dialect.do_commit = commit_at_once  # type: ignore[method-assign]
    return engine


BUSY_TIMEOUT_MS = 30000


def _begin_at_once(connection: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE on the event loop when SQLite's write lock is free, as it nearly always is
    (the bot is the only writer, on one connection); False, with nothing begun, when another
    process holds it."""
    connection.execute("PRAGMA busy_timeout=0")
    try:
        connection.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class Checkpointer:
    """Copies SQLite's WAL back into the database file from a worker thread, on a connection of
    its own (PASSIVE: it never waits for, or blocks, the bot's reads and writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._closed = False
        # The worker thread may still be checkpointing when the bot stops and closes the
        # connection (an awaited to_thread is not interrupted by cancelling its task): closing
        # a connection another thread is using crashes the process. One lock for both.
        self._lock = threading.Lock()

    def _run(self) -> tuple[int, int]:
        with self._lock:
            if self._closed:
                return 0, 0
            if self._connection is None:
                self._connection = sqlite3.connect(self.path, timeout=1, check_same_thread=False,
                                                   isolation_level=None)
            _busy, wal_pages, copied = self._connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return wal_pages, copied

    async def run(self) -> tuple[int, int]:
        """(pages in the WAL, pages copied into the database file)."""
        return await asyncio.to_thread(self._run)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


def _upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


async def migrate(url: str) -> None:
    """Bring the schema to the newest migration (runs Alembic in a worker thread)."""
    await asyncio.to_thread(_upgrade, url)


async def schema_is_current(db: object) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine: AsyncEngine = db.engine  # type: ignore[attr-defined]
    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads()))
    return current == heads
