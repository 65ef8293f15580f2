"""SQLite as the bot runs it: a unit of work begins, runs its prepared statements and commits on
the event loop when the write lock is free; when another process holds the lock, it waits for it
in the driver's thread, and the event loop keeps running meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from flows.intents import ChatRoute
from storage.crypto import Keyring
from storage.db import migrate
from storage.uow import Database

ROUTE = ChatRoute(7395509876)


async def test_given_the_lock_held_by_another_process_when_a_unit_of_work_begins_then_it_waits_off_the_loop(
    tmp_path: Path, keyring: Keyring
) -> None:
    path = tmp_path / "peluit.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    db = Database(url, keyring, background_checkpoints=True)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # someone else writing (a CLI command, say)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        async def write() -> None:
            async with db.uow(update_id=77) as uow:
                await uow.chats.set_language(ROUTE, "en")
                await uow.commit()

        ticking = asyncio.create_task(tick())
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.4)
        assert not writing.done()  # waiting for the lock ...
        assert ticks >= 10  # ... in the driver's thread: the event loop went on
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 10)
        ticking.cancel()

        async with db.uow() as uow:
            assert await uow.chats.language(ROUTE) == "en"
            assert not await uow.claim_update(77)  # recorded with the write, committed
    finally:
        other.close()
        await db.close()


async def test_given_a_free_lock_then_a_unit_of_work_commits_and_a_failed_one_leaves_nothing(
    tmp_path: Path, keyring: Keyring
) -> None:
    path = tmp_path / "peluit.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    db = Database(url, keyring, background_checkpoints=True)
    try:
        async with db.uow() as uow:
            await uow.chats.set_language(ROUTE, "en")
            await uow.commit()
        async with db.uow() as uow:  # left without commit: undone
            await uow.chats.set_language(ROUTE, "id")
        async with db.uow() as uow:
            assert await uow.chats.language(ROUTE) == "en"
        reader = sqlite3.connect(path)
        try:  # committed for other connections too, not just this one
            assert reader.execute("SELECT count(*) FROM chats").fetchone() == (1,)
        finally:
            reader.close()
    finally:
        await db.close()
