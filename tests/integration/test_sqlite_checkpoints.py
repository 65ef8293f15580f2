"""SQLite as the bot runs it: commits never fold the write-ahead log back into the database file
(that stall would land on whichever reporter's commit crossed SQLite's 1,000-page mark); a
background checkpoint, on a connection of its own, does it instead."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import text

from flows.intents import ChatRoute, Say, ToChat
from storage.crypto import Keyring
from storage.db import Checkpointer, migrate
from storage.uow import Database


def wal_pages(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


async def fill(db: Database, messages: int) -> None:
    for start in range(0, messages, 50):
        async with db.uow() as uow:
            await uow.outbox.put([Say(ToChat(ChatRoute(900000000 + i)), "help.reporter", {"n": "x" * 3000})
                                  for i in range(start, start + 50)])
            await uow.commit()


async def autocheckpoint(db: Database) -> int:
    async with db.engine.connect() as connection:
        return (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one()


async def test_given_background_checkpoints_when_commits_cross_a_thousand_pages_then_no_commit_checkpoints(
    tmp_path: Path, keyring: Keyring
) -> None:
    path = tmp_path / "peluit.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    db = Database(url, keyring, background_checkpoints=True)
    try:
        assert await autocheckpoint(db) == 0
        await fill(db, 1500)  # well over 1,000 pages of WAL
        grown = wal_pages(path)
        assert grown > 1000  # SQLite's default would have reset it at ~1,000

        async with db.uow() as uow:
            assert await uow.outbox.pending_count() == 1500
        database_before = path.stat().st_size
        await db.checkpoint()
        assert path.stat().st_size > database_before  # the pages went into the database file
        probe = sqlite3.connect(path)
        try:  # and a plain reader sees them all
            assert probe.execute("SELECT count(*) FROM outbox").fetchone() == (1500,)
        finally:
            probe.close()

        await fill(db, 100)  # after a full checkpoint the log is reused, not appended to
        assert wal_pages(path) == grown
    finally:
        await db.close()


async def test_given_the_default_database_when_opened_then_sqlite_checkpoints_as_usual(
    tmp_path: Path, keyring: Keyring
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'peluit.db'}"
    await migrate(url)
    db = Database(url, keyring)  # tools and tests: no background task, SQLite's own checkpoints
    try:
        assert db.checkpointer is None
        assert await autocheckpoint(db) == 1000
        await db.checkpoint()  # nothing to do, no error
        async with db.uow() as uow:
            assert (await uow.session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await db.close()


async def test_given_a_closed_checkpointer_when_a_late_round_runs_then_it_opens_nothing(tmp_path: Path) -> None:
    # The bot stops while the worker thread may still be checkpointing: close() and a round in
    # flight share one lock, and a round that comes after close() does nothing (reopening the
    # connection, or closing it under a running checkpoint, crashed the process).
    url = f"sqlite+aiosqlite:///{tmp_path / 'peluit.db'}"
    await migrate(url)
    checkpointer = Checkpointer(tmp_path / "peluit.db")
    await checkpointer.run()
    rounds = [asyncio.create_task(checkpointer.run()) for _ in range(20)]
    checkpointer.close()
    await asyncio.gather(*rounds)  # none of them fails or crashes
    assert await checkpointer.run() == (0, 0)
    assert checkpointer._connection is None
