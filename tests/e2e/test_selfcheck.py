"""`peluit check` against the stand-in Bot API, run as the operator runs it (a process, its exit
code, its words): a good setup, a wrong chat id, a bot that is not an administrator, a bot that may
not manage topics, a refused token. And the bot refuses to start, with the same words, without a
reachable staff group. The token is never printed."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest

from bot.selfcheck import StaffGroupUnreachable
from tests.e2e.harness import STAFF, STAFF_CHAT, running_peluit

pytestmark = pytest.mark.e2e

WRONG_CHAT = -1009999999999
PEOPLE_CHAT = -1001234000000
BASIC = -4987650700


async def peluit_check(fake, tmp_path: Path, chat_id: int, token: str | None = None,
                       **extra: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PELUIT_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=token or fake.token, TELEGRAM_API_URL=fake.url,
               PELUIT_STAFF_CHAT_ID=str(chat_id), PELUIT_DATA_DIR=str(tmp_path), **extra)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", env=env, cwd=str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    said = out.decode()
    assert fake.token not in said and (token is None or token not in said)
    assert fake.token.split(":")[1] not in said
    return process.returncode or 0, said


async def test_given_a_good_setup_when_checked_then_all_good_and_exit_0(fake, tmp_path):
    code, said = await peluit_check(fake, tmp_path, STAFF_CHAT)

    assert code == 0, said
    assert "✗" not in said and "All good." in said
    assert "supergroup with Topics" in said and "may manage topics" in said


async def test_given_a_wrong_chat_id_when_checked_then_it_says_what_to_fix_and_exit_1(fake, tmp_path):
    code, said = await peluit_check(fake, tmp_path, WRONG_CHAT)

    assert code == 1
    assert "✗ Telegram knows no group with this id" in said and str(WRONG_CHAT) in said
    assert "1 thing to fix" in said


async def test_given_a_bot_that_is_not_an_administrator_when_checked_then_exit_1(fake, tmp_path):
    fake.add_group(PEOPLE_CHAT, "Tim WBS (baru)", forum=True, members=STAFF, bot_is_admin=False)

    code, said = await peluit_check(fake, tmp_path, PEOPLE_CHAT)

    assert code == 1
    assert "✓ The staff group is a supergroup with Topics" in said
    assert "✗ The bot is not an administrator of the staff group" in said
    assert "manage topics" in said


async def test_given_an_administrator_without_topic_rights_or_a_basic_group_then_exit_1(
    fake, tmp_path
):
    fake.set_bot_rights(STAFF_CHAT, can_manage_topics=False)
    fake.add_group(BASIC, "Tim WBS lama", forum=False, members=STAFF)

    no_topics = await peluit_check(fake, tmp_path, STAFF_CHAT)
    basic = await peluit_check(fake, tmp_path, BASIC)

    assert no_topics[0] == 1 and "✗ The bot may not manage topics" in no_topics[1]
    assert basic[0] == 1 and "✗" in basic[1] and "is a basic group" in basic[1]


async def test_given_a_refused_token_when_checked_then_it_says_so_without_printing_it(fake, tmp_path):
    wrong = "7000000001:AAH-not-the-token-0000000000000000"

    code, said = await peluit_check(fake, tmp_path, STAFF_CHAT, token=wrong)

    assert code == 1 and "✗ Telegram refused the bot token" in said


async def test_given_a_wrong_chat_id_when_the_bot_starts_then_it_refuses_with_the_same_words(
    fake, tmp_path, caplog
):
    caplog.set_level(logging.ERROR)
    _, checked = await peluit_check(fake, tmp_path, WRONG_CHAT)

    with pytest.raises(StaffGroupUnreachable) as refused:
        async with running_peluit(fake, tmp_path, PELUIT_STAFF_CHAT_ID=WRONG_CHAT):
            pass

    [finding] = [f for f in refused.value.report.findings if f.level != "ok"]
    assert finding.text in checked  # the same words as `peluit check`
    assert any("selfcheck.failed" in r.getMessage() and finding.text in r.getMessage()
               for r in caplog.records)
    assert not fake.calls_to("getUpdates")  # it never started taking updates


async def test_given_a_wrong_chat_id_when_peluit_runs_then_it_exits_1_with_the_same_words(
    fake, tmp_path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PELUIT_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url,
               PELUIT_STAFF_CHAT_ID=str(WRONG_CHAT), PELUIT_DATA_DIR=str(tmp_path),
               PELUIT_HEALTH_PORT="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    said = out.decode()

    assert process.returncode == 1, said
    assert "Peluit did not start: Telegram knows no group with this id" in said
    assert fake.token not in said and fake.token.split(":")[1] not in said


ROUTE_CHAT = -1001987650777


async def test_given_two_groups_one_wrong_when_checked_then_each_group_is_checked_and_exit_1(
    fake, tmp_path
):
    fake.add_group(ROUTE_CHAT, "Tim Pelecehan", forum=True, members=(), bot_is_admin=False)
    code, said = await peluit_check(fake, tmp_path, STAFF_CHAT,
                                    PELUIT_ESCALATION_CHAT_ID=str(WRONG_CHAT),
                                    PELUIT_ROUTES=f"pelecehan:{ROUTE_CHAT}")

    assert code == 1, said
    assert "✓ The staff group is a supergroup with Topics" in said  # the main group: fine
    assert ("✗ Telegram knows no group with this id that the bot is in: the escalation group "
            f"(PELUIT_ESCALATION_CHAT_ID={WRONG_CHAT})") in said
    assert "✗ The bot is not an administrator of the group for category 'pelecehan'" in said
    assert "2 things to fix" in said


async def test_given_a_wrong_escalation_group_when_the_bot_starts_then_it_says_so_loudly_and_runs(
    fake, tmp_path, caplog
):
    caplog.set_level(logging.ERROR)
    async with running_peluit(fake, tmp_path, PELUIT_ESCALATION_CHAT_ID=WRONG_CHAT):
        await fake.send_text(STAFF[0], "/kasus", chat_id=STAFF_CHAT)
        await fake.wait_for(lambda: fake.bot_messages(STAFF_CHAT), 15)  # the main group works

    loud = [r.getMessage() for r in caplog.records if "selfcheck.group_unreachable" in
            r.getMessage()]
    assert loud and "the escalation group" in loud[0] and str(WRONG_CHAT) in loud[0]
