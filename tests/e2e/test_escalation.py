"""Conflict of interest, end to end: the reporter says the reported person is part of the team
that handles reports (or the leadership), and the case reaches only the escalation group; with
no escalation group the reporter is told honestly, before sending, where the report will go."""

from __future__ import annotations

import re

from bot.i18n import text
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, running_peluit
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
