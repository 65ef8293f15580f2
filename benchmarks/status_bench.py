"""Status lookups against a large SQLite database.

The database is created by the real migrations, then filled in bulk with plain sqlite3
(`executemany` in chunks, `PRAGMA synchronous=OFF` for the load only). Every row is real: ticket
codes are random 80-bit codes stored as `keyring.lookup_hash("ticket", code)` under the real
unique index; every report is encrypted per row with the real keyring (AES-GCM bound to its row
id); every case has its reporter route (routing key) and a hash-chained audit trail. The lookups
then go through `flows.status.check_status` on `storage.uow.Database`, exactly as the bot runs it.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import random
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import summary_ms
from bot.housekeeping import checkpoints
from bot.settings import DEFAULT_CATEGORIES
from flows.errors import UnknownTicket
from flows.intents import ChatRoute
from flows.lifecycle import CaseStatus
from flows.policy import Policy
from flows.status import check_status
from flows.tickets import format_case_number, new_ticket_code
from storage.audit import GENESIS, event_hash
from storage.codec import dumps
from storage.crypto import Keyring, keyring_from_json, keyring_to_json, load_or_create_keyring
from storage.db import migrate
from storage.uow import Database

REPORT = {
    "what": "Kepala bidang perizinan meminta uang pelicin Rp5 juta untuk menerbitkan izin usaha.",
    "who": "Inisial BS, Kepala Bidang Perizinan, DPMPTSP Kabupaten",
    "when": "Senin, 3 Maret 2025, sekitar pukul 10.00",
    "where": "Ruang kerja Kabid, lantai 2 kantor DPMPTSP",
    "how": "Diminta transfer ke rekening pribadi atas nama kerabat, bukti chat WhatsApp ada.",
}
# Older cases are mostly closed; the mix is what a few years of operation would leave behind.
STATUS_WEIGHTS = (
    (CaseStatus.RECEIVED, 4), (CaseStatus.VERIFYING, 4), (CaseStatus.NEEDS_INFO, 2),
    (CaseStatus.CLARIFICATION, 3), (CaseStatus.FORWARDED, 20), (CaseStatus.CONCLUDED, 50),
    (CaseStatus.NOT_ACTIONABLE, 17),
)
CLOSED = {CaseStatus.FORWARDED, CaseStatus.CONCLUDED, CaseStatus.NOT_ACTIONABLE}
SPAN = timedelta(days=3 * 365)


def ts(value: datetime) -> str:
    """How SQLAlchemy's SQLite DATETIME stores a UTC timestamp (naive UTC in, whole seconds)."""
    return f"{value}.000000" if not value.microsecond else str(value)


@dataclass
class LoadResult:
    cases: int
    seconds: float
    workers: int = 1
    sample: list[tuple[str, str]] = field(default_factory=list)  # (ticket code, case number)
    rows: dict[str, int] = field(default_factory=dict)


# ---- row generation (runs in worker processes; the audit hash chain is linked by the parent)

_W: dict[str, Any] = {}


def _init_worker(keyring_json: str, sample_at: frozenset[int], year_first: dict[int, int],
                 start: datetime, step_s: float, seed: int) -> None:
    _W.update(keyring=keyring_from_json(keyring_json), sample_at=sample_at, year_first=year_first,
              start=start, step=timedelta(seconds=step_s), seed=seed,
              report=dumps(REPORT), statuses=[s for s, _ in STATUS_WEIGHTS],
              weights=[w for _, w in STATUS_WEIGHTS])


def _make_rows(span: tuple[int, int]) -> tuple[list, list, list, list]:
    """Rows for cases span[0] .. span[1]-1: cases, reporter routes, audit events (unlinked),
    and the (ticket code, case number) pairs of sampled cases."""
    keyring: Keyring = _W["keyring"]
    rng = random.Random(_W["seed"] * 1_000_003 + span[0])
    start, step, report = _W["start"], _W["step"], _W["report"]
    cases, routes, events, sample = [], [], [], []
    for i in range(*span):
        created = start + step * i
        number = format_case_number(created.year, i - _W["year_first"][created.year] + 1)
        case_id = str(uuid.uuid4())
        code = new_ticket_code()
        if i in _W["sample_at"]:
            sample.append((code, number))
        status = rng.choices(_W["statuses"], _W["weights"])[0]
        category = DEFAULT_CATEGORIES[rng.randrange(len(DEFAULT_CATEGORIES))]
        moved = created + timedelta(days=rng.randint(1, 30))
        closed = status in CLOSED
        outcome = (keyring.encrypt("content", b"Terbukti; dilimpahkan ke Inspektorat Provinsi.",
                                   table="cases", column="outcome_enc", row_id=case_id)
                   if status is CaseStatus.CONCLUDED else None)
        cases.append((
            case_id, number, keyring.lookup_hash("ticket", code), category, status.value, "id",
            keyring.encrypt("content", report, table="cases", column="report_enc", row_id=case_id),
            outcome, ts(created), ts(moved), ts(created + timedelta(days=1)),
            ts(moved) if closed else None, 0, 10_000 + i, 20_000_000 + i, 0, None, None))
        route = 100_000_000 + rng.randrange(7_000_000_000)
        routes.append((
            case_id, keyring.lookup_hash("chat", str(route)),
            keyring.encrypt("routing", str(route).encode(), table="reporter_routes",
                            column="route_enc", row_id=case_id),
            ts(created)))
        events.append(_event(created, "reporter", "case.submitted", number, category))
        if status is not CaseStatus.RECEIVED:
            events.append(_event(moved, "staff:0000000000000000", "case.moved", number,
                                 f"received->{status.value}"))
    return cases, routes, events, sample


def _event(at: datetime, actor: str, action: str, number: str, detail: str) -> tuple:
    """An audit event and the tail of its hash body: storage.audit.event_hash hashes
    dumps([prev.hex(), at, actor, action, number, detail]), and everything after the first
    element does not depend on the previous event, so workers can prepare it."""
    tail = dumps([at.replace(tzinfo=UTC).isoformat(), actor, action, number, detail])[1:]
    return at, actor, action, number, detail, tail


def _link(keyring: Keyring, prev: bytes, event: tuple, check: bool) -> bytes:
    """The event's chained hash; `check` compares it with storage.audit.event_hash itself."""
    at, actor, action, number, detail, tail = event
    digest = keyring.lookup_hash("audit", b'["' + prev.hex().encode() + b'",' + tail)
    if check and digest != event_hash(keyring, prev, at.replace(tzinfo=UTC), actor, action,
                                      number, detail):
        raise AssertionError("the audit hash formula changed: update benchmarks/status_bench.py")
    return digest


CASE_SQL = ("INSERT INTO cases (id, number, ticket_hash, category, status, language, report_enc,"
            " outcome_enc, created_at, updated_at, acknowledged_at, closed_at, awaiting_answer,"
            " topic_id, card_message_id, has_contact, post_after, content_purged_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
ROUTE_SQL = "INSERT INTO reporter_routes (case_id, chat_hash, route_enc, updated_at) VALUES (?,?,?,?)"
AUDIT_SQL = ("INSERT INTO audit_events (id, at, actor, action, case_number, detail, prev_hash, hash)"
             " VALUES (?,?,?,?,?,?,?,?)")


def bulk_load(path: Path, keyring: Keyring, cases: int, sample_size: int, *, chunk: int = 10_000,
              workers: int | None = None, seed: int = 1, progress: Any = None) -> LoadResult:
    """Fill a migrated database with `cases` cases, their reporter routes and audit trail.

    Rows are generated by `workers` processes; this process links the audit hash chain (it is
    sequential by nature) and inserts with executemany, one transaction per chunk."""
    workers = workers or max(1, os.cpu_count() or 1)
    rng = random.Random(seed)
    sample_at = frozenset(rng.sample(range(cases), min(sample_size, cases)))
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start = now - SPAN
    step_s = SPAN.total_seconds() / max(cases, 1)
    step = timedelta(seconds=step_s)  # the workers use the same (microsecond-rounded) step
    year_first: dict[int, int] = {start.year: 0}
    for year in range(start.year + 1, (start + step * max(cases - 1, 0)).year + 1):
        i = max(0, math.ceil((datetime(year, 1, 1) - start) / step) - 1)
        while (start + step * i).year < year:
            i += 1
        year_first[year] = i
    last_of_year = {y: (cases if nxt is None else nxt) for y, nxt in zip(
        sorted(year_first), [*sorted(year_first.values())[1:], None], strict=True)}
    result = LoadResult(cases, 0.0, workers)
    rows = {"cases": 0, "reporter_routes": 0, "audit_events": 0}
    prev_hash, audit_id = GENESIS, 0

    t0 = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-524288")  # 512 MiB page cache, for the load only
    spans = [(b, min(b + chunk, cases)) for b in range(0, cases, chunk)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, _init_worker, (keyring_to_json(keyring), sample_at, year_first, start, step_s,
                                          seed)) as pool:
        for case_rows, route_rows, events, sample in pool.imap(_make_rows, spans):
            audit_rows = []
            for k, event in enumerate(events):
                digest = _link(keyring, prev_hash, event, check=k == 0)
                audit_id += 1
                at, actor, action, number, detail, _ = event
                audit_rows.append((audit_id, ts(at), actor, action, number, detail, prev_hash,
                                   digest))
                prev_hash = digest
            con.execute("BEGIN")
            con.executemany(CASE_SQL, case_rows)
            con.executemany(ROUTE_SQL, route_rows)
            con.executemany(AUDIT_SQL, audit_rows)
            con.execute("COMMIT")
            result.sample.extend(sample)
            rows["cases"] += len(case_rows)
            rows["reporter_routes"] += len(route_rows)
            rows["audit_events"] += len(audit_rows)
            if progress:
                progress(rows["cases"], time.perf_counter() - t0)
    # The case numbers the bot hands out next continue after the loaded ones.
    con.execute("BEGIN")
    con.executemany("INSERT INTO case_counters (year, last) VALUES (?, ?)",
                    [(y, last_of_year[y] - first) for y, first in sorted(year_first.items())])
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    # The load ran with synchronous=OFF: make it durable now, or the first checkpoint of the
    # measured lookups would pay for flushing the whole file (a one-second stall).
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    result.seconds = time.perf_counter() - t0
    result.rows = rows
    return result


def file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
               if p.exists())


async def lookups(db: Database, policy: Policy, sample: list[tuple[str, str]], *, warmup: int,
                  unknown: int) -> dict[str, Any]:
    """Time check_status (the whole use case) and a bare indexed by_ticket read."""
    now = datetime.now(UTC)
    warm, measured = sample[:warmup], sample[warmup:]
    route_base = 5_000_000_000

    async def one(i: int, code: str) -> tuple[float, Any]:
        t0 = time.perf_counter()
        intents = await check_status(db.uow(), policy, ChatRoute(route_base + i), code, "id", now)
        return time.perf_counter() - t0, intents

    for i, (code, _) in enumerate(warm):
        await one(i, code)
    times, wrong = [], 0
    for i, (code, number) in enumerate(measured, start=len(warm)):
        seconds, intents = await one(i, code)
        times.append(seconds)
        if intents[0].params.get("number") != number:  # type: ignore[attr-defined]
            wrong += 1

    read_times = []
    for code, number in measured:
        t0 = time.perf_counter()
        async with db.uow() as uow:
            case = await uow.cases.by_ticket(code)  # type: ignore[arg-type]
        read_times.append(time.perf_counter() - t0)
        if case is None or case.number != number:
            wrong += 1

    unknown_times, not_unknown = [], 0
    for j in range(unknown):
        code = new_ticket_code()
        t0 = time.perf_counter()
        try:
            await check_status(db.uow(), policy, ChatRoute(route_base + 10**6 + j), code, "id", now)
            not_unknown += 1
        except UnknownTicket:
            pass
        unknown_times.append(time.perf_counter() - t0)
    return {
        "check_status_ms": summary_ms(times),
        "by_ticket_read_ms": summary_ms(read_times),
        "unknown_code_ms": summary_ms(unknown_times),
        "wrong_answers": wrong,
        "unknown_found": not_unknown,
    }


async def with_sqlite_checkpoints(url: str, keyring: Keyring, policy: Policy,
                                  sample: list[tuple[str, str]]) -> dict[str, float]:
    """Diagnostic, not how the bot runs: the same check_status calls (same codes, new chats) on a
    database left to SQLite's automatic checkpoints (every 1,000 WAL pages, inside whichever
    commit crosses the mark). The difference from `check_status_ms` is what the bot's background
    checkpoints save the lookups."""
    db = Database(url, keyring)
    now, times = datetime.now(UTC), []
    try:
        for i, (code, _) in enumerate(sample):
            t0 = time.perf_counter()
            await check_status(db.uow(), policy, ChatRoute(7_000_000_000 + i), code, "id", now)
            times.append(time.perf_counter() - t0)
    finally:
        await db.close()
    return summary_ms(times)


async def run(work_dir: Path, cases: int, n_lookups: int, unknown: int = 20, warmup: int = 50,
              progress: Any = None) -> dict[str, Any]:
    data_dir = work_dir / "status"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = (data_dir / "peluit.db").resolve()
    url = f"sqlite+aiosqlite:///{path}"
    keyring, _ = load_or_create_keyring(data_dir)
    t0 = time.perf_counter()
    await migrate(url)
    migrate_s = time.perf_counter() - t0
    loaded = bulk_load(path, keyring, cases, n_lookups + warmup, progress=progress)
    size = file_size(path)
    policy = Policy(categories=DEFAULT_CATEGORIES, status_attempts_per_chat=10**9,
                    status_attempts_global=10**9)
    db = Database(url, keyring, background_checkpoints=True)  # as the bot opens it ...
    folding = asyncio.create_task(checkpoints(db))  # ... with its checkpoints every second
    try:
        measured = await lookups(db, policy, loaded.sample, warmup=warmup, unknown=unknown)
    finally:
        folding.cancel()
        await asyncio.gather(folding, return_exceptions=True)
        await db.close()
    measured["check_status_sqlite_checkpoints_ms"] = await with_sqlite_checkpoints(
        url, keyring, policy, loaded.sample[warmup:])
    with sqlite3.connect(path) as con:
        plan = " / ".join(r[-1] for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM cases WHERE ticket_hash = ?", (b"x" * 32,)))
    return {
        "cases": cases,
        "rows": loaded.rows,
        "load_seconds": round(loaded.seconds, 1),
        "load_workers": loaded.workers,
        "migrate_seconds": round(migrate_s, 2),
        "db_bytes": size,
        "db_mib": round(size / 2**20, 1),
        "lookups": len(loaded.sample) - warmup,
        "warmup_lookups": warmup,
        "ticket_query_plan": plan,
        "db_path": str(path),
        "pid": os.getpid(),
        **measured,
    }
