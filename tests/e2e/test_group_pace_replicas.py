"""Two replicas on one PostgreSQL share each staff group's budget: a burst of staff-group
messages sent by both stays within Telegram's 20 messages a minute in that group together.

Time is compressed: the budget's window is 6 s instead of a minute
(`PELUIT_SEND_GROUP_WINDOW_SECONDS`), with the default 19 messages per window. The burst is one
message for each of many cases (each case its own lane, so both replicas deliver at once),
becoming due over a few seconds so that both replicas claim part of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.intents import Say, ToStaff
from storage.crypto import load_or_create_keyring
from storage.uow import Database
from tests.e2e.harness import STAFF_CHAT
from tests.e2e.processes import BotProcess, bot_env, prepare
from tests.e2e.test_replicas import SECRET, Balancer, free_port, wait_healthy

WINDOW = 6.0
BUDGET = 19
TELEGRAM_LIMIT = 20
BURST = 40


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.postgres
async def test_given_two_replicas_when_a_burst_goes_to_one_group_then_together_they_stay_under_its_limit(
    fake, tmp_path, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is for a single process")
    await prepare(database_url)
    load_or_create_keyring(tmp_path)
    ports = [free_port() for _ in range(2)]
    balancer = Balancer(ports)
    await balancer.start()
    bots = [BotProcess(bot_env(fake, tmp_path, database_url,
                               PELUIT_WEBHOOK_URL=f"http://127.0.0.1:{balancer.port}/telegram",
                               PELUIT_WEBHOOK_PORT=port, PELUIT_WEBHOOK_SECRET=SECRET,
                               PELUIT_SEND_GROUP_PER_MINUTE=BUDGET,
                               PELUIT_SEND_GROUP_WINDOW_SECONDS=WINDOW,
                               PELUIT_OUTBOX_LEASE_SECONDS=30, PELUIT_LOG_LEVEL="INFO"),
                       tmp_path / f"bot-{port}.log") for port in ports]
    try:
        for bot in bots:
            await bot.start()
        for port in ports:
            await wait_healthy(port)
        await fake.wait_for(lambda: fake.webhook_url, 20)
        start = fake.now()
        db = Database(database_url, load_or_create_keyring(tmp_path)[0])
        try:
            now = datetime.now(UTC)
            async with db.uow() as uow:
                for i in range(BURST):  # due over 4 s: both replicas' claims take part of it
                    await uow.outbox.put([Say(ToStaff(case_id=f"burst-{i}"), "staff.help",
                                              lang="id")],
                                         not_before=now + timedelta(seconds=i * 0.1))
                await uow.commit()
        finally:
            await db.close()
        await fake.wait_for(lambda: len(fake.bot_messages(STAFF_CHAT)) >= BURST, 60)
    finally:
        for bot in bots:
            await bot.stop()
        await balancer.stop()
    sent_by = [bot.log_path.read_text().count("sender.delivered") for bot in bots]
    assert all(n > 0 for n in sent_by), sent_by  # both replicas sent part of the burst
    sends = [at for at in fake._sends_chat[STAFF_CHAT] if at >= start]
    assert len(sends) >= BURST
    most = most_in_any_window(sends, WINDOW)
    print(f"group pace: {len(sends)} sends by {sent_by}, at most {most} in any {WINDOW} s")
    assert most <= TELEGRAM_LIMIT
    # Paced, not merely slow: the burst took about BURST slots of WINDOW / BUDGET each.
    assert max(sends) - min(sends) >= (BURST - 1) * WINDOW / BUDGET * 0.9
    assert fake.rejected == []
