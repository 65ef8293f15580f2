"""Telegram misbehaves: a fifth of all Bot API calls answer 429 (retry_after) or 502.
Every report, card, question and answer must still arrive, exactly once, in order per chat."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.harness import REPORT, STAFF, STAFF_CHAT, Reporter, file_report, running_peluit

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
