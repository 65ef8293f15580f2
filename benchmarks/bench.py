"""Peluit benchmarks: intake under load, status lookups in a big database, memory with many drafts.

    python -m benchmarks.bench                      # all three, default sizes
    python -m benchmarks.bench intake --reporters 200 --concurrency 1,50
    python -m benchmarks.bench status --cases 1000000
    python -m benchmarks.bench drafts --drafts 10000
    python -m benchmarks.bench --quick --json       # small sizes, JSON on stdout

Not part of the test run. See benchmarks/README.md for what is measured and the latest figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import status_bench
from benchmarks.common import machine, proc_cpu_seconds, summary_ms
from benchmarks.loadgen import ROOT, BotProcess, run_walkers, start_fake, wait_staff

BENCHMARKS = ("intake", "status", "drafts")
TARGETS = {"intake_p99_ms": 100.0, "status_p99_ms": 10.0, "drafts_rss_mib": 200.0}
QUICK = {"reporters": 20, "concurrency": "10", "cases": 20_000, "lookups": 500, "drafts": 500,
         "resume": 10}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def bot_log_summary(bot: BotProcess) -> dict[str, Any]:
    """WARNING/ERROR lines of the bot, by logger and event (start-up key notices left out)."""
    counts: Counter[str] = Counter()
    for line in bot.log_lines():
        parts = line.split()
        if len(parts) >= 5 and parts[2] in ("WARNING", "ERROR", "CRITICAL"):
            event = " ".join(parts[2:5])
            if "keys.notice" not in event:
                counts[event] += 1
        elif line.startswith("Traceback"):
            counts["traceback"] += 1
    return dict(counts.most_common(8))


# ---------------------------------------------------------------------------------- intake

async def run_intake(work: Path, reporters: int, concurrency: int, think: float,
                     database_url: str | None, profile: Path | None,
                     variant: str | None = None) -> dict[str, Any]:
    fake = await start_fake()
    data_dir = work / f"intake-c{concurrency}" if not variant else work / f"intake-c{concurrency}-{variant}"
    bot = BotProcess(fake, data_dir, database_url, profile=profile, variant=variant)
    result: dict[str, Any] = {"reporters": reporters, "concurrency": concurrency,
                              "bot_variant": variant,
                              "think_seconds": think, "database": "postgresql" if database_url
                              else "sqlite", "loadavg_before": loadavg()}
    try:
        if database_url and not database_url.startswith("sqlite"):
            from storage.db import migrate

            await migrate(database_url)
        await bot.start()
        await asyncio.sleep(1.0)  # the first housekeeping round, command menu, ...
        result["bot_start_seconds"] = round(bot.started_s, 2)
        result["bot_rss_idle_mib"] = round(bot.memory().get("VmRSS", 0), 1)
        cpu0, self0 = bot.cpu_seconds(), proc_cpu_seconds()
        since = time.perf_counter()
        fake.fetch_wait.clear()
        ids = [700_000_000 + concurrency * 100_000 + i for i in range(reporters)]
        log(f"intake: {reporters} reporters, concurrency {concurrency}, think {think}s ...")
        samples, wall = await run_walkers(fake, ids, concurrency, lambda w: w.file_report(),
                                          think=think)
        cpu = bot.cpu_seconds() - cpu0
        self_cpu = proc_cpu_seconds() - self0
        tickets = samples.tickets
        drain = await wait_staff(fake, len(tickets), timeout=max(60.0, reporters * 0.5))
        memory = bot.memory()
        result.update({
            "tickets": len(tickets),
            "distinct_tickets": len(set(tickets.values())),
            "every_reporter_got_a_ticket": len(set(tickets.values())) == reporters,
            "failures": samples.failures[:5],
            "failure_count": len(samples.failures),
            "actions": len(samples.first),
            "wall_seconds": round(wall, 2),
            "reports_per_second": round(len(tickets) / wall, 2) if wall else 0.0,
            "actions_per_second": round(len(samples.first) / wall, 1) if wall else 0.0,
            "reply_latency_ms": summary_ms(samples.first),
            "complete_reply_latency_ms": summary_ms(samples.complete),
            "latency_by_action_p99_ms": {k: round(summary_ms(v)["p99"], 1)
                                         for k, v in samples.per_action.items()},
            "update_wait_before_fetch_ms": summary_ms(fake.fetch_wait),
            **fake.poll_stats(since),
            "staff_announcements_drained_seconds": None if drain is None else round(drain, 2),
            "bot_cpu_seconds": round(cpu, 2),
            "bot_cpu_ms_per_action": round(1000 * cpu / max(len(samples.first), 1), 1),
            "bot_cpu_utilisation": round(cpu / wall, 2) if wall else 0.0,
            "loadgen_cpu_seconds": round(self_cpu, 2),
            "bot_rss_mib": round(memory.get("VmRSS", 0), 1),
            "bot_peak_rss_mib": round(memory.get("VmHWM", 0), 1),
            "api_calls": len(fake.calls),
            "api_refusals": len(fake.rejected),
        })
    finally:
        await bot.stop()
        await fake.stop()
    result["bot_peak_rss_mib"] = round(bot.final.get("VmHWM", result.get("bot_peak_rss_mib", 0)), 1)
    result["bot_shutdown_seconds"] = None if bot.shutdown_s is None else round(bot.shutdown_s, 2)
    result["bot_needed_sigkill"] = bot.killed
    result["bot_log"] = bot_log_summary(bot)
    result["loadavg_after"] = loadavg()
    stats_file = data_dir / "db-stats.json"
    if stats_file.exists():  # --bot-variant db-stats: the bot counted its database work
        stats = json.loads(stats_file.read_text())
        actions = max(result.get("actions", 0), 1)
        stats["transactions_per_action"] = round(stats["begin_wait"].get("n", 0) / actions, 2)
        stats["statements_per_action"] = round(sum(
            n for k, n in stats["statements"].items() if not k.startswith("BEGIN")) / actions, 2)
        result["db_stats"] = stats
    return result


# ---------------------------------------------------------------------------------- status

async def run_status(work: Path, cases: int, lookups: int) -> dict[str, Any]:
    log(f"status: loading {cases:,} cases ...")
    before = loadavg()
    every = max(cases // 10, 1)

    def progress(done: int, seconds: float) -> None:
        if done % every < 10_000 or done == cases:
            log(f"  {done:>10,} cases  {seconds:6.1f} s")

    result = await status_bench.run(work, cases, lookups, progress=progress)
    result["loadavg_before"], result["loadavg_after"] = before, loadavg()
    return result


# ---------------------------------------------------------------------------------- drafts

def merge_parts(main_db: Path, parts: list[Path]) -> int:
    """Copy the drafts (and their throttle rows) of each part database into the main one."""
    with contextlib.closing(sqlite3.connect(main_db, isolation_level=None)) as con:
        for i, part in enumerate(parts):
            con.execute(f"ATTACH DATABASE ? AS p{i}", (str(part),))
            con.execute("BEGIN")
            con.execute(f"INSERT INTO drafts SELECT * FROM p{i}.drafts")
            con.execute(f"INSERT INTO throttle SELECT * FROM p{i}.throttle")
            con.execute("COMMIT")
            con.execute(f"DETACH DATABASE p{i}")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(con.execute("SELECT count(*) FROM drafts").fetchone()[0])


async def run_drafts(work: Path, drafts: int, steps: int, resume: int) -> dict[str, Any]:
    from storage.crypto import load_or_create_keyring
    from storage.db import migrate

    data_dir = (work / "drafts").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    load_or_create_keyring(data_dir)  # keys.json, shared by the creators and the bot
    main_db = data_dir / "peluit.db"
    await migrate(f"sqlite+aiosqlite:///{main_db}")
    parts = max(1, min(os.cpu_count() or 1, 2, drafts))
    result: dict[str, Any] = {"drafts": drafts, "steps_per_draft": steps, "creator_processes": parts,
                              "loadavg_before": loadavg()}
    log(f"drafts: creating {drafts:,} drafts in {parts} fresh process(es) ...")
    t0 = time.perf_counter()
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.drafts_child", "--data-dir", str(data_dir),
        "--drafts", str(drafts), "--steps", str(steps), "--part", str(k), "--parts", str(parts),
        stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        for k in range(parts)]
    outputs = [await p.communicate() for p in procs]
    creators = []
    for proc, (out, _) in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"drafts_child failed with {proc.returncode}")
        creators.append(json.loads(out.decode().strip().splitlines()[-1]))
    create_s = time.perf_counter() - t0
    part_dbs = [Path(c["db"]) for c in creators]
    in_db = merge_parts(main_db, part_dbs) if parts > 1 else creators[0]["drafts_in_db"]
    for db in part_dbs:
        if db != main_db:
            for extra in db.parent.glob(db.name + "*"):
                extra.unlink()
    result.update({
        "create_seconds": round(create_s, 1),
        "drafts_per_second": round(drafts / create_s, 1),
        "drafts_in_db": in_db,
        "creator_unit_of_work_ms": creators[0]["unit_of_work_ms"],
        "creator_rss_before_mib": max(c["rss_before_mib"] for c in creators),
        "creator_rss_after_mib": max(c["rss_after_mib"] for c in creators),
        "creator_peak_rss_mib": max(c["peak_rss_mib"] for c in creators),
        "creator_cpu_ms_per_draft": round(1000 * sum(c["cpu_seconds"] for c in creators)
                                          / max(drafts, 1), 1),
        "db_mib": round(sum(p.stat().st_size for p in data_dir.glob("peluit.db*")) / 2**20, 1),
    })

    # The bot, as a separate process, on the database holding every draft.
    fake = await start_fake()
    bot = BotProcess(fake, data_dir)
    try:
        await bot.start()
        await asyncio.sleep(1.0)
        result["bot_rss_idle_mib"] = round(bot.memory().get("VmRSS", 0), 1)
        from benchmarks.drafts_child import ROUTE_BASE

        picks = sorted({ROUTE_BASE + (i * drafts) // max(resume, 1) for i in range(resume)})
        at_step = "who" if steps < 5 else "where"  # the step the drafts are open at
        log(f"drafts: {len(picks)} reporters resume their drafts through the bot ...")
        samples, _ = await run_walkers(fake, picks, min(len(picks), 10),
                                          lambda w: w.resume_report(at_step))
        memory = bot.memory()
        result.update({
            "resumed": len(picks),
            "resumed_tickets": len(samples.tickets),
            "resume_failures": samples.failures[:3],
            "resume_reply_latency_ms": summary_ms(samples.first),
            "bot_rss_mib": round(memory.get("VmRSS", 0), 1),
            "bot_peak_rss_mib": round(memory.get("VmHWM", 0), 1),
        })
    finally:
        await bot.stop()
        await fake.stop()
    with contextlib.closing(sqlite3.connect(main_db)) as con:
        result["drafts_left_open"] = con.execute("SELECT count(*) FROM drafts").fetchone()[0]
    result["bot_peak_rss_mib"] = round(bot.final.get("VmHWM", result.get("bot_peak_rss_mib", 0)), 1)
    result["bot_log"] = bot_log_summary(bot)
    result["loadavg_after"] = loadavg()
    return result


# ---------------------------------------------------------------------------------- report

def fmt_ms(s: dict[str, float]) -> str:
    if not s or not s.get("n"):
        return "n/a"
    return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} / {s['max']:.1f} ms"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "NO")


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for run in results.get("intake", []):
        name = f"intake c={run['concurrency']}" + (f" think={run['think_seconds']}s"
                                                   if run["think_seconds"] else "")
        if run.get("bot_variant"):
            name += f" [{run['bot_variant']}]"
        lat = run.get("reply_latency_ms", {})
        p99 = lat.get("p99")
        rows += [
            (name, "reporters / database", f"{run['reporters']} / {run['database']}", "", ""),
            (name, "every reporter got a ticket",
             f"{run.get('distinct_tickets', 0)}/{run['reporters']}", "all",
             verdict(run.get("every_reporter_got_a_ticket"))),
            (name, "reply latency p50/p95/p99/max", fmt_ms(lat), "p99 < 100 ms",
             verdict(None if p99 is None else p99 < TARGETS["intake_p99_ms"])),
            (name, "  (until the awaited message)", fmt_ms(run.get("complete_reply_latency_ms", {})),
             "", ""),
            (name, "  of which update waited for getUpdates", fmt_ms(run.get(
                "update_wait_before_fetch_ms", {})), "", ""),
            (name, "  bot batch processing (between polls)", fmt_ms(run.get(
                "batch_processing_ms", {})) + f", {run.get('mean_batch_size', 0)} updates/batch",
             "", ""),
            (name, "reports per second", f"{run.get('reports_per_second', 0):.2f}"
             f"  ({run.get('actions_per_second', 0)} actions/s)", "", ""),
            (name, "wall time", f"{run.get('wall_seconds', 0):.1f} s", "", ""),
            (name, "bot peak RSS (VmHWM)", f"{run['bot_peak_rss_mib']:.1f} MiB", "", ""),
            (name, "bot CPU per user action", f"{run.get('bot_cpu_ms_per_action', 0)} ms"
             f"  (utilisation {run.get('bot_cpu_utilisation', 0)})", "", ""),
            (name, "staff announcements drained",
             "timed out" if run.get("staff_announcements_drained_seconds") is None
             else f"{run['staff_announcements_drained_seconds']} s after last ticket", "", ""),
            *([] if "db_stats" not in run else [
                (name, "DB transactions / statements per action",
                 f"{run['db_stats']['transactions_per_action']} / "
                 f"{run['db_stats']['statements_per_action']}", "", ""),
                (name, "BEGIN IMMEDIATE wait p50/p99/max",
                 "{p50_ms} / {p99_ms} / {max_ms} ms, {total_s} s in total".format(
                     **run["db_stats"]["begin_wait"]), "", ""),
                (name, "write lock held p50/p99/max",
                 "{p50_ms} / {p99_ms} / {max_ms} ms, {total_s} s in total".format(
                     **run["db_stats"]["lock_held"]), "", "")]),
            (name, "API refusals / bot warnings", f"{run.get('api_refusals', 0)} / "
             f"{sum(run.get('bot_log', {}).values())}", "0", ""),
        ]
    if "status" in results:
        st = results["status"]
        p99 = st["check_status_ms"].get("p99")
        rows += [
            ("status", "cases in database", f"{st['cases']:,} ({st['db_mib']} MiB)", "", ""),
            ("status", "bulk load time", f"{st['load_seconds']} s ({st['load_workers']} workers)",
             "", ""),
            ("status", "check_status p50/p95/p99/max", fmt_ms(st["check_status_ms"]),
             "p99 < 10 ms", verdict(None if p99 is None else p99 < TARGETS["status_p99_ms"])),
            ("status", "  indexed by_ticket read only", fmt_ms(st["by_ticket_read_ms"]), "", ""),
            ("status", "  with SQLite's own checkpoints", fmt_ms(
                st.get("check_status_sqlite_checkpoints_ms", {})), "", ""),
            ("status", "  unknown codes", fmt_ms(st["unknown_code_ms"]), "", ""),
            ("status", "lookups / wrong answers", f"{st['lookups']} / {st['wrong_answers']}", "0",
             verdict(st["wrong_answers"] == 0 and st["unknown_found"] == 0)),
        ]
    if "drafts" in results:
        dr = results["drafts"]
        rows += [
            ("drafts", "open drafts in database", f"{dr['drafts_in_db']:,} ({dr['db_mib']} MiB)",
             f"{dr['drafts']:,}", verdict(dr["drafts_in_db"] == dr["drafts"])),
            ("drafts", "creation", f"{dr['create_seconds']} s, {dr['drafts_per_second']}/s, "
             f"{dr['creator_cpu_ms_per_draft']} ms CPU/draft", "", ""),
            ("drafts", "creator process peak RSS", f"{dr['creator_peak_rss_mib']} MiB "
             f"(RSS {dr['creator_rss_before_mib']} -> {dr['creator_rss_after_mib']})", "", ""),
            ("drafts", "bot peak RSS serving them", f"{dr['bot_peak_rss_mib']} MiB "
             f"(idle {dr['bot_rss_idle_mib']})", "< 200 MiB",
             verdict(dr["bot_peak_rss_mib"] < TARGETS["drafts_rss_mib"])),
            ("drafts", "resumed through the bot", f"{dr['resumed_tickets']}/{dr['resumed']} "
             f"tickets, reply {fmt_ms(dr['resume_reply_latency_ms'])}", "", ""),
        ]
    return rows


def render(results: dict[str, Any]) -> str:
    rows = table(results)
    head = ("benchmark", "metric", "value", "target", "ok")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = "  ".join("-" * w for w in widths)
    out = [f"command : {results['command']}",
           f"machine : {results['machine']['nproc']} CPUs ({results['machine']['cpu']}), "
           f"{results['machine']['mem_gib']} GiB, Python {results['machine']['python']}, "
           f"SQLite {results['machine']['sqlite']}",
           f"started : {results['started']}  load average {results['loadavg_start']}"
           f" -> {results.get('loadavg_end', '?')}  total {results.get('total_seconds', 0):.0f} s",
           "", "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("which", nargs="*", default=[], metavar="{intake,status,drafts}",
                        help="what to run (default: all three)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: " + ", ".join(f"{k}={v}" for k, v in QUICK.items()))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--reporters", type=int, default=200, help="intake: simulated reporters")
    parser.add_argument("--concurrency", default="50",
                        help="intake: reporters in flight; a comma list runs each (e.g. 1,50)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="intake: mean seconds a reporter waits before each action (0: none)")
    parser.add_argument("--database-url", default=None,
                        help="intake: run the bot on this database instead of SQLite")
    parser.add_argument("--profile-bot", type=Path, default=None,
                        help="intake: run the bot under cProfile (main thread), writing this file")
    parser.add_argument("--bot-variant", default=None,
                        help="intake: also run with an experimental change to the bot, e.g. "
                             "sqlite-one-connection or sniffio (see benchmarks/bot_variant.py)")
    parser.add_argument("--cases", type=int, default=1_000_000, help="status: cases in the DB")
    parser.add_argument("--lookups", type=int, default=2000, help="status: timed lookups")
    parser.add_argument("--drafts", type=int, default=10_000, help="drafts: open drafts")
    parser.add_argument("--draft-steps", type=int, choices=(3, 5), default=3,
                        help="drafts: units of work per draft (3: start, category, first answer;"
                             " 5: also Lanjut and part of the second answer)")
    parser.add_argument("--resume", type=int, default=30,
                        help="drafts: reporters who then finish their draft through the bot")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="where databases go (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    unknown = [w for w in args.which if w not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    if args.quick:
        defaults = {a.dest: a.default for a in parser._actions}
        for key, value in QUICK.items():
            if getattr(args, key) == defaults[key]:
                setattr(args, key, value)
    return args


async def main_async(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    which = args.which or list(BENCHMARKS)
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks.bench", *sys.argv[1:]]),
        "machine": machine(), "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg_start": loadavg(),
    }
    t0 = time.perf_counter()
    if "intake" in which:
        results["intake"] = []
        for c in [int(x) for x in str(args.concurrency).split(",") if x.strip()]:
            results["intake"].append(await run_intake(work, args.reporters, c, args.think,
                                                      args.database_url, args.profile_bot))
            if args.bot_variant:
                results["intake"].append(await run_intake(
                    work, args.reporters, c, args.think, args.database_url, None,
                    args.bot_variant))
    if "status" in which:
        results["status"] = await run_status(work, args.cases, args.lookups)
    if "drafts" in which:
        results["drafts"] = await run_drafts(work, args.drafts, args.draft_steps, args.resume)
    results["total_seconds"] = round(time.perf_counter() - t0, 1)
    results["loadavg_end"] = loadavg()
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="peluit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = asyncio.run(main_async(args, work))
    finally:
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(render(results))


if __name__ == "__main__":
    main()
