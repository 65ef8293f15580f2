"""Self-tests of the stand-in Bot API server's faults and world changes used by the delivery
tests: each answers the way Telegram (or a proxy in front of it) does."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, InvalidToken, NetworkError, TelegramError

from sandbox.botapi import FakeTelegram, running_fake_telegram
from tests.sandbox.test_botapi_strictness import OTHER, STAFF, USER, fast_request

BASIC, SUPER = -4001, -1004001


@pytest.fixture
async def tg():
    async with running_fake_telegram() as fake:
        fake.add_user(USER, "Ani")
        fake.add_user(OTHER, "Budi")
        fake.add_group(STAFF, "Integrity staff", forum=True, members=[OTHER])
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram):
    b = Bot(tg.token, base_url=tg.url + "/bot", base_file_url=tg.url + "/file/bot",
            request=fast_request(), get_updates_request=fast_request())
    await b.initialize()
    yield b
    await b.shutdown()


async def body_of(tg: FakeTelegram, method: str, **params) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as s, s.post(
        f"{tg.url}/bot{tg.token}/{method}", json=params
    ) as r:
        return r.status, r.content_type, await r.text()


async def test_fault_kinds_answer_like_telegram_or_a_proxy(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_text(USER, "/start")
    expected = {"401": (401, "application/json", InvalidToken), "404": (404, "application/json",
                InvalidToken), "404html": (404, "text/html", InvalidToken),
                "502": (502, "text/html", NetworkError), "200html": (200, "text/html", TelegramError)}
    for kind, (status, content_type, error) in expected.items():
        tg.inject_faults(1.0, kinds=(kind,))
        got = await body_of(tg, "sendMessage", chat_id=USER, text="x")
        assert got[:2] == (status, content_type), kind
        if content_type == "application/json":
            assert '"ok": false' in got[2] and f'"error_code": {status}' in got[2]
        with pytest.raises(error):
            await bot.send_message(USER, "x")
    tg.clear_faults()
    assert tg.bot_messages(USER) == [] and tg.rejected == []


async def test_a_garbled_answer_is_for_a_message_that_was_sent(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_text(USER, "/start")
    tg.garble_answers("sendMessage", 1, chat_id=USER)
    with pytest.raises(TypeError):
        await bot.send_message(USER, "terkirim")
    assert [m["text"] for m in tg.bot_messages(USER)] == ["terkirim"]
    assert (await bot.send_message(USER, "lagi")).text == "lagi"  # only once


async def test_a_topic_the_bot_creates_is_announced_to_it_by_a_service_message(
    tg: FakeTelegram, bot: Bot
) -> None:
    topic = await bot.create_forum_topic(STAFF, "WBS-2026-0001 · Korupsi")
    (update,) = await bot.get_updates(timeout=0)
    message = update.message
    assert message.forum_topic_created.name == "WBS-2026-0001 · Korupsi"
    assert message.message_thread_id == topic.message_thread_id
    assert message.from_user.id == bot.id and message.chat.id == STAFF


async def test_membership_changes_reach_the_bot_as_my_chat_member(tg: FakeTelegram, bot: Bot) -> None:
    await tg.change_member(STAFF, tg.bot_id, "kicked", by=OTHER)
    with pytest.raises(Exception, match="bot was kicked from the supergroup chat"):
        await bot.send_message(STAFF, "x")
    await tg.change_member(STAFF, tg.bot_id, "administrator", by=OTHER)
    kicked, back = await bot.get_updates(timeout=0)
    assert (kicked.my_chat_member.old_chat_member.status,
            kicked.my_chat_member.new_chat_member.status) == ("administrator", "kicked")
    assert back.my_chat_member.new_chat_member.status == "administrator"
    assert back.my_chat_member.from_user.id == OTHER
    assert (await bot.send_message(STAFF, "kembali")).text == "kembali"


async def test_a_group_upgraded_to_a_supergroup_answers_with_its_new_id(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_group(BASIC, "Tim", forum=False, members=[OTHER])
    await tg.migrate_group(BASIC, SUPER)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(BASIC, "x")
    assert moved.value.new_chat_id == SUPER
    old, new = await bot.get_updates(timeout=0)
    assert (old.message.migrate_to_chat_id, new.message.migrate_from_chat_id) == (SUPER, BASIC)
    assert (await bot.send_message(SUPER, "di sini")).chat.id == SUPER


async def test_a_deleted_account_is_a_chat_not_found(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_text(USER, "/start")
    tg.delete_account(USER)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(USER, "x")
