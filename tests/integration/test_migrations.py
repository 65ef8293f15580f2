"""Migrations: an empty database becomes exactly the schema the models describe, on both engines."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, text
from sqlalchemy.engine import Connection

from flows.intents import ChatRoute
from storage.crypto import Keyring
from storage.db import migrate, schema_is_current
from storage.models import Base
from storage.uow import Database

ROUTE = ChatRoute(4410001)


def _tables(sync: Connection) -> set[str]:
    return set(inspect(sync).get_table_names())


def _diff(metadata: MetaData) -> Any:
    def run(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync, opts={"compare_type": True, "target_metadata": metadata})
        return compare_metadata(context, metadata)
    return run


async def _run_sync(db: Database, fn: Any) -> Any:
    async with db.engine.connect() as connection:
        return await connection.run_sync(fn)


async def test_given_an_empty_database_when_migrated_then_every_model_table_exists_and_the_schema_is_current(
    database_url: str, keyring: Keyring,
) -> None:
    db = Database(database_url, keyring)
    try:
        assert await _run_sync(db, _tables) == set()
        assert await schema_is_current(db) is False

        await migrate(database_url)

        tables = await _run_sync(db, _tables)
        assert set(Base.metadata.tables) <= tables
        assert tables - set(Base.metadata.tables) == {"alembic_version"}
        assert await schema_is_current(db) is True
    finally:
        await db.close()


async def test_given_a_migrated_database_with_data_when_migrated_again_then_nothing_changes(
    database_url: str, keyring: Keyring,
) -> None:
    await migrate(database_url)
    db = Database(database_url, keyring)
    try:
        async with db.uow() as uow:
            await uow.chats.set_language(ROUTE, "en")
            await uow.commit()
        before = await _run_sync(db, _tables)

        await migrate(database_url)

        assert await _run_sync(db, _tables) == before
        assert await schema_is_current(db) is True
        async with db.uow() as uow:
            assert await uow.chats.language(ROUTE) == "en"
        async with db.engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert len(versions) == 1
    finally:
        await db.close()


async def test_given_the_migrated_schema_when_compared_with_the_models_then_autogenerate_finds_no_difference(
    database_url: str, keyring: Keyring,
) -> None:
    await migrate(database_url)
    db = Database(database_url, keyring)
    try:
        diff = await _run_sync(db, _diff(Base.metadata))

        assert diff == [], f"the models changed without a migration: {diff}"
    finally:
        await db.close()


async def test_given_a_model_change_without_a_migration_when_compared_then_the_difference_is_found(
    database_url: str, keyring: Keyring,
) -> None:
    """The comparison above is not vacuous: a column the migrations lack shows up as a diff."""
    await migrate(database_url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["cases"].append_column(Column("added_without_migration", Integer, nullable=True))
    db = Database(database_url, keyring)
    try:
        diff = await _run_sync(db, _diff(changed))

        assert [(d[0], d[2], d[3].name) for d in diff] == [
            ("add_column", "cases", "added_without_migration")]
    finally:
        await db.close()
