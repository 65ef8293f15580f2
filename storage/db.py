"""Engines, sessions and migrations. SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An engine tuned for its backend. SQLite: WAL, secure delete, one writer at a time."""
    if not is_sqlite(url):
        return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10,
                                   pool_pre_ping=True)
    if ":///" in url and not url.endswith(":memory:"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite has one writer anyway, and waiting for the pool is an asyncio wait,
    # where a second connection would sleep in SQLite's busy handler while the lock sits free.
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, pool_size=1,
                                 max_overflow=0, pool_timeout=120)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        # The driver must not open transactions itself: we BEGIN IMMEDIATE below, so that
        # two writers wait for each other instead of failing with "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "secure_delete=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


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
