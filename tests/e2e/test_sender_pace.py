"""The staff group's pace (Telegram allows about 20 messages a minute in a group) holds back only
the staff group: reporters' replies go out at once, and a message waiting for its turn longer
than the outbox lease is still sent exactly once."""

from __future__ import annotations

import time

from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, file_report, running_peluit

REPORTERS = (987650501, 987650502)


async def test_given_new_cases_waiting_for_the_staff_groups_pace_when_a_reporter_writes_then_the_reply_is_not_held_back(
    fake, tmp_path, database_url
):
    # One staff-group message every 2 s, and a lease (1 s) shorter than that wait.
    async with running_peluit(fake, tmp_path, database_url, PELUIT_SEND_GROUP_PER_MINUTE=30,
                              PELUIT_OUTBOX_LEASE_SECONDS=1) as peluit:
        first, second = (Reporter(fake, uid) for uid in REPORTERS)
        await file_report(first, {**REPORT, "what": f"{REPORT['what']} (kasus pertama)"})
        # The first case's topic and card now queue for the group's pace (~2 s apart) ...
        started = time.monotonic()
        await second.say("/lapor")
        await second.expect(button="i:cat:")  # the intro and the first question
        waited = time.monotonic() - started
        pending_staff = len(fake.bot_messages(STAFF_CHAT)) < 2  # the card is not out yet
        # ... and a second case's announcements queue behind them.
        await file_report(second, {**REPORT, "what": f"{REPORT['what']} (kasus kedua)"})
        await peluit.settle(30)

    assert pending_staff, "the reply came while the staff group was still being paced"
    assert waited < 1.5, f"the reporter's reply waited {waited:.2f} s behind the staff group"
    topics = fake.topics(STAFF_CHAT)
    assert len(topics) == 2
    for thread_id in topics:
        texts = [m.get("text") or "" for m in fake.bot_messages(STAFF_CHAT, thread_id)]
        cards = [t for t in texts if "(kasus" in t]
        assert len(cards) == 1, cards  # the lease ran out while waiting: still sent once
    assert fake.rejected == []
