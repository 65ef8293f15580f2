"""Conflict of interest, end to end: the reporter says the reported person is part of the team
that handles reports (or the leadership), and the case reaches only the escalation group; with
no escalation group the reporter is told honestly, before sending, where the report will go."""

from __future__ import annotations

import asyncio
import re

from bot.i18n import text
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, file_report, running_peluit
from tests.e2e.test_intake_forgiving import calls_towards
from tests.e2e.test_staff_groups import ESCALATION_CHAT, everything, groups


def plain(key: str) -> str:
    return re.sub(r"<[^>]+>", "", text("id", key))


async def conflict_report(r: Reporter, answer: str) -> dict:
    """The plain walk, with [Ya]/[Tidak tahu] pressed on the "who" question after typing the
    answer (its buttons stay usable); returns the review."""
    await r.say("/lapor")
    menu = await r.expect(button="i:cat:")
    await r.fake.press(r.user_id, menu, next(d for d in buttons(menu) if d.startswith("i:cat:")))
    await r.expect(button="i:back:")
    await r.say(REPORT["what"])
    who = await r.expect(button="i:conflict:")
    for step in ("who", "when", "where", "how"):
        await r.say(REPORT[step])
        await r.expect(button="i:back:")
    [data] = [d for d in buttons(who) if d.startswith("i:conflict:") and d.endswith(f":{answer}")]
    await r.fake.press(r.user_id, who, data)
    await r.press("i:done:")
    await r.expect(button="i:anon:")
    await r.press("i:anon:")
    return await r.expect(button="i:submit:")


def alerts(fake) -> list[str]:
    return [str(c.params.get("text")) for c in fake.calls_to("answerCallbackQuery")
            if c.params.get("text")]


async def test_given_a_conflict_report_and_an_escalation_group_then_only_that_group_gets_it(
    fake, tmp_path, database_url
):
    settings = groups(fake)
    user = 987650601
    async with running_peluit(fake, tmp_path, database_url, **settings) as peluit:
        r = Reporter(fake, user)
        review = await conflict_report(r, "yes")
        assert plain("intake.conflict.goes_escalation") in review["text"]  # before sending
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle(20)
        await fake.wait_for(lambda: len(fake.topics(ESCALATION_CHAT)) == 1, 10)

        assert plain("intake.conflict.goes_escalation") in alerts(fake)  # on screen at once
        assert "uang pelicin" in everything(fake, ESCALATION_CHAT)  # the full card
        assert fake.topics(STAFF_CHAT) == {} and fake.bot_messages(STAFF_CHAT) == []
        assert calls_towards(fake, user) <= 15, calls_towards(fake, user)  # the press: 1 call
    assert fake.rejected == []


async def test_given_a_conflict_report_and_no_escalation_group_then_the_reporter_is_told_before_sending(
    fake, tmp_path, database_url
):
    user = 987650602
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        review = await conflict_report(r, "unknown")
        honest = plain("intake.conflict.no_escalation")
        assert honest in review["text"]
        assert honest in alerts(fake)
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle(20)
        await fake.wait_for(lambda: len(fake.topics(STAFF_CHAT)) == 1, 10)
        assert "uang pelicin" in everything(fake, STAFF_CHAT)  # as the reporter was told
    assert fake.rejected == []


LEAD = 987650189


async def test_given_the_escalation_group_unreachable_then_its_cases_wait_for_it_alone_and_go_out_when_it_is_back(
    fake, tmp_path, database_url
):
    fake.add_group(ESCALATION_CHAT, "Pimpinan", forum=True, members=(LEAD,))
    fake.set_member(ESCALATION_CHAT, fake.bot_id, "left")  # removed from the escalation group
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_ESCALATION_CHAT_ID=ESCALATION_CHAT) as peluit:
        health = peluit.services.health
        r = Reporter(fake, 987650603)
        await conflict_report(r, "yes")
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await fake.wait_for(lambda: f"staff_unreachable:{ESCALATION_CHAT}" in health.problems(), 20)

        # The main group is not held back, and nothing of the escalated case goes there.
        await file_report(Reporter(fake, 987650604))
        await fake.wait_for(lambda: "uang pelicin" in everything(fake, STAFF_CHAT), 20)
        assert "staff_unreachable" not in health.problems()
        assert everything(fake, STAFF_CHAT).count("uang pelicin") == 1
        assert len(fake.topics(STAFF_CHAT)) == 1  # only the plain report
        # No loop: the parked card is not tried again and again while the group is away.
        tried = len([c for c in fake.calls if str(c.params.get("chat_id")) == str(ESCALATION_CHAT)])
        await asyncio.sleep(3)
        again = len([c for c in fake.calls if str(c.params.get("chat_id")) == str(ESCALATION_CHAT)])
        assert again - tried <= 2, again - tried

        # Added back as an administrator: its watch releases the card, in that group only.
        await fake.change_member(ESCALATION_CHAT, fake.bot_id, "administrator")
        fake.set_bot_rights(ESCALATION_CHAT, can_manage_topics=True)
        await fake.wait_for(lambda: len(fake.topics(ESCALATION_CHAT)) == 1, 60)
        await fake.wait_for(lambda: "uang pelicin" in everything(fake, ESCALATION_CHAT), 20)
        await peluit.settle(20)
        assert len(fake.topics(STAFF_CHAT)) == 1
