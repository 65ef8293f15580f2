"""Shared fixtures: a fresh database on SQLite, and on PostgreSQL when one is configured.

PostgreSQL tests read the server's URL from PELUIT_TEST_POSTGRES_URL (set by `.ci/run` when
127.0.0.1:5432 answers); without it they are skipped, and say so.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check what is true, not how fast: on a loaded machine one example may take longer
# than Hypothesis's default 200 ms deadline, and that is not a failure of Peluit.
settings.register_profile("peluit", deadline=None)
settings.load_profile("peluit")

POSTGRES_URL = os.environ.get("PELUIT_TEST_POSTGRES_URL", "")
SKIP_POSTGRES = "PostgreSQL not configured: set PELUIT_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test) to run these"


async def _admin(sql: str) -> None:
    import asyncpg

    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def fresh_postgres_database() -> str:
    name = f"peluit_test_{secrets.token_hex(6)}"
    await _admin(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (not yet migrated) on each engine."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'peluit.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    url = await fresh_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)
