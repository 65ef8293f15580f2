"""Peluit beside a bare python-telegram-bot bot, in one run, under the same load.

    python -m benchmarks.compare                          # 30 reporters each, pausing ~2 s
    python -m benchmarks.compare --reporters 50 --think 2 --json
    python -m benchmarks.compare --before /tmp/peluit-main   # and an older Peluit beside them

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

`--before DIR` runs a third bot at the same time: Peluit from another checkout (for instance
`git archive main | tar -x -C DIR`), walked by the same reporters (who press *Lanjut* where that
Peluit asks for it), for a before/after figure in one run. `--bare-http aiohttp` gives the bare bot
Peluit's HTTP transport (`bot/http.py`) instead of PTB's default httpx; `--peluit-loop` and
`--bare-loop` choose each bot's event loop (asyncio or uvloop; uvloop is not one of Peluit's
dependencies: `pip install uvloop` first); `--profile FILE` profiles
Peluit's event-loop thread (cProfile on that thread's CPU clock; slows it several times).
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


async def run(reporters: int, think: float, work: Path, before: str | None = None,
              bare_http: str = "httpx", profile: str | None = None, peluit_loop: str = "asyncio",
              bare_loop: str = "asyncio") -> dict[str, Any]:
    peluit_fake, bare_fake = await start_fake(), await start_fake()
    variants = ["round-trips", *(["cprofile"] if profile else []),
                *(["uvloop"] if peluit_loop == "uvloop" else [])]
    peluit = BotProcess(peluit_fake, work / "peluit", variant=",".join(variants))
    if profile:
        peluit.env_extra = {"PELUIT_BENCH_PROFILE": profile}
    bare = BotProcess(bare_fake, work / "bare")
    bare.command = [sys.executable, "-m", "benchmarks.bare_bot"]
    fakes, bots = [peluit_fake, bare_fake], [peluit, bare]
    older: BotProcess | None = None
    if before:
        fakes.append(older_fake := await start_fake())
        older = BotProcess(older_fake, work / "before", variant="round-trips",
                           root=before)
        bots.append(older)
    bare.env_extra = {"BARE_HTTP_CLIENT": bare_http, "BARE_EVENT_LOOP": bare_loop}
    result: dict[str, Any] = {"reporters": reporters, "think_seconds": think,
                              "bare_http_client": bare_http, "bare_event_loop": bare_loop,
                              "peluit_event_loop": peluit_loop, "loadavg_before": loadavg()}
    try:
        await asyncio.gather(*(bot.start() for bot in bots))
        await asyncio.sleep(1.5)  # start-up work (command menu, first housekeeping) settles
        log(f"compare: {reporters} reporters per bot, pausing ~{think} s, {len(bots)} bots at once ...")
        t0 = time.perf_counter()
        ids = [810_000_000 + i for i in range(reporters)]
        bare_ids = [820_000_000 + i for i in range(reporters)]
        walks = [walk("peluit", peluit_fake, peluit, ids, think, Walker),
                 walk("bare python-telegram-bot", bare_fake, bare, bare_ids, think, BareWalker)]
        if older is not None:
            walks.append(walk("peluit before", older.fake, older,  # type: ignore[arg-type]
                              [830_000_000 + i for i in range(reporters)], think, Walker))
        peluit_run, bare_run, *older_run = await asyncio.gather(*walks)
        result["walk_seconds"] = round(time.perf_counter() - t0, 1)
        await wait_staff(peluit_fake, peluit_run["reports"], timeout=120)
        result["peluit"], result["bare"] = peluit_run, bare_run
        named = [("peluit", peluit), ("bare", bare)]
        if older is not None:
            await wait_staff(older.fake, older_run[0]["reports"], timeout=120)  # type: ignore[arg-type]
            result["before"] = older_run[0]
            named.append(("before", older))
        for name, proc in named:
            result[name]["peak_rss_mib"] = round(proc.memory().get("VmHWM", 0), 1)
        result["cpu_ratio"] = round(peluit_run["cpu_ms_per_update"]
                                    / max(bare_run["cpu_ms_per_update"], 1e-9), 2)
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))
        await asyncio.gather(*(fake.stop() for fake in fakes))
    for name, proc in (("peluit", peluit), ("before", older)):
        trips = proc.data_dir / ROUND_TRIPS_FILE if proc is not None else None
        if trips is not None and trips.exists() and name in result:
            counted = json.loads(trips.read_text())
            total, inline = counted["driver_round_trips"], counted.get("inline_statements", 0)
            updates = max(result[name]["user_updates"], 1)
            result[name]["db_round_trips_total"] = total
            result[name]["db_round_trips_per_update"] = round(total / updates, 2)
            result[name]["db_inline_statements_per_update"] = round(inline / updates, 2)
    result["loadavg_after"] = loadavg()
    return result


def _rows(p: dict[str, Any], staff: bool = True) -> list[object]:
    latency = p["reply_latency_ms"]
    return [p["reports"], p["user_updates"], p["cpu_ms_per_update"],
            p["calls_towards_reporter_per_report"],
            json.dumps(p["calls_towards_reporter_by_method"]),
            p["calls_towards_staff_per_report"] if staff else "-",
            f"{latency['p50']:.1f} / {latency['p99']:.1f}",
            p.get("db_round_trips_per_update", "?") if staff else "-",
            p.get("db_inline_statements_per_update", "?") if staff else "-", p["peak_rss_mib"]]


def render(result: dict[str, Any]) -> str:
    names = ["reports filed", "user updates", "CPU ms per user update",
             "Bot API calls towards the reporter per report", "  of which",
             "calls towards the staff group per report", "reply p50 / p99 ms",
             "database round trips per update (driver thread)",
             "  + statements run on the event loop per update", "peak RSS MiB"]
    columns = [(f"Peluit ({result['peluit_event_loop']})", _rows(result["peluit"])),
               (f"bare PTB bot ({result['bare_http_client']}, {result['bare_event_loop']})",
                _rows(result["bare"], False))]
    if "before" in result:
        columns.append(("Peluit before", _rows(result["before"])))
    width = max(len(n) for n in names)
    cell = max(22, *(len(str(v)) for _, values in columns for v in values))
    out = [f"command : {result['command']}", f"machine : {result['machine']}",
           f"load    : {result['loadavg_before']} -> {result['loadavg_after']}",
           f"{'':{width}}" + "".join(f"  {title:>{cell}}" for title, _ in columns)]
    out += [f"{name:{width}}" + "".join(f"  {values[i]!s:>{cell}}" for _, values in columns)
            for i, name in enumerate(names)]
    out.append(f"Peluit CPU per update = {result['cpu_ratio']} x the bare bot's")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__)
    parser.add_argument("--reporters", type=int, default=30, help="simulated reporters per bot")
    parser.add_argument("--think", type=float, default=2.0, help="mean pause before each action (s)")
    parser.add_argument("--before", metavar="DIR",
                        help="also run the Peluit checked out in DIR (an older version) beside them")
    parser.add_argument("--bare-http", choices=("httpx", "aiohttp"), default="httpx",
                        help="the bare bot's HTTP client: httpx (PTB's default) or aiohttp "
                             "(Peluit's default transport, bot/http.py)")
    parser.add_argument("--peluit-loop", choices=("asyncio", "uvloop"), default="asyncio",
                        help="Peluit's event loop (uvloop: the `uvloop` variant in bot_variant.py)")
    parser.add_argument("--bare-loop", choices=("asyncio", "uvloop"), default="asyncio",
                        help="the bare bot's event loop: asyncio (PTB's default) or uvloop")
    parser.add_argument("--profile", metavar="FILE",
                        help="profile Peluit's event loop thread (cProfile, CPU clock) into FILE "
                             "(pstats); its CPU figure then includes the profiler's overhead")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="peluit-compare-"))
    try:
        before = str(Path(args.before).resolve()) if args.before else None
        profile = str(Path(args.profile).resolve()) if args.profile else None
        result = asyncio.run(run(args.reporters, args.think, work, before, args.bare_http,
                                 profile, args.peluit_loop, args.bare_loop))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["command"] = shlex.join(["python", "-m", "benchmarks.compare", *sys.argv[1:]])
    result["machine"] = machine()
    result["started"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(result, indent=2, default=str) if args.json else render(result))


if __name__ == "__main__":
    main()
