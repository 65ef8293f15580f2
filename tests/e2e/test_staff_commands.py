"""Issue 4, Show: the staff commands (/kasus, /cari, /statistik) and what staff are told when a
message cannot reach the reporter or the case's topic is gone."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import text
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, file_report, running_peluit
from tests.e2e.test_staff_journey import (
    CASE_NUMBER,
    assert_clean,
    body,
    last_id,
    next_in_group,
    snippet,
    staff_says,
)

pytestmark = pytest.mark.e2e

OLD_REPORTER, NEW_REPORTER = 987650041, 987650042
QUESTION = "Apakah Anda masih menyimpan bukti chat WhatsApp itu?"
ANSWER = "Masih, tangkapan layarnya saya simpan di ponsel lama."


def case_of(fake, topic_name_part: str) -> tuple[int, str]:
    """(topic id, case number) of the topic whose name contains `topic_name_part`."""
    topic, name = next((t, n) for t, n in fake.topics(STAFF_CHAT).items() if topic_name_part in n)
    return topic, CASE_NUMBER.search(name).group(0)


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def shifted_clock(days: float):
    return lambda: datetime.now(UTC) + timedelta(days=days)


def expected_rejections(fake, *descriptions: str) -> list:
    """Refusals the scenario provokes on purpose; anything else is a bug."""
    unexpected = [c for c in fake.rejected if not any(d in c.description for d in descriptions)]
    assert unexpected == [], [(c.method, c.description) for c in unexpected]
    assert not fake.calls_to("forwardMessage")
    return [c for c in fake.rejected if c not in unexpected]


async def test_given_open_and_closed_cases_when_staff_list_find_and_count_then_they_see_each_as_it_stands(
    fake, tmp_path, database_url
):
    korupsi, maladministrasi = text("id", "category.korupsi"), text("id", "category.maladministrasi")
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        # Given: a corruption report filed ten days ago (past the 7-day acknowledgement), a
        # maladministration report filed today, and an older one already forwarded (closed).
        peluit.services.clock = shifted_clock(-12)
        await file_report(Reporter(fake, 987650043), category=0)
        peluit.services.clock = shifted_clock(-10)
        await file_report(Reporter(fake, OLD_REPORTER), category=0)
        peluit.services.clock = shifted_clock(0)
        await file_report(Reporter(fake, NEW_REPORTER), category=2)
        await peluit.settle()
        numbers = sorted(CASE_NUMBER.search(n).group(0) for n in fake.topics(STAFF_CHAT).values())
        closed, old, new = numbers
        await staff_says(fake, f"/verifikasi {closed}")
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/teruskan {closed} Kejaksaan Negeri, karena ada unsur pidana.")
        await next_in_group(fake, text("id", "state.forwarded"), mark)

        # /kasus: open cases only, oldest first, each with its age and deadline state.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/kasus")
        listing = body(await next_in_group(fake, snippet("staff.open_cases"), mark, thread=None))
        lines = [line for line in listing.splitlines() if CASE_NUMBER.search(line)]
        assert [CASE_NUMBER.search(line).group(0) for line in lines] == [old, new], listing
        assert korupsi in lines[0] and "10 hari" in lines[0]
        assert text("id", "sla.ack") in lines[0]
        assert maladministrasi in lines[1] and "0 hari" in lines[1]
        assert text("id", "sla.ack") not in lines[1]
        assert all(text("id", "state.received") in line for line in lines)
        assert closed not in listing

        # /cari <number> from General: the card again, there, with its buttons.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/cari {old}")
        card = await next_in_group(fake, REPORT["what"], mark, thread=None)
        assert old in body(card) and korupsi in body(card)
        assert any(d.startswith("c:verify:") for d in buttons(card))
        # /cari inside a case's topic needs no number; an unknown number gets a calm answer.
        topic, _number = case_of(fake, new)
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/cari", thread=topic)
        again = await next_in_group(fake, REPORT["who"], mark, thread=topic)
        assert new in body(again) and maladministrasi in body(again)
        await staff_says(fake, "/cari WBS-2026-9999")
        await next_in_group(fake, snippet("staff.unknown_case"), mark, thread=None)

        # /statistik: the chart of this month, its counts as the caption, closed cases included.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/statistik 30")
        chart = await next_in_group(fake, text("id", "report.chart.total").format(count=3), mark,
                                    thread=None)
        stats = body(chart)
        for label, count in ((text("id", "state.received"), 2), (text("id", "state.forwarded"), 1),
                             (korupsi, 2), (maladministrasi, 1)):
            assert f"{label}: {count}" in stats, (label, stats)
        assert f"{text('id', 'state.concluded')}: 0" in stats  # every status, zeros too
        await peluit.settle()
        assert_clean(fake)


async def test_given_a_reporter_who_blocked_the_bot_when_staff_ask_then_the_group_is_told_they_cannot_be_reached(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, OLD_REPORTER)
        await file_report(reporter)
        await peluit.settle()
        topic, number = case_of(fake, "WBS-")
        fake.block_bot(OLD_REPORTER)

        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/tanya {QUESTION}", thread=topic)
        told = await next_in_group(fake, snippet("staff.reporter_unreachable"), mark, thread=topic)
        assert number in body(told)
        await peluit.settle()
        assert QUESTION not in " ".join(body(m) for m in reporter.bot_messages())
        refused = expected_rejections(fake, "bot was blocked by the user")
        assert refused and all(c.params["chat_id"] == OLD_REPORTER for c in refused)


async def test_given_a_deleted_case_topic_when_the_next_message_for_the_case_arrives_then_a_new_topic_holds_it(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, OLD_REPORTER)
        await file_report(reporter)
        await peluit.settle()
        (old_topic, name), = fake.topics(STAFF_CHAT).items()
        number = CASE_NUMBER.search(name).group(0)
        fake.delete_topic(STAFF_CHAT, old_topic)

        await reporter.say(ANSWER)
        await reporter.press("m:held:send", in_message=await reporter.expect(button="m:held:send"))
        await reporter.expect(snippet("reporter.answer_sent"))
        await fake.wait_for(lambda: fake.topics(STAFF_CHAT))
        (new_topic, new_name), = fake.topics(STAFF_CHAT).items()
        assert new_topic != old_topic and new_name == name
        await fake.wait_bot_message(STAFF_CHAT, contains=ANSWER, thread_id=new_topic)
        await fake.wait_bot_message(STAFF_CHAT, contains=snippet("staff.topic_recreated"),
                                    thread_id=new_topic)
        card = await fake.wait_bot_message(STAFF_CHAT, contains=REPORT["what"], thread_id=new_topic)
        assert number in body(card)

        # The conversation goes on in the new topic: a reply to the re-posted card relays.
        await peluit.settle()  # the card is recorded as sent (a person reads before replying)
        await staff_says(fake, QUESTION, thread=new_topic, reply_to=card["message_id"])
        await reporter.expect(QUESTION)
        await fake.wait_bot_message(STAFF_CHAT, contains=snippet("staff.relayed"), thread_id=new_topic)
        await peluit.settle()
        expected_rejections(fake, "message thread not found")
