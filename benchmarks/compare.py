"""Peluit beside a bare python-telegram-bot bot, in one run, under the same load.

    python -m benchmarks.compare                          # 30 reporters each, pausing ~2 s
    python -m benchmarks.compare --reporters 50 --think 2 --json

Both bots run at the same time as separate processes, each against its own stand-in Bot API
server in this process, with the same number of simulated reporters who pause (exponential, mean
`--think` seconds) before every action. The bare bot (`benchmarks/bare_bot.py`) asks the same
questions and only replies: no database, no encryption, no outbox. What is compared, per bot:

* CPU per user update: utime+stime of the bot process during the walk / user actions (messages
  and button presses the reporters sent);
* Bot API calls towards the reporter per report (messages, edits, deletions, reactions, chat
  actions, and answers to the reporter's button presses), and for Peluit the calls towards the
  staff group per report;
* reply latency (user action to the first bot message in that chat);
* for Peluit, database round trips per update: every call into the SQLite driver's thread
  (`--bot-variant round-trips` in `benchmarks/bot_variant.py`), and beside them the prepared
  statements run on the event loop without a trip (`storage/prepared.py`); the peak RSS of both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bench import loadavg, log
from benchmarks.bot_variant import ROUND_TRIPS_FILE
from benchmarks.common import machine, summary_ms
from benchmarks.loadgen import (
    STEPS,
    TICKET,
    BenchTelegram,
    BotProcess,
    Walker,
    anything,
    has_button,
    run_walkers,
    start_fake,
    wait_staff,
)
from tests.e2e.harness import REPORT, STAFF_CHAT

TOWARDS_CHAT = ("chat_id",)


class BareWalker(Walker):
    """A reporter talking to the bare bot: the same answers, one message back for each."""

    async def file_report(self, category: int = 0) -> str:
        menu = await self.say("/lapor", "/lapor", has_button("b:cat:"))
        message = await self.press("category", menu, "b:cat:", anything, index=category)
        for step in STEPS:
            message = await self.say(f"text:{step}", REPORT[step], anything)
        done = await self.press("submit", message, "b:submit",
                                lambda m: "Terkirim" in (m.get("text") or ""))
        match = TICKET.search(done.get("text", ""))
        if not match:
            raise AssertionError("no ticket code in the bare bot's last message")
        return match.group(0)


def calls_towards(fake: BenchTelegram, chats: set[int]) -> Counter[str]:
    """Bot API calls whose chat is one of `chats`, plus every answer to a button press (only
    reporters press buttons in these walks)."""
    counted: Counter[str] = Counter()
    for call in fake.calls:
        chat = call.params.get("chat_id")
        try:
            chat = int(chat) if chat is not None else None
        except (TypeError, ValueError):
            chat = None
        if call.method == "answerCallbackQuery" or chat in chats:
            counted[call.method] += 1
    return counted


async def walk(name: str, fake: BenchTelegram, bot: BotProcess, ids: list[int], think: float,
               walker: type[Walker]) -> dict[str, Any]:
    cpu0 = bot.cpu_seconds()
    calls0 = len(fake.calls)
    samples, wall = await run_walkers(fake, ids, len(ids), lambda w: w.file_report(),
                                      timeout=120.0, think=think, walker=walker)
    cpu = bot.cpu_seconds() - cpu0
    actions = max(len(samples.first), 1)
    reports = max(len(samples.tickets), 1)
    del fake.calls[:calls0]
    towards = calls_towards(fake, set(ids))
    staff = calls_towards(fake, {STAFF_CHAT}) - Counter(
        {"answerCallbackQuery": towards["answerCallbackQuery"]})
    return {
        "bot": name, "reports": len(samples.tickets), "failures": samples.failures[:3],
        "user_updates": len(samples.first), "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 3), "cpu_ms_per_update": round(1000 * cpu / actions, 2),
        "calls_towards_reporter_per_report": round(sum(towards.values()) / reports, 2),
        "calls_towards_reporter_by_method": {k: round(v / reports, 2) for k, v in towards.items()},
        "calls_towards_staff_per_report": round(sum(staff.values()) / reports, 2),
        "reply_latency_ms": summary_ms(samples.first),
    }


async def run(reporters: int, think: float, work: Path, bare_http: str = "httpx") -> dict[str, Any]:
    peluit_fake, bare_fake = await start_fake(), await start_fake()
    peluit = BotProcess(peluit_fake, work / "peluit", variant="round-trips")
    bare = BotProcess(bare_fake, work / "bare")
    bare.command = [sys.executable, "-m", "benchmarks.bare_bot"]
    bare.env_extra = {"BARE_HTTP_CLIENT": bare_http}
    result: dict[str, Any] = {"reporters": reporters, "think_seconds": think,
                              "bare_http_client": bare_http, "loadavg_before": loadavg()}
    try:
        await asyncio.gather(peluit.start(), bare.start())
        await asyncio.sleep(1.5)  # start-up work (command menu, first housekeeping) settles
        log(f"compare: {reporters} reporters per bot, pausing ~{think} s, both bots at once ...")
        t0 = time.perf_counter()
        ids = [810_000_000 + i for i in range(reporters)]
        bare_ids = [820_000_000 + i for i in range(reporters)]
        peluit_run, bare_run = await asyncio.gather(
            walk("peluit", peluit_fake, peluit, ids, think, Walker),
            walk("bare python-telegram-bot", bare_fake, bare, bare_ids, think, BareWalker))
        result["walk_seconds"] = round(time.perf_counter() - t0, 1)
        await wait_staff(peluit_fake, peluit_run["reports"], timeout=120)
        result["peluit"], result["bare"] = peluit_run, bare_run
        for name, proc in (("peluit", peluit), ("bare", bare)):
            result[name]["peak_rss_mib"] = round(proc.memory().get("VmHWM", 0), 1)
        result["cpu_ratio"] = round(peluit_run["cpu_ms_per_update"]
                                    / max(bare_run["cpu_ms_per_update"], 1e-9), 2)
    finally:
        await asyncio.gather(peluit.stop(), bare.stop())
        await asyncio.gather(peluit_fake.stop(), bare_fake.stop())
    trips = peluit.data_dir / ROUND_TRIPS_FILE
    if trips.exists() and "peluit" in result:
        counted = json.loads(trips.read_text())
        total, inline = counted["driver_round_trips"], counted.get("inline_statements", 0)
        updates = max(result["peluit"]["user_updates"], 1)
        result["peluit"]["db_round_trips_total"] = total
        result["peluit"]["db_round_trips_per_update"] = round(total / updates, 2)
        result["peluit"]["db_inline_statements_per_update"] = round(inline / updates, 2)
    result["loadavg_after"] = loadavg()
    return result


def render(result: dict[str, Any]) -> str:
    p, b = result["peluit"], result["bare"]
    rows = [
        ("reports filed", p["reports"], b["reports"]),
        ("user updates", p["user_updates"], b["user_updates"]),
        ("CPU ms per user update", p["cpu_ms_per_update"], b["cpu_ms_per_update"]),
        ("Bot API calls towards the reporter per report", p["calls_towards_reporter_per_report"],
         b["calls_towards_reporter_per_report"]),
        ("  of which", json.dumps(p["calls_towards_reporter_by_method"]),
         json.dumps(b["calls_towards_reporter_by_method"])),
        ("calls towards the staff group per report", p["calls_towards_staff_per_report"], "-"),
        ("reply p50 / p99 ms", f"{p['reply_latency_ms']['p50']:.1f} / {p['reply_latency_ms']['p99']:.1f}",
         f"{b['reply_latency_ms']['p50']:.1f} / {b['reply_latency_ms']['p99']:.1f}"),
        ("database round trips per update (driver thread)", p.get("db_round_trips_per_update", "?"),
         "-"),
        ("  + statements run on the event loop per update",
         p.get("db_inline_statements_per_update", "?"), "-"),
        ("peak RSS MiB", p["peak_rss_mib"], b["peak_rss_mib"]),
    ]
    width = max(len(r[0]) for r in rows)
    out = [f"command : {result['command']}", f"machine : {result['machine']}",
           f"load    : {result['loadavg_before']} -> {result['loadavg_after']}",
           f"{'':{width}}  {'Peluit':>22}  {'bare PTB bot (' + result['bare_http_client'] + ')':>22}"]
    out += [f"{name:{width}}  {peluit!s:>22}  {bare!s:>22}" for name, peluit, bare in rows]
    out.append(f"Peluit CPU per update = {result['cpu_ratio']} x the bare bot's")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__)
    parser.add_argument("--reporters", type=int, default=30, help="simulated reporters per bot")
    parser.add_argument("--think", type=float, default=2.0, help="mean pause before each action (s)")
    parser.add_argument("--bare-http", choices=("httpx", "aiohttp"), default="httpx",
                        help="the bare bot's HTTP client: httpx (PTB's default) or aiohttp "
                             "(Peluit's default transport, bot/http.py)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="peluit-compare-"))
    try:
        result = asyncio.run(run(args.reporters, args.think, work, args.bare_http))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["command"] = shlex.join(["python", "-m", "benchmarks.compare", *sys.argv[1:]])
    result["machine"] = machine()
    result["started"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(result, indent=2, default=str) if args.json else render(result))


if __name__ == "__main__":
    main()
