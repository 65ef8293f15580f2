"""SIGKILL at random moments during many concurrent intakes and relays: after restarts, nothing
submitted is lost and nothing is duplicated in the database; sent messages are at-least-once."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

from flows.tickets import normalize_ticket
from storage.crypto import load_or_create_keyring
from storage.uow import Database
from tests.e2e.harness import REPORT, STAFF, STAFF_CHAT, Reporter, file_report
from tests.e2e.processes import BotProcess, bot_env, prepare

REPORTERS = (987650401, 987650402, 987650403, 987650404, 987650405)


def _database(data_dir: Path, database_url: str | None) -> Database:
    keyring, _ = load_or_create_keyring(data_dir)
    return Database(database_url or f"sqlite+aiosqlite:///{data_dir / 'peluit.db'}", keyring)


async def test_given_a_bot_killed_repeatedly_when_reporters_and_staff_keep_working_then_nothing_is_lost(
    fake, tmp_path, database_url
):
    await prepare(database_url)
    bot = BotProcess(bot_env(fake, tmp_path, database_url), tmp_path / "bot.log")
    await bot.start()
    rng = random.Random(20261123)
    done = asyncio.Event()

    async def killer() -> int:
        """Kill after every few messages the bot sends (a random number), so each kill lands
        in the middle of the work, however fast the bot is."""
        kills = 0
        while not done.is_set() and kills < 4:
            target = len(fake.calls_to("sendMessage")) + rng.randint(4, 12)
            while not done.is_set() and len(fake.calls_to("sendMessage")) < target:
                await asyncio.sleep(0.005)
            if done.is_set():
                break
            await asyncio.sleep(rng.uniform(0.0, 0.05))
            await bot.kill()
            kills += 1
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            await bot.start()
        return kills

    async def one_reporter(uid: int, index: int) -> tuple[Reporter, str]:
        reporter = Reporter(fake, uid)
        reporter.timeout = 90
        reporter.ignore_resent = True
        ticket = await file_report(reporter, {**REPORT, "what": f"{REPORT['what']} #{index}"})
        return reporter, ticket

    killing = asyncio.create_task(killer())
    try:
        results = await asyncio.gather(*(one_reporter(uid, i) for i, uid in enumerate(REPORTERS)))
        # Relays while the killer may still strike: staff ask, reporters answer.
        await fake.wait_for(lambda: len(fake.topics(STAFF_CHAT)) >= len(REPORTERS), 90)
        for thread_id in sorted(fake.topics(STAFF_CHAT)):
            await fake.send_text(STAFF[0], "/tanya Mohon ceritakan lebih rinci?", chat_id=STAFF_CHAT,
                                 thread_id=thread_id)
        for reporter, _ in results:
            question = await reporter.expect("Mohon ceritakan lebih rinci", timeout=90)
            await reporter.say(f"Rincian dari {reporter.user_id}", reply_to=question["message_id"])
        for reporter, _ in results:
            await fake.wait_bot_message(STAFF_CHAT, contains=f"Rincian dari {reporter.user_id}",
                                        timeout=90)
    finally:
        done.set()
        kills = await killing
        db = _database(tmp_path, database_url)

        async def drained() -> bool:
            async with db.uow() as uow:
                return await uow.outbox.pending_count() == 0

        try:
            await fake.wait_for(drained, 60)
        finally:
            await bot.stop()
    assert kills >= 3, "the bot was killed several times"
    assert bot.starts == kills + 1

    async with db.uow() as uow:
        cases = await uow.cases.open_cases(datetime.now(UTC))
        assert len(cases) == len(REPORTERS)  # nothing lost, no case twice
        assert sorted(c.report["what"] for c in cases) == sorted(
            f"{REPORT['what']} #{i}" for i in range(len(REPORTERS)))
        for _, ticket in results:
            assert await uow.cases.by_ticket(normalize_ticket(ticket)) is not None
        for case in cases:
            messages = await uow.cases.messages(case.id)
            assert [m.direction.value for m in messages] == ["to_reporter", "from_reporter"]
    await db.close()

    staff_texts = [m.get("text") or "" for m in fake.bot_messages(STAFF_CHAT)]
    for index in range(len(REPORTERS)):
        cards = [t for t in staff_texts if f"{REPORT['what']} #{index}" in t]
        # At-least-once: a kill between Telegram's "ok" and the commit can send one message
        # again; it can never be lost.
        assert 1 <= len(cards) <= 1 + kills
    assert fake.rejected == []


async def test_given_a_bot_killed_while_telegram_creates_a_case_topic_when_it_restarts_then_the_case_has_one_topic(
    fake, tmp_path, database_url
):
    await prepare(database_url)
    fake.slow("createForumTopic", 60)  # Telegram makes the topic at once, and answers late
    bot = BotProcess(bot_env(fake, tmp_path, database_url), tmp_path / "bot.log")
    await bot.start()
    try:
        reporter = Reporter(fake, REPORTERS[0])
        reporter.timeout = 30
        await file_report(reporter)
        await fake.wait_for(lambda: fake.topics(STAFF_CHAT), 30)
        await bot.kill()  # while the answer with the topic's id is still on its way
        fake.slow("createForumTopic", 0)
        await bot.start()
        card = await fake.wait_bot_message(STAFF_CHAT, contains=REPORT["what"], timeout=60)
        db = _database(tmp_path, database_url)

        async def drained() -> bool:
            async with db.uow() as uow:
                return await uow.outbox.pending_count() == 0

        await fake.wait_for(drained, 30)
        await db.close()
    finally:
        await bot.stop()
    topics = fake.topics(STAFF_CHAT)
    assert len(topics) == 1, topics  # no empty second topic
    assert card["message_thread_id"] in topics
    assert fake.rejected == []
