"""Issue 4, Show: overdue cases are reminded in the staff group once a day, by the housekeeping
tick (called directly here instead of waiting for its minute)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import bot.housekeeping
from bot.i18n import text
from tests.e2e.harness import STAFF_CHAT, Reporter, file_report, running_peluit
from tests.e2e.test_staff_journey import CASE_NUMBER, assert_clean, body, last_id, snippet, staff_says

pytestmark = pytest.mark.e2e


NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
"""Today at noon (UTC): pinned so that no test straddles midnight, when the daily slot changes."""


def at(moment: datetime):
    return lambda: moment


def reminders(fake) -> list[dict]:
    return [m for m in fake.bot_messages(STAFF_CHAT) if snippet("staff.overdue") in body(m)]


async def test_given_cases_past_the_acknowledgement_deadline_when_the_daily_tick_runs_then_staff_are_reminded_once(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url, PELUIT_ACK_DEADLINE_DAYS=0) as peluit:
        peluit.services.clock = at(NOON)
        await file_report(Reporter(fake, 987650061), category=0)
        await file_report(Reporter(fake, 987650062), category=4)
        await peluit.settle()
        first, second = sorted(CASE_NUMBER.search(n).group(0) for n in fake.topics(STAFF_CHAT).values())
        # One case is acknowledged (moved on) before the tick: it is no longer overdue.
        await staff_says(fake, f"/verifikasi {second}")
        await fake.wait_bot_message(STAFF_CHAT, contains=text("id", "state.verifying"))

        # The next day's first tick lists what is overdue, in General.
        peluit.services.clock = at(NOON + timedelta(days=1))
        await bot.housekeeping.tick(peluit.services)
        await peluit.settle()
        (reminder,) = reminders(fake)
        assert "message_thread_id" not in reminder  # General, where everyone sees it
        assert first in body(reminder) and text("id", "sla.ack") in body(reminder)
        assert second not in body(reminder)
        assert reminder.get("has_protected_content")

        # Later ticks the same day post nothing new.
        mark = last_id(fake, STAFF_CHAT)
        for later in (timedelta(minutes=1), timedelta(hours=11)):
            peluit.services.clock = at(NOON + timedelta(days=1) + later)
            await bot.housekeeping.tick(peluit.services)
        await peluit.settle()
        assert [m for m in fake.bot_messages(STAFF_CHAT) if m["message_id"] > mark] == []

        # And the day after, it is reminded again while still overdue.
        peluit.services.clock = at(NOON + timedelta(days=2))
        await bot.housekeeping.tick(peluit.services)
        await peluit.settle()
        assert len(reminders(fake)) == 2 and first in body(reminders(fake)[-1])
        assert_clean(fake)


async def test_given_a_case_that_falls_overdue_after_the_days_first_tick_when_the_tick_runs_again_then_it_is_reminded(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url, PELUIT_ACK_DEADLINE_DAYS=0) as peluit:
        peluit.services.clock = at(NOON)
        await bot.housekeeping.tick(peluit.services)  # today's first tick: nothing overdue yet
        await file_report(Reporter(fake, 987650063))
        await peluit.settle()
        (name,) = fake.topics(STAFF_CHAT).values()

        peluit.services.clock = at(NOON + timedelta(minutes=1))  # now overdue (deadline 0 days)
        await bot.housekeeping.tick(peluit.services)
        await peluit.settle()
        assert len(reminders(fake)) == 1 and CASE_NUMBER.search(name).group(0) in body(reminders(fake)[0])
        assert_clean(fake)
