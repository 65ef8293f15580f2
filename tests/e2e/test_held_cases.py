"""Issue 10, item 7: with PELUIT_NEW_CASE_DELAY_MAX_MINUTES set, a new case is invisible to staff
in every view (/kasus, /statistik, /cari, /tanya, the move commands) until its announcement time;
afterwards every view sees it. Time is compressed through the application's clock."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import text
from flows import reporting
from tests.e2e.harness import STAFF_CHAT, Reporter, file_report, running_peluit
from tests.e2e.test_staff_journey import (
    assert_clean,
    body,
    last_id,
    next_in_group,
    snippet,
    staff_says,
)

pytestmark = pytest.mark.e2e

REPORTER = 987650711
QUESTION = "Apakah kejadian ini pernah dilaporkan ke atasan langsung?"


def visible(message: dict) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", body(message)))


async def staff_asks(fake, command: str, expect_key: str) -> str:
    """A staff command in the group's General thread, and the bot's answer (as shown)."""
    mark = last_id(fake, STAFF_CHAT)
    await staff_says(fake, command)
    return visible(await next_in_group(fake, snippet(expect_key), mark))


async def statistics_total(fake) -> int:
    """/statistik in the group's General thread: the chart arrives as a photo, its counts in the
    caption; the total of cases received this month, read from the caption's total line."""
    mark = last_id(fake, STAFF_CHAT)
    await staff_says(fake, "/statistik")
    title = text("id", "report.chart.title").split("{")[0].strip()
    chart = await next_in_group(fake, title, mark)
    assert "photo" in chart and chart.get("has_protected_content") is True
    pattern = re.escape(text("id", "report.chart.total")).replace(r"\{count\}", r"(\d+)")
    found = re.search(pattern, body(chart))
    assert found, body(chart)
    return int(found.group(1))


async def test_given_a_held_new_case_then_no_staff_view_sees_it_until_its_announcement(
    fake, tmp_path, database_url, monkeypatch
):
    # The longest delay the setting allows (no chance of a zero delay): about an hour.
    monkeypatch.setattr(reporting.secrets, "randbelow", lambda n: n - 1)
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_NEW_CASE_DELAY_MAX_MINUTES=60) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter)
        number = f"WBS-{datetime.now(UTC).year}-0001"

        # Within seconds of submitting: no view shows or reaches the case.
        assert number not in await staff_asks(fake, "/kasus", "staff.no_open_cases")
        assert await statistics_total(fake) == 0
        await staff_asks(fake, f"/cari {number}", "staff.unknown_case")
        await staff_asks(fake, f"/tanya {number} {QUESTION}", "staff.unknown_case")
        await staff_asks(fake, f"/verifikasi {number}", "staff.unknown_case")
        await staff_asks(fake, f"/tolak {number} bukan kewenangan kami", "staff.unknown_case")
        assert QUESTION not in " ".join(body(m) for m in reporter.bot_messages())
        assert not any(number in body(m) for m in fake.bot_messages(STAFF_CHAT))

        # After its announcement time, every view sees it.
        peluit.services.clock = lambda: datetime.now(UTC) + timedelta(minutes=61)
        assert number in await staff_asks(fake, "/kasus", "staff.open_cases")
        assert await statistics_total(fake) == 1
        assert number in await staff_asks(fake, f"/cari {number}", "staff.card")
        await staff_asks(fake, f"/tanya {number} {QUESTION}", "staff.relayed")
        await reporter.expect(QUESTION)
        await staff_asks(fake, f"/verifikasi {number}", "staff.moved")
        assert_clean(fake)
