"""Issue 10, item 1: a ticket code never reaches staff. Whatever the reporter writes, pastes or
puts in a caption, in a draft, in an open case or with no case at all: a ticket code in it is a
status request, never relayed to the case topic and never stored as an answer. *Cek status* asks
for the code with a reply prompt. A chat that loses a case to `/status` elsewhere is told."""

from __future__ import annotations

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

REPORTER, OTHER_PHONE = 987650701, 987650702
WRONG = "7Q3M-9X2K-HB4T-0RVW"
QUESTION = "Apakah Anda masih menyimpan bukti transfernya?"
PLAIN = "Masih, saya sedang mempertimbangkan untuk mengirim tangkapan layarnya."
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def spellings(ticket: str) -> list[str]:
    bare = ticket.replace("-", "")
    return [ticket, bare.lower(), " ".join(ticket.split("-")), ticket.replace("0", "O").lower()]


def staff_side(fake) -> str:
    return " ".join(body(m) for m in fake.bot_messages(STAFF_CHAT))


def assert_never_shown_to_staff(fake, ticket: str) -> None:
    group = staff_side(fake).upper()
    for form in (ticket, ticket.replace("-", ""), " ".join(ticket.split("-"))):
        assert form.upper() not in group, form


async def open_case(fake, peluit, reporter: Reporter) -> tuple[str, str, int]:
    """A filed, announced case: (ticket, case number, topic id)."""
    ticket = await file_report(reporter)
    await peluit.settle()
    topic, name = next(iter(fake.topics(STAFF_CHAT).items()))
    return ticket, CASE_NUMBER.search(name).group(0), topic


async def test_given_cek_status_when_the_reporter_pastes_only_the_code_then_the_status_is_shown_and_nothing_is_relayed(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        ticket, number, topic = await open_case(fake, peluit, reporter)
        mark = last_id(fake, STAFF_CHAT)

        # Every way of asking: the menu button, the deep link and /status without a code.
        ways = ["button", "/start status", "/status"]
        for way, pasted in zip(ways, spellings(ticket), strict=False):
            if way == "button":
                await reporter.say("/start")
                await reporter.expect(button="m:status")
                await reporter.press("m:status")
            else:
                await reporter.say(way)
            prompt = await reporter.expect(snippet("status.ask_code"))
            # Then: a reply prompt (Telegram's ForceReply) asks for the code.
            force = fake.reply_keyboard(REPORTER)
            assert force and force.get("force_reply") is True, force
            assert force.get("input_field_placeholder") == text("id", "status.code_placeholder")
            # When: the reporter answers with nothing but the code, typed any way.
            await reporter.say(pasted, reply_to=prompt["message_id"])
            # Then: the case's status, and no answer is relayed.
            shown = body(await reporter.expect(snippet("status.show")))
            assert number in shown

        await peluit.settle()
        assert not any(m["message_id"] > mark for m in fake.bot_messages(STAFF_CHAT, topic)), \
            [body(m) for m in fake.bot_messages(STAFF_CHAT, topic) if m["message_id"] > mark]
        assert_never_shown_to_staff(fake, ticket)
        assert snippet("reporter.answer_sent") not in " ".join(body(m) for m in reporter.bot_messages())

        # A malformed answer to the prompt is explained and asked again, never relayed.
        await reporter.say("/status")
        await reporter.expect(snippet("status.ask_code"))
        await reporter.say("kodenya hilang, maaf")
        await reporter.expect(snippet("status.ask_again"))
        await peluit.settle()
        assert "kodenya hilang" not in staff_side(fake)
        assert_clean(fake)


async def test_given_an_open_case_when_the_reporter_writes_status_and_the_code_then_it_is_not_relayed(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        ticket, number, topic = await open_case(fake, peluit, reporter)
        await staff_says(fake, f"/tanya {QUESTION}", thread=topic)
        question = await reporter.expect(QUESTION)
        mark = last_id(fake, STAFF_CHAT)

        # When: the reporter answers the question with "status <code>".
        await reporter.say(f"status {ticket}", reply_to=question["message_id"])
        # Then: told why it went nowhere, and shown the status.
        await reporter.expect(snippet("status.code_not_relayed"))
        assert number in body(await reporter.expect(snippet("status.show")))
        # And: a code that matches no case, written the way codes are, is not relayed either.
        await reporter.say(f"ini kode saya {WRONG}, benar kan?")
        await reporter.expect(snippet("status.unknown_in_text"))

        # An ordinary answer with a 16-letter word (no digit, no dashes) still goes through.
        await reporter.say(PLAIN, reply_to=question["message_id"])
        await reporter.expect(snippet("reporter.answer_sent"))
        await next_in_group(fake, PLAIN, mark, thread=topic)
        await peluit.settle()
        assert_never_shown_to_staff(fake, ticket)
        assert WRONG not in staff_side(fake)
        assert_clean(fake)


async def test_given_a_draft_when_a_code_is_typed_in_a_step_then_it_is_not_saved_and_never_on_the_card(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        ticket, number, _ = await open_case(fake, peluit, reporter)

        await reporter.say("/lapor")
        await reporter.expect(button="i:cat:")
        await reporter.press("i:cat:")
        await reporter.expect(snippet("intake.ask_what"))
        # When: the code of the earlier case is typed as (part of) an answer.
        await reporter.say(f"Kode tiket saya {ticket.lower()} untuk laporan sebelumnya")
        await reporter.expect(snippet("status.code_not_relayed"))
        assert number in body(await reporter.expect(snippet("status.show")))
        # And: a wrong code, dashed as codes are, in the middle of a later step.
        for step in ("what", "who", "when", "where", "how"):
            if step == "who":
                await reporter.say(f"Lihat juga {WRONG}")
                await reporter.expect(snippet("status.unknown_in_text"))
            await reporter.say(REPORT[step])
            await reporter.expect(button="i:back:")  # the next question
        await reporter.press("i:done:")
        # The contact step too: a code there is neither sealed nor kept.
        await reporter.expect(button="i:contact:")
        await reporter.press("i:contact:")
        await reporter.expect(snippet("intake.ask_contact"))
        await reporter.say(f"hubungi saya lewat kode {ticket}")
        await reporter.expect(snippet("status.code_not_relayed"))
        await reporter.say("Telepon kantor, tanyakan Bu Ani di bagian umum")  # then the review

        # Then: the review shows the answers without the code, and so does the staff card.
        review = body(await reporter.expect(button="i:submit:"))
        assert ticket.lower() not in review.lower() and WRONG not in review
        assert REPORT["what"] in review
        await reporter.press("i:submit:")
        await reporter.expect(button="i:wipe:")
        await peluit.settle()
        assert len(fake.topics(STAFF_CHAT)) == 2
        assert_never_shown_to_staff(fake, ticket)
        assert WRONG not in staff_side(fake)
        assert_clean(fake)


async def test_given_another_chat_takes_the_case_with_its_code_then_the_old_chat_is_told(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        ticket, number, _ = await open_case(fake, peluit, reporter)

        # Checking from the same chat moves nothing and tells nothing.
        await reporter.say(f"/status {ticket}")
        await reporter.expect(snippet("status.show"))
        await peluit.settle()
        assert snippet("status.moved_away") not in " ".join(body(m) for m in reporter.bot_messages())

        # When: another chat uses the code.
        other = Reporter(fake, OTHER_PHONE)
        await other.say(f"/status {ticket}")
        await other.expect(snippet("status.show"))
        # Then: the old chat learns that the case is now followed elsewhere.
        told = body(await reporter.expect(snippet("status.moved_away")))
        assert number in told
        assert snippet("status.moved_away") not in " ".join(body(m) for m in other.bot_messages())
        await peluit.settle()

        async with peluit.services.db.uow() as uow:
            moves = [e for e in await uow.audit.for_case(number) if e.action == "route.moved"]
        assert len(moves) == 1 and moves[0].detail == ""
        assert_clean(fake)


async def test_given_a_caption_with_the_code_then_the_file_is_neither_kept_nor_relayed(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        ticket, number, topic = await open_case(fake, peluit, reporter)
        before = len(fake.bot_messages(STAFF_CHAT, topic))

        # When: a file arrives with the code in its caption (an open case, no draft).
        await fake.send_document(REPORTER, PDF, "bukti.pdf", "application/pdf",
                                 caption=f"bukti untuk {ticket}")
        # Then: the reporter is asked to send it again, and the status request is answered.
        await reporter.expect(snippet("status.file_not_kept"))
        assert number in body(await reporter.expect(snippet("status.show")))

        # And during a draft's evidence step: not kept either.
        await reporter.say("/lapor")
        await reporter.expect(button="i:cat:")
        await reporter.press("i:cat:")
        await reporter.expect(snippet("intake.ask_what"))
        for step in ("what", "who", "when", "where", "how"):
            await reporter.say(REPORT[step])
            question = await reporter.expect(button="i:back:")
        assert any(d.startswith("i:done:") for d in buttons(question))
        await fake.send_document(REPORTER, PDF, "bukti.pdf", "application/pdf",
                                 caption=ticket.replace("-", " "))
        await reporter.expect(snippet("status.file_not_kept"))
        await peluit.settle()
        assert snippet("intake.evidence_saved") not in " ".join(
            body(m) for m in reporter.bot_messages())

        assert len(fake.bot_messages(STAFF_CHAT, topic)) == before
        assert not [c for c in fake.calls_to("sendDocument")
                    if str(c.params.get("chat_id")) == str(STAFF_CHAT)]
        assert_never_shown_to_staff(fake, ticket)
        assert_clean(fake)
