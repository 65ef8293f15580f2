"""Core statements for hot paths, compiled once, run without a thread hop on SQLite.

Through SQLAlchemy's aiosqlite adapter every statement is three or four hops to the driver's
thread (cursor, execute, fetch, close), and each hop is a thread switch and an event-loop wake-up;
on a busy machine that, not SQL, is what a lookup costs. A `Prepared` statement is an ordinary
SQLAlchemy Core statement with named `bindparam`s. On SQLite it is compiled once (per dialect),
its parameters and results converted by the column types exactly as SQLAlchemy would, and run
on the session's own connection, in its transaction, directly on the event loop (aiosqlite's
`_execute_fetchall`, what its thread would run; the connection is opened with
`check_same_thread=False`, storage/db.py). That is safe and quick because the transaction has
already taken SQLite's write lock (`BEGIN IMMEDIATE`, in the driver's thread, where waiting for
the lock belongs): the statement never waits, and these statements are small and indexed
(tens of microseconds, less than a hop to the thread costs). Only one unit of work holds the
connection at a time (a pool of one), so the thread is never using it meanwhile.
On any other engine (PostgreSQL) it is executed on the session's connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable

DRIVER = "peluit_driver"
"""session.info key: the driver connection of the session's transaction, reached once."""


@event.listens_for(Session, "after_transaction_end")
def _forget_driver(session: Session, _transaction: object) -> None:
    session.info.pop(DRIVER, None)


async def driver_connection(session: AsyncSession) -> Any:
    """The aiosqlite connection under the session's transaction (begun if need be): reached
    through SQLAlchemy once per transaction, not once per statement."""
    driver = session.info.get(DRIVER)
    if driver is None:
        connection = await (await session.connection()).get_raw_connection()
        driver = session.info[DRIVER] = connection.driver_connection
    return driver


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: Any
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    results: tuple[Callable[[Any], Any] | None, ...]


class Prepared:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self.returns_rows = len(statement.exported_columns) > 0  # type: ignore[attr-defined]
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            binds = tuple(
                (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in compiled.positiontup or ())
            results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                            for column in self.statement.exported_columns)  # type: ignore[attr-defined]
            found = self._by_dialect[dialect.name] = _Compiled(compiled.string, compiled, binds,
                                                               results)
        return found

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement in the session's transaction; every result row as a tuple."""
        dialect = session.bind.dialect
        if dialect.name != "sqlite":
            # Core, on the session's connection, as on SQLite: the ORM would read a multi-row
            # INSERT's parameters as a bulk insert and drop them.
            result = await (await session.connection()).execute(self.statement, params)
            return [tuple(row) for row in result.all()] if self.returns_rows else []
        prepared = self._compile(dialect)
        values = prepared.compiled.construct_params(params)
        args = [convert(values[name]) if convert else values[name]
                for name, convert in prepared.binds]
        driver = await driver_connection(session)
        # Run here, not in the driver's thread: the statement is small and indexed, and the
        # transaction already holds SQLite's write lock (BEGIN IMMEDIATE), so it never waits;
        # a trip to the thread and back costs more CPU than the statement itself.
        raw = driver._execute_fetchall(prepared.sql, args)
        return [tuple(convert(value) if convert else value
                      for convert, value in zip(prepared.results, row, strict=True))
                for row in raw]


def per_dialect(build: Callable[[Any], Prepared]) -> dict[str, Prepared]:
    """An upsert for each engine, built with that dialect's `insert` (ON CONFLICT is dialect
    specific); look it up by `session.bind.dialect.name`."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}
