"""Polling never stops: an update the Telegram library cannot read, a 404 or an HTML page from
getUpdates. The good updates are processed, the unreadable one is skipped past (confirmed) and
counted, a restart does not trip over it, and /healthz says when polling has stalled."""

from __future__ import annotations

import logging
import socket

import aiohttp
import pytest

from tests.e2e.harness import Reporter, running_peluit
from tests.e2e.test_staff_journey import snippet

pytestmark = pytest.mark.e2e

REPORTER, OTHER = 987650601, 987650602
POISON_ID = 700_000_001


def unreadable_update(update_id: int, user_id: int) -> dict:
    """A private message python-telegram-bot cannot build (an entity without offset and length),
    carrying everything a real one carries: who wrote it and what."""
    person = {"id": user_id, "is_bot": False, "first_name": "Dewi", "username": "dewi_saksi"}
    return {"update_id": update_id, "message": {
        "message_id": 41, "date": 1767225600, "from": person,
        "chat": {"id": user_id, "type": "private", "first_name": "Dewi", "username": "dewi_saksi"},
        "text": "Saya melihat suap di loket", "entities": [{"type": "bold"}]}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def healthz(port: int) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session, \
            session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


async def test_given_an_unreadable_update_among_good_ones_then_the_good_ones_are_processed_and_the_bad_one_skipped_for_good(
    fake, tmp_path, database_url, caplog
):
    caplog.set_level(logging.INFO, logger="peluit")
    first, second = Reporter(fake, REPORTER), Reporter(fake, OTHER)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        # Given a good update, the unreadable one, then good ones again (one batch, or several).
        await first.say("/start")
        await fake.inject_raw_update(unreadable_update(POISON_ID, OTHER))
        await second.say("/start")
        await first.say("/bantuan")

        # Then the good ones are answered, the bad one is confirmed and counted.
        await first.expect(snippet("start.welcome"))
        await second.expect(snippet("start.welcome"))
        await first.expect(snippet("help.reporter"))
        await fake.wait_for(lambda: POISON_ID not in fake.pending_update_ids())
        assert peluit.services.updates_skipped == 1
        skipped = [r.getMessage() for r in caplog.records if "update.skipped" in r.getMessage()]
        assert skipped == [f"update.skipped update_id={POISON_ID} type=TypeError total=1"]

    # A restart does not meet it again: the bot answers at once.
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        await second.say("/bantuan")
        await second.expect(snippet("help.reporter"))
        assert peluit.services.updates_skipped == 0
    assert not any("Dewi" in r.getMessage() or "suap" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kind", ["404", "html"])
async def test_given_getupdates_answers_404_or_an_html_page_then_polling_goes_on_and_healthz_tells_the_stall_until_it_ends(
    fake, tmp_path, kind
):
    port = free_port()
    reporter = Reporter(fake, REPORTER)
    async with running_peluit(fake, tmp_path, PELUIT_HEALTH_PORT=port):
        await reporter.say("/start")
        await reporter.expect(snippet("start.welcome"))
        assert await healthz(port) == (200, {"ok": True})  # ok / not ok, nothing more

        # When Telegram's answers break (a proxy, an incident), and a reporter writes meanwhile.
        fake.break_get_updates(kind)
        await reporter.say("/bantuan")
        await fake.wait_for(lambda: sum(c.status != 200 or "html" in c.response
                                        for c in fake.calls_to("getUpdates")) >= 3)
        status = await fake.wait_for(lambda: _unhealthy(port), 15)
        assert status == (503, {"ok": False})

        # Then, once they mend, polling goes on by itself: the message is answered, health is back.
        fake.break_get_updates(None)
        await reporter.expect(snippet("help.reporter"), timeout=40)
        assert await fake.wait_for(lambda: _healthy(port), 15) == (200, {"ok": True})
    assert fake.rejected == []


async def _unhealthy(port: int) -> tuple[int, object] | None:
    answer = await healthz(port)
    return answer if answer[0] != 200 else None


async def _healthy(port: int) -> tuple[int, object] | None:
    answer = await healthz(port)
    return answer if answer[0] == 200 else None

