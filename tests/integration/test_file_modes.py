"""Nothing Peluit keeps on disk is readable by other accounts on the server: the data dir is 0700,
the SQLite database and its -wal and -shm files and the key files are 0600, whatever the umask."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import open_database
from bot.settings import load_settings
from storage.db import migrate


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (022): files are created readable by everyone unless Peluit says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.asynccontextmanager
async def running_database(data_dir: Path, **settings: object) -> AsyncIterator[Path]:
    """The bot's database opened as the bot opens it, migrated and written to (so that its -wal
    and -shm files exist; SQLite removes them when the last connection closes)."""
    db = open_database(load_settings(require_telegram=False, PELUIT_DATA_DIR=data_dir, **settings))
    try:
        await migrate(db.url)
        async with db.uow() as uow:
            await uow.claim_update(1)
            await uow.commit()
        async with db.uow() as uow:
            assert await uow.outbox.pending_count() == 0
            yield Path(db.url.split(":///", 1)[1])
    finally:
        await db.close()


def files_of(database: Path) -> list[Path]:
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


@pytest.mark.parametrize("elsewhere", [False, True], ids=["in the data dir", "in a dir of its own"])
async def test_given_a_fresh_start_when_the_database_and_keys_are_created_then_only_the_owner_can_read_them(
    tmp_path, open_umask, elsewhere
):
    data_dir = tmp_path / "data"
    url = {"PELUIT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db' / 'peluit.db'}"} if elsewhere else {}
    async with running_database(data_dir, **url) as database:
        assert all(path.exists() for path in files_of(database))
        assert mode(data_dir) == 0o700 and mode(database.parent) == 0o700
        for path in [*files_of(database), data_dir / "keys.json", data_dir / "disclosure-private-key.pem"]:
            assert mode(path) == 0o600, f"{path.name} is {mode(path):04o}"


async def test_given_a_database_left_readable_by_an_earlier_version_when_the_bot_starts_then_it_is_closed(
    tmp_path, open_umask
):
    data_dir = tmp_path / "data"
    async with running_database(data_dir) as database:
        pass
    database.chmod(0o644)
    async with running_database(data_dir) as database:
        assert [mode(path) for path in files_of(database)] == [0o600, 0o600, 0o600]
