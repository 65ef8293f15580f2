"""Load generation against a real `python -m bot` process.

The stand-in Bot API server (sandbox/botapi/) runs in the benchmark's event loop;
Peluit runs as a separate process pointed at it (TELEGRAM_API_URL), so its memory can be read from
/proc and the load generator does not share its event loop. Simulated reporters wait for the bot's
answers event-driven (no polling), and every bot message is time-stamped when the server stores it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import re
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import proc_cpu_seconds, proc_status, summary_ms
from sandbox.botapi import FakeTelegram
from tests.e2e.harness import REPORT, STAFF_CHAT, buttons, world

TOKEN = "7000000001:AAH-peluit-bench-token-0123456789abcdef"
ROOT = str(Path(__file__).resolve().parent.parent)  # the project, for -m benchmarks.*
TICKET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
STEPS = ("what", "who", "when", "where", "how")


class BenchTelegram(FakeTelegram):
    """The strict stand-in server, plus a time stamp for every bot message (or edit) per chat and
    an event per chat so a waiting reporter wakes exactly when the bot answers."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.activity: dict[int, list[float]] = defaultdict(list)  # chat -> perf_counter stamps
        self.stored_at: dict[tuple[int, int], float] = {}
        self._signals: dict[int, asyncio.Event] = {}
        self.emitted_at: dict[int, float] = {}     # update_id -> when the user acted
        self.fetch_wait: list[float] = []          # per update: acted -> fetched by getUpdates
        self.polls: list[tuple[float, float, int]] = []  # getUpdates: (arrived, answered, n)

    async def _dispatch(self, entry: dict) -> None:
        self.emitted_at.setdefault(entry["update"]["update_id"], time.perf_counter())
        await super()._dispatch(entry)

    async def _api_getUpdates(self, p: Any, files: dict) -> list[dict]:
        arrived = time.perf_counter()
        updates = await super()._api_getUpdates(p, files)
        answered = time.perf_counter()
        self.polls.append((arrived, answered, len(updates)))
        for update in updates:
            emitted = self.emitted_at.pop(update["update_id"], None)
            if emitted is not None:
                self.fetch_wait.append(answered - emitted)
        return updates

    def poll_stats(self, since: float) -> dict[str, Any]:
        """How the bot fetched updates after `since`: the time each update waited at the API
        before a getUpdates answered it, and how long the bot took between answering one
        getUpdates and asking again (processing the batch)."""
        polls = [p for p in self.polls if p[0] >= since]
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(polls) if a[2]]
        sizes = [n for _, _, n in polls if n]
        return {"getUpdates_calls": len(polls),
                "mean_batch_size": round(sum(sizes) / len(sizes), 2) if sizes else 0.0,
                "max_batch_size": max(sizes, default=0),
                "batch_processing_ms": summary_ms(gaps)}

    def _mark(self, chat_id: int) -> None:
        self.activity[chat_id].append(time.perf_counter())
        event = self._signals.get(chat_id)
        if event is not None:
            event.set()

    def _store(self, chat: Any, sender: int, content: dict, *, thread: int | None = None,
               reply: dict | None = None, service: bool = False) -> dict:
        msg = super()._store(chat, sender, content, thread=thread, reply=reply, service=service)
        if sender == self.bot_id and not service and chat.type == "private":
            self.stored_at[(chat.id, msg["message_id"])] = time.perf_counter()
            self._mark(chat.id)
        return msg

    def _apply_edit(self, stored: Any, changes: dict, markup: dict | None) -> dict:
        new = super()._apply_edit(stored, changes, markup)
        chat_id = new["chat"]["id"]
        if chat_id > 0:
            self.stored_at[(chat_id, new["message_id"])] = time.perf_counter()
            self._mark(chat_id)
        return new

    async def next_bot_message(self, chat_id: int, after: int, match: Callable[[dict], bool],
                               timeout: float) -> dict:  # noqa: ASYNC109
        """The first visible bot message in the chat with id > `after` that `match`es."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._signals.setdefault(chat_id, asyncio.Event())
            event.clear()
            chat = self._chats.get(chat_id)
            if chat is not None:
                for mid in range(after + 1, chat.last_id + 1):
                    stored = chat.messages.get(mid)
                    if (stored is not None and stored.sender == self.bot_id and not stored.deleted
                            and not stored.service and match(stored.data)):
                        return stored.data
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat_id}: no matching bot message after {after}; "
                                   f"last calls:\n{self.describe_calls()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def staff_progress(self) -> tuple[int, int]:
        """(topics opened, bot messages) in the staff group."""
        return len(self.topics(STAFF_CHAT)), len(self.bot_messages(STAFF_CHAT))


def has_button(prefix: str) -> Callable[[dict], bool]:
    return lambda m: any(d.startswith(prefix) for d in buttons(m))


def anything(_: dict) -> bool:
    return True


@dataclass
class Samples:
    first: list[float] = field(default_factory=list)     # action -> first bot message
    complete: list[float] = field(default_factory=list)  # action -> the message it waits for
    per_action: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    tickets: dict[int, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


class Walker:
    """One simulated reporter in a private chat; every action is timed."""

    language = "id"
    answers = REPORT

    def __init__(self, fake: BenchTelegram, user_id: int, samples: Samples, timeout: float,
                 think: float = 0.0) -> None:
        self.fake, self.uid, self.samples, self.timeout = fake, user_id, samples, timeout
        self.think = think  # mean seconds a person takes before each action (exponential)
        self.rng = random.Random(user_id)
        self.seen = 0
        fake.add_user(user_id, "Pelapor", username=f"saksi{user_id}", language_code=self.language)

    async def _act(self, name: str, action: Callable[[], Any], match: Callable[[dict], bool]) -> dict:
        if self.think > 0:
            await asyncio.sleep(self.rng.expovariate(1 / self.think))
        n0 = len(self.fake.activity[self.uid])
        t0 = time.perf_counter()
        await action()
        message = await self.fake.next_bot_message(self.uid, self.seen, match, self.timeout)
        first = self.fake.activity[self.uid][n0] - t0
        self.samples.first.append(first)
        self.samples.per_action[name].append(first)
        self.samples.complete.append(self.fake.stored_at[(self.uid, message["message_id"])] - t0)
        self.seen = message["message_id"]
        return message

    async def say(self, name: str, text: str, match: Callable[[dict], bool]) -> dict:
        return await self._act(name, lambda: self.fake.send_text(self.uid, text), match)

    async def press(self, name: str, message: dict, prefix: str,
                    match: Callable[[dict], bool], index: int = 0) -> dict:
        choices = [d for d in buttons(message) if d.startswith(prefix)]
        if not choices:
            raise AssertionError(f"no button {prefix!r} on message {message.get('message_id')}")
        data = choices[index]
        return await self._act(name, lambda: self.fake.press(self.uid, message, data), match)

    async def answer_steps(self, steps: tuple[str, ...], first_text: str | None = None) -> dict:
        """Answer each text step; returns the question after the last one. An answer is followed
        by the next question; a bot that answers "saved, press Lanjut" instead (Peluit before
        one message per step, for runs beside it with --before) gets its press."""
        message: dict = {}
        for i, step in enumerate(steps):
            text = first_text if (i == 0 and first_text) else self.answers[step]
            message = await self.say(f"text:{step}", text, anything)
            if has_button("i:next:")(message):
                message = await self.press(f"next:{step}", message, "i:next:", anything)
        return message

    async def finish(self, evidence_prompt: dict) -> str:
        """From the evidence question: skip evidence, stay anonymous, submit; the ticket code."""
        if not has_button("i:done:")(evidence_prompt):
            raise AssertionError("expected the evidence question after the last answer")
        identity = await self.press("skip_evidence", evidence_prompt, "i:done:", has_button("i:anon:"))
        review = await self.press("anonymous", identity, "i:anon:", has_button("i:submit:"))
        done = await self.press("submit", review, "i:submit:", has_button("i:wipe:"))
        match = TICKET.search(done.get("text", ""))
        if not match:
            raise AssertionError("no ticket code in the final message")
        return match.group(0)

    async def file_report(self, category: int = 0) -> str:
        """The whole intake, as tests/e2e/harness.file_report walks it."""
        menu = await self.say("/lapor", "/lapor", has_button("i:cat:"))
        await self.press("category", menu, "i:cat:", anything, index=category)
        evidence = await self.answer_steps(STEPS)
        return await self.finish(evidence)

    async def resume_report(self, at_step: str = "who") -> str:
        """A draft created directly in the database, open at `at_step` with the answers before
        it given: answer the rest and submit."""
        evidence = await self.answer_steps(STEPS[STEPS.index(at_step):],
                                           first_text="Tambahan: kejadian berulang tiap bulan.")
        return await self.finish(evidence)


async def run_walkers(fake: BenchTelegram, user_ids: list[int], concurrency: int,
                      walk: Callable[[Walker], Any], timeout: float = 60.0,  # noqa: ASYNC109
                      think: float = 0.0, walker: type[Walker] | None = None,
                      ) -> tuple[Samples, float]:
    """Run one walker per user id, at most `concurrency` at a time; (samples, wall seconds)."""
    samples = Samples()
    gate = asyncio.Semaphore(concurrency)

    async def one(uid: int) -> None:
        async with gate:
            person = (walker or Walker)(fake, uid, samples, timeout, think)
            try:
                samples.tickets[uid] = await walk(person)
            except Exception as exc:
                samples.failures.append(f"{uid}: {type(exc).__name__}: {str(exc)[:300]}")

    t0 = time.perf_counter()
    await asyncio.gather(*(one(uid) for uid in user_ids))
    return samples, time.perf_counter() - t0


def bot_env(fake: FakeTelegram, data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PELUIT_", "TELEGRAM_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "PELUIT_STAFF_CHAT_ID": str(STAFF_CHAT),
        "PELUIT_DATA_DIR": str(data_dir),
        "PELUIT_POLL_TIMEOUT_SECONDS": "1",
        "PELUIT_SEND_GLOBAL_PER_SECOND": "100000",
        "PELUIT_SEND_GROUP_PER_MINUTE": "10000000",
        "PELUIT_REPORTS_PER_CHAT_PER_HOUR": "1000000",
        "PELUIT_LOG_LEVEL": "WARNING",
        "PELUIT_HEALTH_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    })
    if database_url:
        env["PELUIT_DATABASE_URL"] = database_url
    return env


class BotProcess:
    """`python -m bot` as a child process, against the stand-in server."""

    def __init__(self, fake: FakeTelegram, data_dir: Path, database_url: str | None = None,
                 profile: Path | None = None, variant: str | None = None,
                 root: str = ROOT) -> None:
        self.fake, self.data_dir, self.database_url = fake, data_dir, database_url
        self.root = root  # the Peluit checkout to run (another one: a run beside an older Peluit)
        self.proc: asyncio.subprocess.Process | None = None
        self.log_path = data_dir / "bot.log"
        profiler = ["-m", "cProfile", "-o", str(profile.resolve())] if profile else []
        target = ["-m", "benchmarks.bot_variant", variant] if variant else ["-m", "bot"]
        self.command = [sys.executable, *profiler, *target]
        self.started_s = 0.0
        self.rss_samples: list[float] = []
        self._sampler: asyncio.Task[None] | None = None
        self.final: dict[str, float] = {}
        self.shutdown_s: float | None = None
        self.killed = False

    async def start(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        t0 = time.perf_counter()
        env = bot_env(self.fake, self.data_dir, self.database_url)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [self.root, env.get("PYTHONPATH")]))
        if self.root != ROOT:
            env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the other checkout as it is
        env.update(getattr(self, "env_extra", {}))
        self.proc = await asyncio.create_subprocess_exec(
            *self.command, cwd=self.data_dir, env=env, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while not self.fake.calls_to("getUpdates"):
            if self.proc.returncode is not None:
                raise RuntimeError(f"the bot exited at start-up:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start polling within {timeout}s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        self.started_s = time.perf_counter() - t0
        self._sampler = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while self.proc is not None and self.proc.returncode is None:
            rss = proc_status(self.proc.pid).get("VmRSS")
            if rss is not None:
                self.rss_samples.append(rss)
            await asyncio.sleep(0.5)

    def memory(self) -> dict[str, float]:
        assert self.proc is not None
        return proc_status(self.proc.pid)

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        return proc_cpu_seconds(self.proc.pid)

    async def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.final = {**self.memory(), "cpu_s": self.cpu_seconds()}
            t0 = time.perf_counter()
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.killed = True
                self.proc.kill()
                await self.proc.wait()
            self.shutdown_s = time.perf_counter() - t0
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler

    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_lines()[-n:])


async def start_fake() -> BenchTelegram:
    fake = BenchTelegram()
    await fake.start()
    world(fake)
    fake.rate_limits(enabled=False)
    return fake


async def wait_staff(fake: BenchTelegram, cases: int, timeout: float) -> float | None:  # noqa: ASYNC109
    """Seconds until the staff group holds a topic and a card for every case (None: timed out)."""
    t0 = time.perf_counter()
    while True:
        topics, messages = fake.staff_progress()
        if topics >= cases and messages >= cases:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            return None
        await asyncio.sleep(0.1)
