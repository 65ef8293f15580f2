"""No library writes identity or content into the log, and nothing at start-up prints a secret:
a real `peluit` process (python -m bot) meets an update the Telegram library cannot read, an
HTML page where getUpdates' JSON should be, and a token Telegram rejects. Its whole log and
stderr are searched for each marker."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.harness import Reporter
from tests.e2e.processes import BotProcess, bot_env
from tests.e2e.test_staff_journey import snippet

pytestmark = pytest.mark.e2e

WITNESS = 987650911
PERSON = {"id": WITNESS, "is_bot": False, "first_name": "MARKERNAME Dewi",
          "username": "marker_dewi_user", "language_code": "id"}
WORDS = "MARKERTEXT saya melihat suap di loket"


def _unreadable(update_id: int) -> dict:
    chat = {"id": WITNESS, "type": "private", "first_name": PERSON["first_name"],
            "username": PERSON["username"]}
    return {"update_id": update_id, "message": {
        "message_id": 7, "date": 1767225600, "from": PERSON, "chat": chat, "text": WORDS,
        "entities": [{"type": "bold"}]}}  # no offset and length: the library cannot build it


def _found(output: str, needles: dict[str, str]) -> list[str]:
    return [name for name, needle in needles.items() if needle in output]


async def test_given_an_unreadable_update_and_an_html_page_when_a_real_peluit_meets_them_then_its_log_holds_no_identity_or_content(
    fake, tmp_path
):
    bot = BotProcess(bot_env(fake, tmp_path, None, PELUIT_LOG_LEVEL="DEBUG"), tmp_path / "bot.log")
    await bot.start()
    try:
        await fake.wait_for(lambda: fake.calls_to("getUpdates"), 30)
        reporter = Reporter(fake, 987650912)
        await fake.inject_raw_update(_unreadable(700_000_101))
        await reporter.say("/start")
        await reporter.expect(snippet("start.welcome"), timeout=30)
        await fake.wait_for(lambda: 700_000_101 not in fake.pending_update_ids())

        # A proxy's page instead of JSON: the library logs it ("Can not load invalid JSON data").
        fake.break_get_updates("html")
        await fake.wait_for(lambda: sum("html" in c.response for c in fake.calls_to("getUpdates")) >= 2)
        fake.break_get_updates(None)
        await reporter.say("/bantuan")
        await reporter.expect(snippet("help.reporter"), timeout=40)
    finally:
        await bot.stop()
    output = (tmp_path / "bot.log").read_text(errors="replace")

    assert "update.skipped update_id=700000101" in output
    assert "telegram" in output  # the library's lines are there, reduced to where and what type
    needles = {"user id": str(WITNESS), "first name": "MARKERNAME", "username": PERSON["username"],
               "text": "MARKERTEXT", "page": "Sedang dalam perbaikan", "token": fake.token,
               "token secret": fake.token.split(":", 1)[1]}
    assert _found(output, needles) == [], output[-3000:]


async def test_given_a_token_telegram_rejects_when_peluit_starts_then_it_stops_calmly_without_printing_it(
    fake, tmp_path
):
    rejected = "7000000002:AAH-MARKERTOKEN-rejected-by-telegram-0123"
    bot = BotProcess(bot_env(fake, tmp_path, None, TELEGRAM_BOT_TOKEN=rejected), tmp_path / "bot.log")
    await bot.start()
    assert bot.process is not None
    code = await asyncio.wait_for(bot.process.wait(), 30)
    output = (tmp_path / "bot.log").read_text(errors="replace")

    assert code != 0
    assert "InvalidToken" in output and "TELEGRAM_BOT_TOKEN" in output, output
    assert "Traceback" not in output, output
    assert _found(output, {"token": rejected, "token secret": rejected.split(":", 1)[1],
                           "marker": "MARKERTOKEN"}) == [], output
