"""Run the bot (`python -m bot`) with an experimental change applied at start-up, for A/B runs.

    python -m benchmarks.bench intake --bot-variant sqlite-one-connection

Variants patch libraries or storage functions in this process only; nothing in the project is
edited. They exist to measure a suggested fix before anyone makes it:

  sqlite-one-connection  SQLite engine with one pooled connection (pool_size=1, max_overflow=0):
                         units of work queue for the connection in asyncio instead of sleeping in
                         SQLite's busy handler while another connection holds BEGIN IMMEDIATE.
  sniffio                provide the `sniffio` module httpcore imports on every lock it creates
                         (without it, each import attempt fails and searches sys.path again).
  db-stats               change nothing, but count transactions and statements and time how long
                         each BEGIN waits for SQLite's write lock and how long the lock is held;
                         written to $PELUIT_DATA_DIR/db-stats.json when the bot exits.
  round-trips            change nothing, but count every call into the SQLite driver's thread
                         (aiosqlite: each statement, fetch, commit, BEGIN is one trip there and back,
                         whether SQLAlchemy or a prepared statement made it), and apart from
                         them the prepared statements run on the event loop without a trip;
                         written to $PELUIT_DATA_DIR/round-trips.json when the bot exits.
  uvloop                 run the bot on uvloop (libuv) instead of asyncio's own event loop
                         (uvloop must be installed: it is not one of Peluit's dependencies).
  cprofile               change nothing, but profile the event loop's thread with cProfile,
                         timed by that thread's CPU clock (time.thread_time: waiting costs
                         nothing, other processes on the machine do not count), written to
                         $PELUIT_BENCH_PROFILE (default $PELUIT_DATA_DIR/profile.pstats) at exit.
"""

from __future__ import annotations

import sys
import types
from typing import Any

VARIANTS = ("sqlite-one-connection", "sniffio", "db-stats", "round-trips", "cprofile", "uvloop")
STATS_FILE = "db-stats.json"
ROUND_TRIPS_FILE = "round-trips.json"


def apply(name: str) -> None:
    if name == "sqlite-one-connection":
        from sqlalchemy.ext.asyncio import create_async_engine

        import storage.db

        def one_connection(url: Any, **kw: Any) -> Any:
            if str(url).startswith("sqlite"):
                kw.update(pool_size=1, max_overflow=0)
            return create_async_engine(url, **kw)

        storage.db.create_async_engine = one_connection  # type: ignore[assignment]
    elif name == "sniffio":
        if "sniffio" not in sys.modules:
            sys.modules["sniffio"] = types.SimpleNamespace(  # type: ignore[assignment]
                current_async_library=lambda: "asyncio")
    elif name == "db-stats":
        _instrument()
    elif name == "round-trips":
        _count_round_trips()
    elif name == "cprofile":
        _profile()
    elif name == "uvloop":
        import asyncio

        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    else:
        raise SystemExit(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")


def _instrument() -> None:
    import atexit
    import json
    import os
    import re
    import time
    from collections import Counter
    from pathlib import Path

    from sqlalchemy import event

    import storage.db
    import storage.uow

    statements: Counter[str] = Counter()
    waits: list[float] = []
    holds: list[float] = []
    original = storage.db.create_engine

    def create_engine(url: str, **kw: Any) -> Any:
        engine = original(url, **kw)
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements[re.sub(r"\s+", " ", statement).split(" (")[0][:48]] += 1
            if statement.startswith("BEGIN"):
                conn.info["bench_begin"] = time.perf_counter()

        @event.listens_for(sync, "after_cursor_execute")
        def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith("BEGIN"):
                now = time.perf_counter()
                waits.append(now - conn.info.pop("bench_begin", now))
                conn.info["bench_locked"] = now

        def end(conn: Any) -> None:
            locked = conn.info.pop("bench_locked", None)
            if locked is not None:
                holds.append(time.perf_counter() - locked)

        event.listen(sync, "commit", end)
        event.listen(sync, "rollback", end)
        return engine

    storage.db.create_engine = create_engine  # type: ignore[assignment]
    storage.uow.create_engine = create_engine  # type: ignore[attr-defined]

    def dump() -> None:
        def summary(values: list[float]) -> dict[str, float]:
            v = sorted(values)
            if not v:
                return {"n": 0}
            return {"n": len(v), "total_s": round(sum(v), 3), "p50_ms": round(v[len(v) // 2] * 1e3, 2),
                    "p99_ms": round(v[min(len(v) - 1, int(len(v) * 0.99))] * 1e3, 2),
                    "max_ms": round(v[-1] * 1e3, 2)}

        out = {"statements": dict(statements.most_common()), "begin_wait": summary(waits),
               "lock_held": summary(holds)}
        path = Path(os.environ.get("PELUIT_DATA_DIR", ".")) / STATS_FILE
        path.write_text(json.dumps(out, indent=1))

    atexit.register(dump)


def _count_round_trips() -> None:
    import atexit
    import json
    import os
    import threading
    from pathlib import Path

    import aiosqlite.core

    trips = [0, 0]
    original = aiosqlite.core.Connection._execute
    fetchall = aiosqlite.core.Connection._execute_fetchall
    main = threading.main_thread()

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips[0] += 1
        return await original(self, fn, *args, **kwargs)

    def inline(self: Any, sql: str, parameters: Any) -> Any:
        if threading.current_thread() is main:  # run on the event loop (storage.prepared)
            trips[1] += 1
        return fetchall(self, sql, parameters)

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
    aiosqlite.core.Connection._execute_fetchall = inline  # type: ignore[method-assign]
    path = Path(os.environ.get("PELUIT_DATA_DIR", ".")) / ROUND_TRIPS_FILE
    atexit.register(lambda: path.write_text(json.dumps(
        {"driver_round_trips": trips[0], "inline_statements": trips[1]})))


def _profile() -> None:
    import atexit
    import cProfile
    import os
    import time
    from pathlib import Path

    profiler = cProfile.Profile(time.thread_time)
    default = Path(os.environ.get("PELUIT_DATA_DIR", ".")) / "profile.pstats"
    path = os.environ.get("PELUIT_BENCH_PROFILE") or str(default)

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(path)

    atexit.register(dump)
    profiler.enable()


if __name__ == "__main__":
    for variant in filter(None, sys.argv[1].split(",")):
        apply(variant)
    from bot.cli import main

    main([])
