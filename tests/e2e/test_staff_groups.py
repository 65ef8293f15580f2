"""Several staff groups, end to end: a category's route reaches only its group, and the staff of
one group can neither see nor act on another group's cases (membership is per group)."""

from __future__ import annotations

import re

from bot.i18n import text
from bot.settings import DEFAULT_CATEGORIES
from tests.e2e.harness import REPORT, STAFF, STAFF_CHAT, Reporter, file_report, running_peluit

ROUTE_CHAT = -1001987650077
ESCALATION_CHAT = -1001987650088
ROUTE_STAFF = 987650177  # a member of the route's group only, not of the main group
REPORTER = 987650501
HARASSMENT = DEFAULT_CATEGORIES.index("pelecehan")
NOT_FOUND = text("id", "staff.unknown_case")


def groups(fake) -> dict[str, object]:
    fake.add_group(ROUTE_CHAT, "Tim Pelecehan", forum=True, members=(ROUTE_STAFF,))
    fake.add_group(ESCALATION_CHAT, "Pimpinan", forum=True, members=())
    fake.add_user(ROUTE_STAFF, "Petugas Khusus")
    return {"PELUIT_ROUTES": f"pelecehan:{ROUTE_CHAT}",
            "PELUIT_ESCALATION_CHAT_ID": ESCALATION_CHAT}


def everything(fake, chat_id: int) -> str:
    """What the bot said in a chat."""
    return "\n".join((m.get("text") or m.get("caption") or "") for m in fake.bot_messages(chat_id))


async def test_given_a_routed_category_when_reported_then_only_its_group_gets_the_case_and_acts_on_it(
    fake, tmp_path, database_url
):
    settings = groups(fake)
    async with running_peluit(fake, tmp_path, database_url, **settings) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter, {**REPORT, "what": "Atasan melecehkan staf magang di ruang arsip"},
                          category=HARASSMENT)
        await peluit.settle(20)
        await fake.wait_for(lambda: len(fake.topics(ROUTE_CHAT)) == 1, 10)
        [thread_id] = fake.topics(ROUTE_CHAT)
        number = re.search(r"WBS-\d{4}-\d{4,}", fake.topics(ROUTE_CHAT)[thread_id]).group(0)

        # Only the route's group: its topic and card; nothing in the main or escalation group.
        assert "ruang arsip" in everything(fake, ROUTE_CHAT)
        assert fake.topics(STAFF_CHAT) == {} and fake.bot_messages(STAFF_CHAT) == []
        assert fake.bot_messages(ESCALATION_CHAT) == []

        # The main group's staff: the number is "not found", the move does nothing, the list
        # and the statistics do not show it.
        for command in (f"/cari {number}", f"/verifikasi {number}",
                        f"/tanya {number} Siapa saksinya?", "/kasus"):
            await fake.send_text(STAFF[0], command, chat_id=STAFF_CHAT)
        await fake.wait_for(lambda: len(fake.bot_messages(STAFF_CHAT)) >= 4, 20)
        await peluit.settle(20)
        main = everything(fake, STAFF_CHAT)
        assert main.count(NOT_FOUND) == 3, main
        assert number not in main and "ruang arsip" not in main
        assert "Siapa saksinya" not in "\n".join(m.get("text") or "" for m in
                                                 fake.bot_messages(REPORTER))

        # The route group's own staff act on it (members of that group, not of the main one:
        # membership is checked per group); the reporter hears of the move.
        await fake.send_text(ROUTE_STAFF, f"/verifikasi {number}", chat_id=ROUTE_CHAT,
                             thread_id=thread_id)
        await reporter.expect(number)
        await peluit.settle(20)
        await fake.send_text(ROUTE_STAFF, "/kasus", chat_id=ROUTE_CHAT)
        await fake.wait_for(lambda: "Kasus terbuka" in (fake.bot_messages(ROUTE_CHAT)[-1].get(
            "text") or ""), 20)
        assert number in (fake.bot_messages(ROUTE_CHAT)[-1].get("text") or "")
        assert fake.bot_messages(STAFF_CHAT) and number not in everything(fake, STAFF_CHAT)

        # Reports: each group counts its own cases and gets them in its own chat; the case file
        # reaches the case's topic in its group; the main group cannot have it made.
        total = text("id", "report.chart.total")

        def chart(chat_id: int, count: int) -> bool:
            return any("photo" in m and total.format(count=count) in (m.get("caption") or "")
                       for m in fake.bot_messages(chat_id))

        await fake.send_text(ROUTE_STAFF, "/statistik 30", chat_id=ROUTE_CHAT)
        await fake.wait_for(lambda: chart(ROUTE_CHAT, 1), 20)
        await fake.send_text(STAFF[0], "/statistik 30", chat_id=STAFF_CHAT)
        await fake.wait_for(lambda: chart(STAFF_CHAT, 0), 20)
        await fake.send_text(ROUTE_STAFF, f"/berkas {number}", chat_id=ROUTE_CHAT)
        await fake.wait_for(lambda: any(
            (m.get("document") or {}).get("file_name") == f"berkas-{number}.pdf"
            and m.get("message_thread_id") == thread_id for m in fake.bot_messages(ROUTE_CHAT)), 20)
        await fake.send_text(STAFF[0], f"/berkas {number}", chat_id=STAFF_CHAT)
        await fake.wait_for(lambda: everything(fake, STAFF_CHAT).count(NOT_FOUND) == 4, 20)
        await peluit.settle(20)
        assert not chart(STAFF_CHAT, 1) and not chart(ROUTE_CHAT, 0)
        assert not any("document" in m for m in fake.bot_messages(STAFF_CHAT))
        assert fake.bot_messages(ESCALATION_CHAT) == []
    assert fake.rejected == []


async def test_given_several_groups_when_a_foreign_group_adds_the_bot_then_it_still_leaves(
    fake, tmp_path, database_url
):
    settings = groups(fake)
    foreign = -1001987650099
    fake.add_group(foreign, "Grup Lain", forum=False, members=STAFF)
    async with running_peluit(fake, tmp_path, database_url, **settings) as peluit:
        await fake.send_text(STAFF[0], "/kasus", chat_id=foreign)
        await fake.wait_for(lambda: fake.calls_to("leaveChat"), 10)
        await peluit.settle(10)
        assert fake.bot_messages(foreign) == []
