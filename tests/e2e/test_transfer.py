"""`/alihkan`, end to end: a case moved from the main group to the escalation group. The old
group keeps only a "moved" card in a closed, renamed topic and can no longer read or relay; the
new group gets the full card and the evidence in a topic of its own, and relays from there."""

from __future__ import annotations

import re

import pytest

from bot.i18n import text
from sandbox.botapi.state import ImpossibleAction
from tests.e2e.harness import REPORT, STAFF, STAFF_CHAT, Reporter, file_report, running_peluit
from tests.e2e.test_staff_groups import ESCALATION_CHAT, everything

LEAD = 987650188  # the escalation group's only member (not in the main group)
REPORTER = 987650701
NOT_FOUND = text("id", "staff.unknown_case")


async def test_given_a_case_when_moved_to_the_escalation_group_then_only_that_group_can_read_and_relay(
    fake, tmp_path, database_url
):
    fake.add_group(ESCALATION_CHAT, "Pimpinan", forum=True, members=(LEAD,))
    fake.add_user(LEAD, "Inspektur")
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_ESCALATION_CHAT_ID=ESCALATION_CHAT) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter, evidence=[("bukti.pdf", b"%PDF-1.4 bukti transfer",
                                               "application/pdf")])
        await peluit.settle(20)
        await fake.wait_for(lambda: len(fake.bot_messages(STAFF_CHAT)) >= 2, 10)
        [old_topic] = fake.topics(STAFF_CHAT)
        number = re.search(r"WBS-\d{4}-\d{4,}", fake.topics(STAFF_CHAT)[old_topic]).group(0)
        card = fake.bot_messages(STAFF_CHAT)[0]
        assert "uang pelicin" in card["text"]

        await fake.send_text(STAFF[0], "/alihkan eskalasi", chat_id=STAFF_CHAT, thread_id=old_topic)
        await fake.wait_for(lambda: len(fake.topics(ESCALATION_CHAT)) == 1, 15)
        await peluit.settle(20)
        await fake.wait_for(lambda: fake.topic_state(STAFF_CHAT, old_topic)["closed"], 10)

        # The old group: the card says only "moved", no buttons; the topic renamed and closed.
        old_card = next(m for m in fake.bot_messages(STAFF_CHAT)
                        if m["message_id"] == card["message_id"])
        assert "uang pelicin" not in old_card["text"] and REPORT["who"] not in old_card["text"]
        assert number in old_card["text"] and not old_card.get("reply_markup")
        state = fake.topic_state(STAFF_CHAT, old_topic)
        assert state["closed"] and text("id", "staff.topic_moved") in state["name"]
        # The new group: the full card and the evidence copy, in its own topic.
        escalated = everything(fake, ESCALATION_CHAT)
        assert "uang pelicin" in escalated and number in escalated
        assert any(m.get("document") for m in fake.bot_messages(ESCALATION_CHAT))

        # The old group cannot act any more: /tanya and a reply to the old card reach nobody.
        await fake.send_text(STAFF[0], f"/tanya {number} Siapa saksinya?", chat_id=STAFF_CHAT)
        with pytest.raises(ImpossibleAction):  # the closed topic: members cannot write there
            await fake.send_text(STAFF[0], "Bisa kirim bukti lain?", chat_id=STAFF_CHAT,
                                 reply_to=card["message_id"], thread_id=old_topic)
        await fake.wait_for(lambda: NOT_FOUND in everything(fake, STAFF_CHAT), 15)
        await peluit.settle(20)
        heard = "\n".join(m.get("text") or "" for m in fake.bot_messages(REPORTER))
        assert "Siapa saksinya" not in heard and "bukti lain" not in heard

        # The escalation group can: its question reaches the reporter.
        [new_topic] = fake.topics(ESCALATION_CHAT)
        await fake.send_text(LEAD, "/tanya Kapan tepatnya uang diserahkan?", chat_id=ESCALATION_CHAT,
                             thread_id=new_topic)
        await reporter.expect("Kapan tepatnya", timeout=30)
    assert fake.rejected == []
