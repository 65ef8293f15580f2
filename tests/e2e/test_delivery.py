"""Issue 10, items 2 and 5 and the lower delivery items: what the sender does when the Bot API
answers something other than "ok" — retry what may pass, give up only on Telegram's definite
answers, never resend what Telegram accepted, never drop what is meant for staff."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.models import EvidenceRow
from tests.e2e.delivery_support import FastClock, drained, outbox_rows, parked, to_review
from tests.e2e.harness import (
    REPORT,
    STAFF,
    STAFF_CHAT,
    Reporter,
    file_report,
    running_peluit,
    send_evidence,
)
from tests.e2e.test_intake_bad_input import evidence_to_review, to_evidence
from tests.e2e.test_staff_commands import case_of, expected_rejections
from tests.e2e.test_staff_journey import body, last_id, next_in_group, snippet, staff_says

pytestmark = pytest.mark.e2e

REPORTER = 987650601
QUESTION = "Apakah Anda masih menyimpan bukti transfernya?"
ANSWER = "Masih, bukti transfer ada di ponsel saya."
SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto", "createForumTopic", "getChat"}


def sent_to(fake, chat_id: int, contains: str) -> list[dict]:
    return [m for m in fake.bot_messages(chat_id) if contains in body(m)]


async def test_given_a_proxy_answering_401_404_html_and_non_json_when_a_question_is_relayed_then_it_arrives_once_after(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_DELIVERY_BACKOFF_CAP_SECONDS=0.5) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter)
        await peluit.settle()
        topic, _number = case_of(fake, "WBS-")

        # A proxy (or a Telegram incident) answers every sendMessage with something that is not
        # Telegram's definite word: 401/404 JSON, an HTML 404, a 200 that is not JSON.
        fake.inject_faults(1.0, kinds=("401", "404", "404html", "200html"), seed=11,
                           methods={"sendMessage"})
        await staff_says(fake, f"/tanya {QUESTION}", thread=topic)

        def refused() -> list:
            return [c for c in fake.calls_to("sendMessage")
                    if c.params.get("chat_id") == REPORTER and not c.response.get("ok")]
        await fake.wait_for(lambda: {c.status for c in refused()} == {200, 401, 404}
                            and len(refused()) >= 8, 30)
        fake.clear_faults()

        await reporter.expect(QUESTION, timeout=20)
        await peluit.settle()
        assert len(sent_to(fake, REPORTER, QUESTION)) == 1
        assert not sent_to(fake, STAFF_CHAT, snippet("staff.reporter_unreachable"))
    assert fake.rejected == []


@pytest.mark.parametrize("garbled", ["sendDocument", "sendMessage"])
async def test_given_telegram_accepts_a_message_when_its_answer_cannot_be_parsed_then_it_is_recorded_as_sent_not_sent_again(
    fake, tmp_path, database_url, caplog, garbled
):
    caplog.set_level(logging.INFO, logger="peluit")
    async with running_peluit(fake, tmp_path, database_url, PELUIT_OUTBOX_LEASE_SECONDS=1) as peluit:
        reporter = Reporter(fake, REPORTER)
        if garbled == "sendDocument":  # a file: python-telegram-bot reads the answer
            await to_evidence(reporter)
            await send_evidence(reporter, b"%PDF-1.4 bukti transfer", "bukti.pdf", "application/pdf")
            await evidence_to_review(reporter)
        else:  # a text: only its message id is read from the answer (bot/delivery.py post)
            await to_review(reporter)
        # Telegram posts it into the staff group, but the answer has a field
        # python-telegram-bot cannot read.
        fake.garble_answers(garbled, 1, chat_id=STAFF_CHAT)
        await reporter.press("i:submit:")
        await reporter.expect(button="i:wipe:")
        card = await fake.wait_bot_message(STAFF_CHAT, contains=REPORT["what"])
        await peluit.settle()

        # Staff reply to that card: it is linked to its case, so the question reaches the reporter.
        await staff_says(fake, QUESTION, reply_to=card["message_id"], thread=card["message_thread_id"])
        await reporter.expect(QUESTION)
        await peluit.settle()  # nothing left to send (or to send again)
        assert len(sent_to(fake, STAFF_CHAT, REPORT["what"])) == 1
        if garbled == "sendDocument":
            assert len([m for m in fake.bot_messages(STAFF_CHAT) if "document" in m]) == 1
    if garbled == "sendDocument":
        assert "sender.unparsed_answer" in caplog.text
    else:  # nothing failed to read: the answer's date is not read at all
        assert "sender.unparsed_answer" not in caplog.text
    assert fake.rejected == []


async def test_given_a_delivery_failing_with_an_unexpected_error_when_tried_a_few_times_then_it_is_parked_and_its_lane_moves_on(
    fake, tmp_path, database_url, caplog
):
    caplog.set_level(logging.INFO, logger="peluit")
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_DELIVERY_BACKOFF_CAP_SECONDS=0.2) as peluit:
        reporter = Reporter(fake, REPORTER)
        await to_evidence(reporter)
        answer = await send_evidence(reporter, b"%PDF-1.4 bukti transfer", "bukti.pdf",
                                     "application/pdf")
        assert snippet("intake.evidence_saved") in answer["text"]
        # The stored file is damaged (a bad disk, a bug): it cannot be decrypted for staff.
        async with peluit.services.db.uow() as uow:
            await uow.session.execute(update(EvidenceRow).values(data_enc=b"\x00damaged"))
            await uow.commit()
        await evidence_to_review(reporter)
        await reporter.press("i:submit:")
        await reporter.expect(button="i:wipe:")
        await fake.wait_bot_message(STAFF_CHAT, contains=REPORT["what"])

        # The next message in the same lane (the case's staff topic) is not held back.
        await reporter.say(ANSWER)
        await reporter.press("m:held:send", in_message=await reporter.expect(button="m:held:send"))
        await fake.wait_bot_message(STAFF_CHAT, contains=ANSWER, timeout=20)
        await peluit.settle()
        (stuck,) = await parked(peluit)
        assert (stuck.parked_for, stuck.errors) == ("error", 3)
        assert stuck.payload_enc and stuck.target_enc  # kept, not wiped
        assert "delivery_parked" in peluit.services.health.problems()
    assert not fake.calls_to("sendDocument")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "peluit.sender"]
    assert any("sender.parked" in r.getMessage() and "DecryptionError" in r.getMessage()
               for r in errors), [r.getMessage() for r in errors]
    assert fake.rejected == []


async def test_given_a_reporter_who_deleted_their_account_when_staff_ask_then_the_group_is_told_they_cannot_be_reached(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter)
        await peluit.settle()
        topic, number = case_of(fake, "WBS-")
        fake.delete_account(REPORTER)

        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/tanya {QUESTION}", thread=topic)
        told = await next_in_group(fake, snippet("staff.reporter_unreachable"), mark, thread=topic)
        assert number in body(told)
        await peluit.settle()
    refused = expected_rejections(fake, "chat not found")
    assert refused and all(c.params["chat_id"] == REPORTER for c in refused)


async def test_given_messages_undeliverable_past_the_horizon_then_staff_bound_ones_wait_and_reporter_bound_ones_are_given_up(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url, PELUIT_DELIVERY_HORIZON_DAYS=1,
                              PELUIT_DELIVERY_BACKOFF_CAP_SECONDS=1) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter)
        await peluit.settle()
        topic, number = case_of(fake, "WBS-")

        # An earlier question: the reporter's reply to it goes to staff at once (no asking).
        await staff_says(fake, "/tanya Ada yang ingin ditambahkan?", thread=topic)
        earlier = await reporter.expect("Ada yang ingin ditambahkan?")
        await peluit.settle()

        # Telegram refuses every message (502) for longer than the horizon: two days pass at once.
        fake.inject_faults(1.0, kinds=("502",), methods={"sendMessage"})
        peluit.services.sender.clock = FastClock(jump=timedelta(days=2))
        await staff_says(fake, f"/tanya {QUESTION}", thread=topic)  # for the reporter
        await reporter.say(ANSWER, reply_to=earlier["message_id"])  # for staff
        await fake.wait_for(lambda: "staff_unreachable" in peluit.services.health.problems(), 20)

        async def settled_while_down() -> bool:
            rows = await outbox_rows(peluit)
            return bool(rows) and all(r.status in ("parked", "failed") for r in rows)
        await fake.wait_for(settled_while_down, 20)
        rows = await outbox_rows(peluit)
        given_up = [r for r in rows if r.status == "failed"]
        assert given_up and all(r.payload_enc == b"" for r in given_up)
        assert all(r.parked_for == "staff" and r.payload_enc for r in rows if r.status == "parked")

        fake.clear_faults()
        await fake.wait_for(lambda: drained(peluit), 30)
        told = await fake.wait_bot_message(STAFF_CHAT, contains=snippet("staff.reporter_unreachable"),
                                           thread_id=topic)
        assert number in body(told)
        await fake.wait_bot_message(STAFF_CHAT, contains=ANSWER, thread_id=topic)
        assert "staff_unreachable" not in peluit.services.health.problems()
    assert not sent_to(fake, REPORTER, QUESTION)  # given up after the horizon, staff were told


BASIC_GROUP, SUPERGROUP = -4987650600, -1004987650600


async def test_given_the_staff_group_upgraded_to_a_supergroup_when_cards_cannot_go_out_then_they_wait_for_the_new_id(
    fake, tmp_path, database_url, caplog
):
    fake.add_group(BASIC_GROUP, "Tim WBS", forum=False, members=STAFF)
    async with running_peluit(fake, tmp_path, database_url, PELUIT_STAFF_CHAT_ID=BASIC_GROUP) as peluit:
        first = Reporter(fake, REPORTER)
        await file_report(first, {**REPORT, "what": REPORT["what"] + " (pertama)"})
        await fake.wait_bot_message(BASIC_GROUP, contains="(pertama)")
        await peluit.settle()
        await fake.migrate_group(BASIC_GROUP, SUPERGROUP)

        second = Reporter(fake, REPORTER + 1)
        await file_report(second, {**REPORT, "what": REPORT["what"] + " (kedua)"})  # still told
        await fake.wait_for(lambda: "staff_unreachable" in peluit.services.health.problems(), 20)
        await peluit.settle()
        assert await parked(peluit)
        assert SUPERGROUP not in fake.left_chats  # the group it became is not a foreign group
    assert any(r.levelno == logging.ERROR and "staff.unreachable" in r.getMessage()
               for r in caplog.records)

    # The operator sets the new id and restarts: the waiting card goes out, once.
    async with running_peluit(fake, tmp_path, database_url, PELUIT_STAFF_CHAT_ID=SUPERGROUP) as peluit:
        await fake.wait_bot_message(SUPERGROUP, contains="(kedua)", timeout=20)
        await fake.wait_for(lambda: drained(peluit), 20)
        assert peluit.services.health.ok
    assert len(sent_to(fake, SUPERGROUP, "(kedua)")) == 1
    assert not sent_to(fake, SUPERGROUP, "(pertama)") and SUPERGROUP not in fake.left_chats
    expected_rejections(fake, "group chat was upgraded to a supergroup chat")


async def test_given_evidence_with_a_dotted_name_and_a_caption_when_staff_get_it_then_the_name_is_neutral_and_the_caption_labelled(
    fake, tmp_path, database_url
):
    caption = "Amplop <tebal> & kuitansi dari Kabid, 3 Maret"
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        await to_evidence(reporter)
        for name, mime, words in (("scan.KTP.Rina_S", "application/pdf", caption),
                                  ("catatan.Rina_S", "application/octet-stream", None),
                                  ("laporan.Rina.docx", "application/octet-stream", None)):
            answer = await send_evidence(reporter, b"%PDF-1.4 " + name.encode(), name, mime,
                                         caption=words)
            assert snippet("intake.evidence_saved") in answer["text"]
        await evidence_to_review(reporter)
        await reporter.press("i:submit:")
        await reporter.expect(button="i:wipe:")
        await peluit.settle()

    names = [re.fullmatch(r"<upload (\S+) \d+ bytes>", c.params["document"]).group(1)
             for c in fake.calls_to("sendDocument")]
    assert len(names) == 3 and not any("Rina" in n or "KTP" in n for n in names), names
    assert [re.sub(r"^bukti-[0-9a-f]{8}", "", n) for n in names] == [".pdf", "", ".docx"]
    copies = [m for m in fake.bot_messages(STAFF_CHAT) if "document" in m]
    labelled = [body(m) for m in copies if caption in body(m)]
    assert len(labelled) == 1 and snippet("staff.evidence_caption") in labelled[0]
    assert all(m.get("has_protected_content") for m in copies)
    assert fake.rejected == []

