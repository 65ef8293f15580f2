"""Telegram misbehaves: a fifth of all Bot API calls answer 429 (retry_after) or 502; the Bot
API is gone for ten minutes; the bot is removed from the staff group and added back. Every
report, card, question and answer must still arrive, exactly once, in order per chat."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

from tests.e2e.delivery_support import FastClock, drained, parked, to_review
from tests.e2e.harness import REPORT, STAFF, STAFF_CHAT, Reporter, file_report, running_peluit
from tests.e2e.test_staff_journey import snippet

REPORTERS = (987650301, 987650302, 987650303)
TICKET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def texts(fake, chat_id: int, thread_id=...) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in fake.bot_messages(chat_id, thread_id)]


async def test_given_flaky_telegram_when_many_reporters_and_staff_work_then_everything_arrives_once_in_order(
    fake, tmp_path, database_url
):
    fake.inject_faults(0.2, retry_after=1, kinds=("429", "502"), seed=7)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporters = [Reporter(fake, uid) for uid in REPORTERS]
        for r in reporters:
            r.timeout = 40
        answers = [{**REPORT, "what": f"{REPORT['what']} (laporan {i})"} for i in range(len(reporters))]
        tickets = await asyncio.gather(*(file_report(r, a) for r, a in zip(reporters, answers, strict=True)))
        await peluit.settle(60)

        topics = fake.topics(STAFF_CHAT)
        assert len(topics) == len(reporters)
        for thread_id in topics:
            cards = [t for t in texts(fake, STAFF_CHAT, thread_id) if "(laporan" in t]
            assert len(cards) == 1, cards  # exactly one card per case, nothing twice

        # Staff ask every reporter a question; every reporter answers.
        for index, thread_id in enumerate(sorted(topics)):
            await fake.send_text(STAFF[0], f"/tanya Pertanyaan nomor {index}?", chat_id=STAFF_CHAT,
                                 thread_id=thread_id)
        for r in reporters:
            question = await r.expect("Pertanyaan nomor", timeout=60)
            await r.say("Jawaban saya: " + str(r.user_id), reply_to=question["message_id"])
        for r in reporters:
            await fake.wait_bot_message(STAFF_CHAT, contains=f"Jawaban saya: {r.user_id}", timeout=60)
        await peluit.settle(60)
    fake.clear_faults()

    assert any(c.status in (429, 502) for c in fake.calls), "faults were injected"
    for r, ticket in zip(reporters, tickets, strict=True):
        chat = texts(fake, r.user_id)
        assert sum(TICKET.findall(t) == [ticket] for t in chat) == 1  # the ticket shown once
        assert sum("Pertanyaan nomor" in t for t in chat) == 1  # the question arrived once
        # In order: every question the intake asked comes before the review, the review
        # before the ticket, the ticket before the staff question.
        review = next(i for i, t in enumerate(chat) if REPORT["who"] in t)
        ticket_at = next(i for i, t in enumerate(chat) if ticket in t)
        question_at = next(i for i, t in enumerate(chat) if "Pertanyaan nomor" in t)
        assert review < ticket_at < question_at
    staff_text = "\n".join(texts(fake, STAFF_CHAT))
    for r in reporters:
        assert staff_text.count(f"Jawaban saya: {r.user_id}") == 1  # each answer exactly once
    assert fake.rejected == []
    assert not fake.calls_to("forwardMessage")


OUTAGE_REPORTER = 987650311
LATE_REPORTERS = (987650312, 987650313)


async def test_given_a_ten_minute_bot_api_outage_when_a_report_is_submitted_during_it_then_nothing_is_lost(
    fake, tmp_path, database_url
):
    """Ten minutes of a dead Bot API (proxy 502s, 401/404 answers, HTML and non-JSON pages), on
    the sender's clock running 30 times faster than real time, with a 60 s backoff cap."""
    async with running_peluit(fake, tmp_path, database_url, PELUIT_DELIVERY_BACKOFF_CAP_SECONDS=60,
                              PELUIT_OUTBOX_LEASE_SECONDS=5) as peluit:
        clock = FastClock(speed=30)
        peluit.services.sender.clock = clock
        reporter = Reporter(fake, OUTAGE_REPORTER)
        reporter.timeout = 30
        await to_review(reporter)
        seen = len(fake.calls)

        fake.inject_faults(1.0, kinds=("502", "401", "404", "404html", "200html"), seed=10)
        began = clock()
        await reporter.press("i:submit:")
        await fake.wait_for(lambda: clock() - began >= timedelta(minutes=10), 60)
        during = [c for c in fake.calls[seen:] if c.method not in ("getUpdates", "getMe")]
        fake.clear_faults()

        ticket_message = await reporter.expect(button="i:wipe:")
        await fake.wait_bot_message(STAFF_CHAT, contains=REPORT["what"], timeout=30)
        await peluit.settle(30)

    tries = [c for c in during if c.method == "sendMessage" and c.params.get("chat_id") == OUTAGE_REPORTER]
    assert len(tries) > 12, len(tries)  # more than the twelve attempts it once gave up after
    assert {c.status for c in during} >= {502, 401, 404, 200}
    assert not [c for c in during if c.status == 200 and c.response.get("ok")]  # nothing got through
    ticket = TICKET.search(ticket_message["text"]).group(0)
    assert sum(ticket in t for t in texts(fake, OUTAGE_REPORTER)) == 1
    (topic,) = fake.topics(STAFF_CHAT)
    cards = [t for t in texts(fake, STAFF_CHAT, topic) if REPORT["what"] in t]
    assert len(cards) == 1 and ticket not in cards[0]
    assert fake.rejected == []


async def test_given_the_bot_removed_from_the_staff_group_when_reports_arrive_then_they_wait_and_arrive_once_when_it_is_back(
    fake, tmp_path, database_url, caplog
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        first = Reporter(fake, REPORTERS[0])
        await file_report(first, {**REPORT, "what": f"{REPORT['what']} (laporan 0)"})
        await peluit.settle()

        # An admin removes the bot from the staff group.
        await fake.change_member(STAFF_CHAT, fake.bot_id, "kicked", by=STAFF[0])
        later = [Reporter(fake, uid) for uid in LATE_REPORTERS]
        tickets = await asyncio.gather(*(
            file_report(r, {**REPORT, "what": f"{REPORT['what']} (laporan {i + 1})"})
            for i, r in enumerate(later)))  # reporters are still answered meanwhile
        await first.say("Jawaban saya: 987650301")
        await first.press("m:held:send", in_message=await first.expect(button="m:held:send"))
        await first.expect(snippet("reporter.answer_sent"))
        await fake.wait_for(lambda: "staff_unreachable" in peluit.services.health.problems(), 20)
        await peluit.settle()
        assert len(await parked(peluit)) >= 5  # 2 topics, 2 cards, 1 answer (at least)

        # Added back as a plain member: a forum needs an admin who may manage topics.
        probes = len(fake.calls_to("getChatMember"))
        await fake.change_member(STAFF_CHAT, fake.bot_id, "member", by=STAFF[0])
        await fake.wait_for(lambda: len(fake.calls_to("getChatMember")) > probes, 20)
        await peluit.settle()
        assert len(fake.topics(STAFF_CHAT)) == 1 and await parked(peluit)
        assert "staff_unreachable" in peluit.services.health.problems()

        # Made an administrator again: everything that waited goes out, once, in order.
        await fake.change_member(STAFF_CHAT, fake.bot_id, "administrator", by=STAFF[0])
        await fake.wait_for(lambda: drained(peluit), 30)
        assert peluit.services.health.ok

    topics = fake.topics(STAFF_CHAT)
    assert len(topics) == 3
    for thread_id in topics:
        cards = [t for t in texts(fake, STAFF_CHAT, thread_id) if "(laporan" in t]
        assert len(cards) == 1, cards
    staff_text = "\n".join(texts(fake, STAFF_CHAT))
    assert staff_text.count("Jawaban saya: 987650301") == 1
    for r, ticket in zip(later, tickets, strict=True):
        assert sum(ticket in t for t in texts(fake, r.user_id)) == 1
    assert any(r.levelno == logging.ERROR and "staff.unreachable" in r.getMessage()
               for r in caplog.records)
    refused = {c.description for c in fake.rejected}
    assert refused and all("kicked" in d or "not enough rights" in d for d in refused), refused
