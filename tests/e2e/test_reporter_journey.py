"""A reporter's whole journey, over HTTP, against the stand-in Bot API server."""

from __future__ import annotations

from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, file_report, running_peluit


async def test_given_a_new_reporter_when_they_file_a_report_then_staff_get_a_card_in_a_new_topic(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, 987650001)
        ticket = await file_report(reporter)
        await peluit.settle()

        topics = fake.topics(STAFF_CHAT)
        assert len(topics) == 1
        (thread_id, name), = topics.items()
        assert name.startswith("WBS-")
        card = fake.bot_messages(STAFF_CHAT, thread_id=thread_id)[0]
        assert REPORT["what"] in card["text"]
        assert ticket not in card["text"]
        assert fake.rejected == []
        assert not fake.calls_to("forwardMessage")
