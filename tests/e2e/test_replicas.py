"""Two replicas behind one webhook URL on one PostgreSQL behave as one bot.

A round-robin balancer splits every chat's updates across two `python -m bot` processes in
webhook mode. The same script is run against one process; both runs must end in the same
state: the same transcripts in every chat and the same cases in the database.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from storage.crypto import load_or_create_keyring
from storage.uow import Database
from tests.e2e.harness import REPORT, STAFF, STAFF_CHAT, Reporter, buttons, file_report
from tests.e2e.processes import BotProcess, bot_env, prepare

REPORTERS = (987650501, 987650502, 987650503)
SECRET = "replica-test-secret-token"
VOLATILE = [
    (re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), "<TICKET>"),
    (re.compile(r"WBS-\d{4}-\d{4,}"), "<CASE>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "<DATE>"),
    # a moment as people read it: "29 Nov 2026, 01.59 WIB" / "29 Nov 2026, 01:59 WIB"
    (re.compile(r"\d{1,2} \w+ \d{4}, \d{2}[.:]\d{2}(?: [A-Z][A-Za-z0-9+:-]*)?"), "<MOMENT>"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Balancer:
    """Round-robin: consecutive updates (of any chat) go to different replicas."""

    def __init__(self, ports: list[int]) -> None:
        self.targets = itertools.cycle(ports)
        self.port = free_port()
        self.hits: dict[int, int] = dict.fromkeys(ports, 0)
        self.runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        port = next(self.targets)
        self.hits[port] += 1
        assert self.session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        async with self.session.post(f"http://127.0.0.1:{port}{request.path}",
                                     data=await request.read(), headers=headers) as response:
            return web.Response(status=response.status, body=await response.read())

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.session:
            await self.session.close()
        if self.runner:
            await self.runner.cleanup()


async def wait_healthy(port: int, seconds: float = 30) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(seconds * 10)):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"replica on {port} never became healthy")


def masked(text: str) -> str:
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def transcript(fake, chat_id: int) -> list[str]:
    lines = []
    for message in fake.messages(chat_id):
        text = masked(message.get("text") or message.get("caption") or "<media>")
        who = "bot" if message["from"]["id"] == fake.bot_id else "user"
        lines.append(f"{who}: {text}")
    return lines


async def scenario(fake, replicas: int, data_dir: Path, database_url: str) -> dict:
    """Run the script against `replicas` processes; return the end state."""
    await prepare(database_url)
    load_or_create_keyring(data_dir)  # one set of keys, shared by every replica
    ports = [free_port() for _ in range(replicas)]
    balancer = Balancer(ports)
    await balancer.start()
    bots = [BotProcess(bot_env(fake, data_dir, database_url,
                               PELUIT_WEBHOOK_URL=f"http://127.0.0.1:{balancer.port}/telegram",
                               PELUIT_WEBHOOK_PORT=port, PELUIT_WEBHOOK_SECRET=SECRET),
                       data_dir / f"bot-{port}.log") for port in ports]
    try:
        for bot in bots:
            await bot.start()
        for port in ports:
            await wait_healthy(port)
        await fake.wait_for(lambda: fake.webhook_url, 20)
        reporters = [Reporter(fake, uid) for uid in REPORTERS]
        for r in reporters:
            r.timeout = 30
        # A button pressed twice at the same moment: both presses race, on different replicas.
        first = reporters[0]
        await first.say("/lapor")
        menu = await first.expect(button="i:cat:")
        choice = next(d for d in buttons(menu) if d.startswith("i:cat:"))
        await asyncio.gather(fake.press(first.user_id, menu, choice),
                             fake.press(first.user_id, menu, choice))
        await first.expect(button=None)  # the question for "what"
        await first.say("/batal")
        await first.expect()
        answers = [{**REPORT, "what": f"{REPORT['what']} (replika {i})"} for i in range(len(reporters))]
        await asyncio.gather(*(file_report(r, a) for r, a in zip(reporters, answers, strict=True)))
        await fake.wait_for(lambda: len(fake.topics(STAFF_CHAT)) == len(reporters), 30)
        for thread_id in sorted(fake.topics(STAFF_CHAT)):
            await fake.send_text(STAFF[0], "/tanya Apakah ada dokumen pendukung?",
                                 chat_id=STAFF_CHAT, thread_id=thread_id)
        for r in reporters:
            question = await r.expect("dokumen pendukung")
            await r.say("Ada, akan saya kirim.", reply_to=question["message_id"])
        await fake.wait_for(lambda: sum("akan saya kirim" in (m.get("text") or "")
                                        for m in fake.bot_messages(STAFF_CHAT)) == len(reporters), 30)
        db = Database(database_url, load_or_create_keyring(data_dir)[0])

        async def drained() -> bool:
            async with db.uow() as uow:
                return await uow.outbox.pending_count() == 0

        await fake.wait_for(drained, 30)
        async with db.uow() as uow:
            cases = []
            for case in await uow.cases.open_cases(datetime.now(UTC)):
                messages = await uow.cases.messages(case.id)
                cases.append((case.report["what"], case.status.value, case.awaiting_answer,
                              [m.direction.value for m in messages]))
            cases.sort()
        await db.close()
    finally:
        for bot in bots:
            await bot.stop()
        await balancer.stop()
    assert all(hits > 0 for hits in balancer.hits.values())
    assert fake.rejected == []
    return {
        "cases": cases,
        "reporters": {uid: transcript(fake, uid) for uid in REPORTERS},
        "staff_messages": sorted(masked(m.get("text") or "<media>")
                                 for m in fake.bot_messages(STAFF_CHAT)),
        "hits": balancer.hits,
    }


@pytest.mark.postgres
async def test_given_two_replicas_on_postgres_when_updates_of_one_chat_are_split_then_the_end_state_is_that_of_one_process(
    tmp_path, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is for a single process")
    from sandbox.botapi import FakeTelegram
    from tests.conftest import drop_postgres_database, fresh_postgres_database
    from tests.e2e.harness import world

    states = []
    for replicas in (1, 2):
        fake = FakeTelegram("7000000002:AAH-peluit-replica-token-0123456789abcdef")
        await fake.start()
        world(fake)
        url = database_url if replicas == 2 else await fresh_postgres_database()
        try:
            states.append(await scenario(fake, replicas, tmp_path / f"run{replicas}", url))
        finally:
            await fake.stop()
            if replicas == 1:
                await drop_postgres_database(url)
    single, double = states
    assert len(double["hits"]) == 2
    assert double["cases"] == single["cases"]
    assert len(double["cases"]) == len(REPORTERS)
    assert double["reporters"] == single["reporters"]
    assert double["staff_messages"] == single["staff_messages"]
