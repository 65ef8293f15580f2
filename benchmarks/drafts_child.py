"""Create open drafts through the intake use cases, in a fresh process; print JSON.

    python -m benchmarks.drafts_child --data-dir DIR --drafts 10000 [--part 0 --parts 2]

Each draft is made the way the bot makes it, one unit of work per step on `storage.uow.Database`
with the real keyring (keys.json in DIR): `reporting.start_report`, the category button, the first
answer (what); with --steps 5 also Lanjut and the start of the second answer (who). With --parts P
this process makes drafts part, part+P, ... into DIR/part<part>.db (merged afterwards by the
benchmark), so P processes can share the work on P cores. The outbox messages the use cases
queue are counted and then removed (they would have been delivered), so a bot started on the
merged database serves the drafts only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import proc_cpu_seconds, proc_status, summary_ms
from bot.settings import DEFAULT_CATEGORIES
from flows import reporting
from flows.intents import ChatRoute, Say
from flows.policy import Policy
from storage.crypto import load_or_create_keyring
from storage.db import migrate
from storage.uow import Database

ROUTE_BASE = 900_000_000
REPORT = {
    "what": "Kepala bidang perizinan meminta uang pelicin Rp5 juta untuk menerbitkan izin usaha.",
    "who": "Inisial BS, Kepala Bidang Perizinan, DPMPTSP Kabupaten",
}


def _version(intents: list) -> str:
    """The draft version carried by the last message's first button (i:<action>:<version>:...)."""
    say = intents[-1]
    assert isinstance(say, Say) and say.buttons, say
    return say.buttons[0][0].data.split(":")[2]


async def make_draft(db: Database, policy: Policy, route: ChatRoute, now: datetime,
                     times: list[float], steps: int = 3) -> None:
    async def step(coro):  # one unit of work, timed
        t0 = time.perf_counter()
        result = await coro
        times.append(time.perf_counter() - t0)
        return result

    intents = await step(reporting.start_report(db.uow(), policy, route, "id", 1, now))
    intents = await step(reporting.press(db.uow(), policy, route, "cat", _version(intents), "0",
                                         now, db.keyring))
    intents = await step(reporting.receive_text(db.uow(), policy, route, REPORT["what"], now,
                                                db.keyring))
    if steps < 5:
        return  # open at *who*, *what* answered
    await step(reporting.receive_text(db.uow(), policy, route, REPORT["who"], now, db.keyring))
    await step(reporting.receive_text(db.uow(), policy, route, REPORT["when"], now, db.keyring))


async def main(data_dir: Path, drafts: int, concurrency: int, steps: int = 3, part: int = 0,
               parts: int = 1) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (nothing else runs yet)
    path = (data_dir / (f"part{part}.db" if parts > 1 else "peluit.db")).resolve()
    url = f"sqlite+aiosqlite:///{path}"
    keyring, _ = load_or_create_keyring(data_dir)
    await migrate(url)
    db = Database(url, keyring)
    policy = Policy(categories=DEFAULT_CATEGORIES, reports_per_chat_per_hour=10**6)
    now = datetime.now(UTC)
    warm = ChatRoute(ROUTE_BASE - 1 - part)
    await make_draft(db, policy, warm, now, [], steps)  # warm-up (imports, caches)
    gc.collect()
    before = proc_status()
    cpu0, t0 = proc_cpu_seconds(), time.perf_counter()
    times: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await make_draft(db, policy, ChatRoute(ROUTE_BASE + i), now, times, steps)

    mine = range(part, drafts, parts)
    await asyncio.gather(*(one(i) for i in mine))
    seconds = time.perf_counter() - t0
    cpu = proc_cpu_seconds() - cpu0
    after = proc_status()
    gc.collect()
    after_gc = proc_status()
    await db.close()
    with sqlite3.connect(path) as con:
        count = con.execute("SELECT count(*) FROM drafts").fetchone()[0]
        outbox = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
        con.execute("DELETE FROM outbox")  # delivered, as far as the next bot is concerned
        con.execute("DELETE FROM drafts WHERE chat_hash = ?",
                    (keyring.lookup_hash("chat", str(warm)),))
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {
        "db": str(path),
        "part": part,
        "drafts_requested": len(mine),
        "steps_per_draft": steps,
        "drafts_in_db": count - 1,
        "outbox_rows_removed": outbox,
        "units_of_work": len(times),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "drafts_per_second": round(len(mine) / seconds, 1),
        "unit_of_work_ms": summary_ms(times),
        "rss_before_mib": round(before.get("VmRSS", 0), 1),
        "rss_after_mib": round(after.get("VmRSS", 0), 1),
        "rss_after_gc_mib": round(after_gc.get("VmRSS", 0), 1),
        "peak_rss_mib": round(after_gc.get("VmHWM", 0), 1),
        "db_mib": round(size / 2**20, 1),
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--steps", type=int, choices=(3, 5), default=3)
    parser.add_argument("--part", type=int, default=0)
    parser.add_argument("--parts", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.data_dir, args.drafts, args.concurrency, args.steps,
                                      args.part, args.parts))))
