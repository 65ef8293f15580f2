"""Issue 4, Show: a case's whole story between the staff group and an anonymous reporter, over
HTTP against the stand-in Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from bot.i18n import text
from tests.e2e.harness import (
    REPORT,
    STAFF,
    STAFF_CHAT,
    Reporter,
    buttons,
    file_report,
    first_words,
    running_peluit,
)

pytestmark = pytest.mark.e2e

REPORTER, SECOND_ACCOUNT = 987650021, 987650022
STAFF_NAME, STAFF_USERNAME = "Budi Santoso", "budi_inspektorat"
COLLEAGUE_NAME, COLLEAGUE_USERNAME = "Rina Wulandari", "rina_upg"
REPORTER_NAME, REPORTER_USERNAME = "Siti Aminah", "siti_saksi_kantor"
CASE_NUMBER = re.compile(r"\bWBS-\d{4}-\d{4,}\b")
TICKET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")

QUESTION_1 = "Apakah ada saksi lain yang melihat permintaan uang itu? Sebutkan jabatannya saja."
ANSWER_1 = "Ada, seorang staf loket pelayanan ikut mendengar. Nomor rekening tujuan masih saya simpan."
FOLLOW_UP = "Terima kasih. Staf loket itu bertugas di bagian apa?"
QUESTION_2 = "Kapan transfer itu (tanggal & jam), dan ke bank apa? <mohon sejelas mungkin>"
ANSWER_2 = "4 Maret 2025 jam 13.00 -> Bank Daerah, rekening a/n kerabat Kabid & adiknya <br>"
QUESTION_3 = "Terima kasih. Apakah permintaan serupa pernah terjadi sebelumnya?"
CONCLUSION = "Terbukti ada pungutan liar."
RECOMMENDATION = "hukuman disiplin berat bagi Kabid dan pengembalian uang kepada pemohon."
"""For leadership and staff only: the reporter is told the conclusion, never this."""


def snippet(key: str, lang: str = "id") -> str:
    """The first line of a catalog text as Telegram shows it (tags removed, before any {param})."""
    return first_words(lang, key)


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


def body(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


async def staff_says(fake, text_: str, *, user: int = STAFF[0], thread: int | None = None,
                     reply_to: int | None = None) -> dict:
    return await fake.send_text(user, text_, chat_id=STAFF_CHAT, thread_id=thread, reply_to=reply_to)


async def next_in_group(fake, contains: str, after: int, thread=...) -> dict:
    return await fake.wait_bot_message(STAFF_CHAT, contains=contains, after=after, thread_id=thread)


def last_id(fake, chat: int) -> int:
    return max((m["message_id"] for m in fake.messages(chat)), default=0)


async def test_given_a_filed_report_when_staff_and_reporter_talk_through_the_case_then_neither_learns_who_the_other_is(
    fake, tmp_path, database_url
):
    fake.add_user(STAFF[0], STAFF_NAME, username=STAFF_USERNAME)
    fake.add_user(STAFF[1], COLLEAGUE_NAME, username=COLLEAGUE_USERNAME)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        fake.add_user(REPORTER, REPORTER_NAME, username=REPORTER_USERNAME)
        ticket = await file_report(reporter)
        await peluit.settle()

        # Given: the case card in its own topic, named by case number and category only.
        (topic, topic_name), = fake.topics(STAFF_CHAT).items()
        number = CASE_NUMBER.search(topic_name).group(0)
        category = text("id", "category.korupsi")
        assert topic_name == f"{number} · {category} · 📝 {text('id', 'state.received')}"
        card = fake.bot_messages(STAFF_CHAT, thread_id=topic)[0]
        assert number in body(card) and REPORT["what"] in body(card) and REPORT["how"] in body(card)
        assert ticket not in body(card) and ticket not in topic_name
        assert any(d.startswith("c:verify:") for d in buttons(card))

        # When: a staff member replies to the card.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, QUESTION_1, thread=topic, reply_to=card["message_id"])
        # Then: the reporter gets it from "Petugas WBS", tagged with the case, and no staff name.
        question = await reporter.expect(QUESTION_1)
        assert "Petugas WBS" in body(question) and number in body(question)
        confirmation = await next_in_group(fake, snippet("staff.relayed"), mark, thread=topic)
        assert number in body(confirmation)

        # When: the reporter answers by replying to that question.
        mark = last_id(fake, STAFF_CHAT)
        await reporter.say(ANSWER_1, reply_to=question["message_id"])
        await reporter.expect(snippet("reporter.answer_sent"))
        # Then: the answer appears in the case topic, labelled as the reporter, without identity.
        answer = await next_in_group(fake, ANSWER_1, mark, thread=topic)
        assert "Pelapor" in body(answer) and number in body(answer)
        # Replying to the reporter's answer relays too (it is a message of the case).
        await staff_says(fake, FOLLOW_UP, user=STAFF[1], thread=topic, reply_to=answer["message_id"])
        follow_up = await reporter.expect(FOLLOW_UP)
        assert "Petugas WBS" in body(follow_up) and number in body(follow_up)

        # When: staff press "verify" on the card. Then: the reporter is told; the group sees it.
        mark = last_id(fake, STAFF_CHAT)
        await fake.press(STAFF[1], card, f"c:verify:{card_case_id(card)}")
        verified = await reporter.expect(snippet("reporter.status.verifying").split(":")[0])
        assert number in body(verified) and text("id", "state.verifying") in body(verified)
        # The card itself shows the move and the moves allowed now (no receipt for a press).
        await fake.wait_for(lambda: any(
            d.startswith("c:clarify:") for m in fake.messages(STAFF_CHAT)
            if m["message_id"] == card["message_id"] for d in buttons(m)))

        # When: a staff member asks with /tanya inside the topic. Then: relayed and confirmed.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/tanya {QUESTION_2}", thread=topic)
        question_2 = await reporter.expect(QUESTION_2)
        assert "/tanya" not in body(question_2) and number in body(question_2)
        await next_in_group(fake, snippet("staff.relayed"), mark, thread=topic)

        # When: someone holding the ticket checks the status from another, brand-new account.
        second = Reporter(fake, SECOND_ACCOUNT)
        fake.add_user(SECOND_ACCOUNT, "Akun Baru", username="akun_baru_sekali")
        await second.say(f"/status {ticket.lower()}")
        # Then: status, a short timeline and the question waiting for an answer.
        shown = body(await second.expect(number))
        assert text("id", "state.verifying") in shown
        for step in ("timeline.submitted", "timeline.question", "timeline.answer"):
            assert text("id", step) in shown, step
        assert QUESTION_2 in shown and QUESTION_1 not in shown

        # When: the new account answers with a plain message (no reply), and says it is for
        # the officer when asked.
        mark = last_id(fake, STAFF_CHAT)
        await second.say(ANSWER_2)
        asked = await second.expect(snippet("reporter.ask_relay").split("{")[0][:30],
                                    button="m:held:send")
        assert number in body(asked)
        await second.press("m:held:send", in_message=asked)
        await second.expect(snippet("reporter.answer_sent"))
        # Then: it reaches the case topic, and the conversation now continues from that account.
        await next_in_group(fake, ANSWER_2, mark, thread=topic)
        await staff_says(fake, f"/tanya {number} {QUESTION_3}")  # from General, no topic
        await second.expect(QUESTION_3)
        general_ok = await next_in_group(fake, snippet("staff.relayed"), mark, thread=None)
        assert number in body(general_ok)

        # When: staff move verify -> clarify -> concluded, the conclusion written with the command.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/klarifikasi", thread=topic)
        await second.expect(text("id", "state.clarification"))
        await next_in_group(fake, text("id", "state.clarification"), mark, thread=topic)
        await staff_says(fake, f"/selesai {number} {CONCLUSION} Rekomendasi: {RECOMMENDATION}")
        # Then: the reporter (on the new account) gets the conclusion text, not the
        # recommendation (that is for leadership).
        concluded = await second.expect(CONCLUSION)
        assert number in body(concluded) and text("id", "state.concluded") in body(concluded)
        await next_in_group(fake, text("id", "state.concluded"), mark)
        await peluit.settle()

        # Neither side learned who the other is; staff copies are protected.
        reporter_side = " ".join(body(m) for m in reporter.bot_messages() + second.bot_messages())
        for secret in (STAFF_NAME, STAFF_USERNAME, COLLEAGUE_NAME, COLLEAGUE_USERNAME,
                       *map(str, STAFF), RECOMMENDATION):
            assert secret not in reporter_side, secret
        group = fake.bot_messages(STAFF_CHAT)
        group_side = " ".join(body(m) for m in group) + " ".join(fake.topics(STAFF_CHAT).values())
        for secret in (REPORTER_NAME, REPORTER_USERNAME, str(REPORTER), str(SECOND_ACCOUNT),
                       "akun_baru_sekali", "Akun Baru", ticket, ticket.replace("-", "")):
            assert secret not in group_side, secret
        assert group and all(m.get("has_protected_content") for m in group)
        # The old account heard nothing after the new one took over.
        assert QUESTION_3 not in " ".join(body(m) for m in reporter.bot_messages())
        assert CONCLUSION not in " ".join(body(m) for m in reporter.bot_messages())
        assert_clean(fake)


def card_case_id(card: dict) -> str:
    data = next(d for d in buttons(card) if d.startswith("c:verify:"))
    return data.split(":", 2)[2]



async def _talk_without_topics(fake, tmp_path, database_url) -> tuple[dict, dict]:
    """In a staff group without topics: a question by reply, /tanya's usage, and the answer
    (returns the card and the answer as posted in the group)."""
    fake.add_group(STAFF_CHAT, "Tim WBS Inspektorat", forum=False, members=STAFF)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter)
        await peluit.settle()
        assert fake.topics(STAFF_CHAT) == {}
        card = fake.bot_messages(STAFF_CHAT)[0]
        number = CASE_NUMBER.search(body(card)).group(0)

        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, QUESTION_1, reply_to=card["message_id"])
        question = await reporter.expect(QUESTION_1)
        assert number in body(question)
        await next_in_group(fake, snippet("staff.relayed"), mark)
        await staff_says(fake, f"/tanya {QUESTION_2}")  # no topic, no number: how to use it
        await next_in_group(fake, snippet("staff.usage_tanya"), mark)
        await staff_says(fake, "Internal: ini tidak diteruskan.")

        await reporter.say(ANSWER_1, reply_to=question["message_id"])
        answer = await next_in_group(fake, ANSWER_1, mark)
        assert number in body(answer)
        await peluit.settle()
        assert QUESTION_2 not in " ".join(body(m) for m in reporter.bot_messages())
        assert "Internal" not in " ".join(body(m) for m in reporter.bot_messages())
        assert_clean(fake)
        return card, answer


async def test_given_a_staff_group_without_topics_when_staff_ask_by_reply_then_the_conversation_works_in_the_group(
    fake, tmp_path, database_url
):
    card, answer = await _talk_without_topics(fake, tmp_path, database_url)
    assert "message_thread_id" not in card and "message_thread_id" not in answer


async def test_given_a_staff_group_without_topics_when_the_reporter_answers_then_the_answer_replies_to_the_card(
    fake, tmp_path, database_url
):
    card, answer = await _talk_without_topics(fake, tmp_path, database_url)
    assert (answer.get("reply_to_message") or {}).get("message_id") == card["message_id"]
