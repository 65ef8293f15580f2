"""Integration fixtures: a migrated database with a real keyring, on SQLite and on PostgreSQL.

Every test here takes `database_url` (directly or through `db`), so each one runs on both engines;
the PostgreSQL run is skipped, with the reason, when PELUIT_TEST_POSTGRES_URL is unset.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.crypto import Keyring, load_or_create_keyring
from storage.db import migrate
from storage.uow import Database


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    """A fresh keyring (content c1, routing r1, lookup key, disclosure key pair) in tmp_path/keys."""
    ring, _notices = load_or_create_keyring(tmp_path / "keys")
    return ring


@pytest.fixture
async def db(database_url: str, keyring: Keyring) -> AsyncIterator[Database]:
    """A migrated, empty database on the engine of `database_url`."""
    await migrate(database_url)
    database = Database(database_url, keyring)
    try:
        yield database
    finally:
        await database.close()
