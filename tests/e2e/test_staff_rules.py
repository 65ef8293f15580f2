"""Issue 4, Show: what never leaves the staff group, who is not listened to, and moves that must
not happen (twice, out of order, or without their text)."""

from __future__ import annotations

import asyncio

import pytest

from bot.i18n import text
from flows.lifecycle import CaseStatus
from tests.e2e.harness import OUTSIDER, STAFF, STAFF_CHAT, Reporter, buttons, file_report, running_peluit
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

REPORTER = 987650031
FOREIGN_GROUP, ADDED_TO, REMOVED_FROM = -1001555000111, -1001555000222, -1001555000333


async def filed_case(fake, peluit, reporter_id: int = REPORTER) -> tuple[Reporter, int, str, dict]:
    """A reporter with a filed case: (reporter, topic id, case number, card)."""
    reporter = Reporter(fake, reporter_id)
    reporter.ticket = await file_report(reporter)  # type: ignore[attr-defined]
    await peluit.settle()
    topic, name = max(fake.topics(STAFF_CHAT).items())
    card = fake.bot_messages(STAFF_CHAT, thread_id=topic)[0]
    return reporter, topic, CASE_NUMBER.search(name).group(0), card


def case_id_of(card: dict) -> str:
    return next(d for d in buttons(card) if d.startswith("c:")).split(":", 2)[2]


async def status_of(peluit, case_id: str) -> CaseStatus:
    async with peluit.services.db.uow() as uow:
        case = await uow.cases.get(case_id)
    assert case is not None
    return case.status


async def barrier(fake, peluit) -> None:
    """Everything sent to the staff group so far has been handled and its messages delivered
    (one chat's updates are handled in order, so a later /bantuan answered means all were)."""
    mark = last_id(fake, STAFF_CHAT)
    await staff_says(fake, "/bantuan")
    await next_in_group(fake, snippet("staff.help"), mark)
    await peluit.settle()


async def posts_then_leaves(fake, user: int, text_: str, status: str = "left", **kw) -> dict:
    """`user` posts in the staff group and is no longer a member when the bot handles it (the
    stand-in only lets members post; it delivers the update only when the bot next polls)."""
    fake.set_member(STAFF_CHAT, user, "member")
    message = await fake.send_text(user, text_, chat_id=STAFF_CHAT, **kw)
    fake.set_member(STAFF_CHAT, user, status)
    return message


def group_bodies_after(fake, mark: int) -> list[str]:
    return [body(m) for m in fake.bot_messages(STAFF_CHAT) if m["message_id"] > mark]


async def test_given_a_case_when_staff_discuss_it_internally_then_nothing_reaches_the_reporter(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, number, _card = await filed_case(fake, peluit)
        heard = len(reporter.bot_messages())
        mark = last_id(fake, STAFF_CHAT)

        # A plain message in the case topic (Telegram makes it "reply" to the topic's creation).
        plain_in_topic = await staff_says(fake, "Internal: menurut saya ini kasus kuat.", thread=topic)
        assert plain_in_topic["reply_to_message"].get("forum_topic_created")
        # A message in General, a reply to a colleague in the topic, and one in General.
        in_general = await staff_says(fake, f"Internal: siapa pegang {number}?", user=STAFF[1])
        await staff_says(fake, "Internal: saya saja.", thread=topic, reply_to=plain_in_topic["message_id"])
        await staff_says(fake, "Internal: oke.", user=STAFF[1], reply_to=in_general["message_id"])
        # Mentioning the bot does not make a message a relay either.
        await staff_says(fake, "@peluit_test_bot tolong jangan diteruskan", thread=topic)
        await barrier(fake, peluit)

        assert len(reporter.bot_messages()) == heard
        assert all("Internal" not in b for b in (body(m) for m in reporter.bot_messages()))
        said = group_bodies_after(fake, mark)
        assert len(said) == 1 and snippet("staff.help") in said[0]  # only the barrier's answer
        assert_clean(fake)


async def test_given_people_outside_the_staff_group_when_they_relay_ask_or_list_then_they_get_nothing(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, number, card = await filed_case(fake, peluit)
        heard = len(reporter.bot_messages())
        mark = last_id(fake, STAFF_CHAT)
        attempts = [
            ("Dari orang luar: siapa Anda?", {"thread_id": topic, "reply_to": card["message_id"]}),
            ("/tanya Dari orang luar: di mana Anda bekerja?", {"thread_id": topic}),
            (f"/tanya {number} Dari orang luar: nama Anda siapa?", {}),
            ("/kasus", {}),
            (f"/cari {number}", {}),
            ("/statistik", {}),
            (f"/verifikasi {number}", {}),
        ]
        # Someone who was never staff (removed right after posting), then a colleague who left.
        for user, status in ((OUTSIDER, "kicked"), (STAFF[1], "left")):
            for text_, kw in attempts:
                await posts_then_leaves(fake, user, text_, status, **kw)
            fake.set_member(STAFF_CHAT, user, "member")
            query = await fake.press(user, card, f"c:verify:{case_id_of(card)}")
            fake.set_member(STAFF_CHAT, user, status)
            await fake.wait_for(lambda q=query: q["id"] in fake.callback_answers)
            assert not fake.callback_answers[query["id"]].get("text")
        await barrier(fake, peluit)

        assert len(reporter.bot_messages()) == heard  # nothing relayed, no status change told
        assert len(group_bodies_after(fake, mark)) == 1  # only the barrier's /bantuan answer
        assert await status_of(peluit, case_id_of(card)) is CaseStatus.RECEIVED
        assert_clean(fake)


async def test_given_staff_commands_outside_the_staff_group_then_no_case_is_revealed_and_foreign_groups_are_left(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, number, card = await filed_case(fake, peluit)
        heard = len(reporter.bot_messages())

        # A staff member in a private chat with the bot: reporter help, never case data.
        staff_private = Reporter(fake, STAFF[0])
        for command in ("/kasus", f"/cari {number}", "/statistik", f"/tanya {number} Halo?",
                        f"/verifikasi {number}"):
            await staff_private.say(command)
            answer = body(await staff_private.expect())
            assert not CASE_NUMBER.search(answer), (command, answer)
            assert text("id", "category.korupsi") not in answer

        # The ticket typed in the staff group does not move the conversation into the group.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/status {reporter.ticket}", thread=topic)
        pointer = await next_in_group(fake, snippet("error.private_only"), mark, thread=topic)
        assert number not in body(pointer)

        # Groups the bot was not configured for: a command there, or just being added.
        fake.add_group(FOREIGN_GROUP, "Grup Arisan Kantor", forum=False, members=STAFF)
        await fake.send_text(STAFF[0], f"/status {reporter.ticket}", chat_id=FOREIGN_GROUP)
        await fake.send_text(STAFF[0], f"/tanya {number} Ada kabar?", chat_id=FOREIGN_GROUP)
        fake.add_group(ADDED_TO, "Grup Keluarga", forum=False, members=[OUTSIDER])
        the_bot = {"id": fake.bot_id, "is_bot": True, "first_name": "Peluit Test",
                   "username": fake.bot_username}
        await fake.inject_raw_update({"update_id": 555000001, "my_chat_member": {  # bot added
            "chat": {"id": ADDED_TO, "type": "supergroup", "title": "Grup Keluarga"},
            "from": {"id": OUTSIDER, "is_bot": False, "first_name": "Orang Luar"},
            "date": int(fake.now()),
            "old_chat_member": {"status": "left", "user": the_bot},
            "new_chat_member": {"status": "member", "user": the_bot}}})
        # Removed from a group it was in: nothing to leave any more (no call Telegram refuses).
        fake.add_group(REMOVED_FROM, "Grup Lama", forum=False, members=[OUTSIDER])
        fake.set_member(REMOVED_FROM, fake.bot_id, "kicked")
        await fake.inject_raw_update({"update_id": 555000002, "my_chat_member": {
            "chat": {"id": REMOVED_FROM, "type": "supergroup", "title": "Grup Lama"},
            "from": {"id": OUTSIDER, "is_bot": False, "first_name": "Orang Luar"},
            "date": int(fake.now()),
            "old_chat_member": {"status": "member", "user": the_bot},
            "new_chat_member": {"status": "kicked", "user": the_bot, "until_date": 0}}})
        await fake.wait_for(lambda: {FOREIGN_GROUP, ADDED_TO} <= fake.left_chats)
        await barrier(fake, peluit)
        foreign = (FOREIGN_GROUP, ADDED_TO, REMOVED_FROM)
        assert all(fake.bot_messages(chat) == [] for chat in foreign)
        assert not [c for c in fake.calls if c.params.get("chat_id") in foreign
                    and c.method != "leaveChat"]
        assert len(fake.calls_to("leaveChat")) == 2  # once per group, even with two messages

        # The reporter heard nothing of all this, and is still the one staff questions reach.
        assert len(reporter.bot_messages()) == heard
        await staff_says(fake, "/tanya Apakah Anda masih bisa dihubungi di sini?", thread=topic)
        await reporter.expect("Apakah Anda masih bisa dihubungi di sini?")
        assert await status_of(peluit, case_id_of(card)) is CaseStatus.RECEIVED
        assert_clean(fake)


async def test_given_a_move_button_when_pressed_twice_then_the_case_moves_once(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, _number, card = await filed_case(fake, peluit)
        verify = f"c:verify:{case_id_of(card)}"
        # Both press before the card shows the move (its button is then gone).
        first, second = await asyncio.gather(fake.press(STAFF[0], card, verify),
                                             fake.press(STAFF[1], card, verify))
        await reporter.expect(text("id", "state.verifying"))
        await fake.wait_for(lambda: {first["id"], second["id"]} <= set(fake.callback_answers))
        await barrier(fake, peluit)

        answers = [fake.callback_answers[q["id"]] for q in (first, second)]
        assert sorted(bool(a.get("show_alert")) for a in answers) == [False, True]
        refusal = next(a for a in answers if a.get("show_alert"))
        assert snippet("staff.invalid_transition") in refusal["text"]
        assert await status_of(peluit, case_id_of(card)) is CaseStatus.VERIFYING
        told = [b for b in map(body, reporter.bot_messages()) if text("id", "state.verifying") in b]
        assert len(told) == 1
        # A press makes no receipt in the group: the card itself shows the move.
        moved = [b for b in map(body, fake.bot_messages(STAFF_CHAT, thread_id=topic))
                 if snippet("staff.moved").split("{")[0] in b]
        assert moved == []
        shown = next(m for m in fake.messages(STAFF_CHAT) if m["message_id"] == card["message_id"])
        assert f"Status: {text('id', 'state.verifying')}" in body(shown)
        assert_clean(fake)


async def test_given_a_received_case_when_staff_try_moves_that_are_not_allowed_then_calm_words_and_no_change(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, number, card = await filed_case(fake, peluit)
        case_id = case_id_of(card)
        heard = len(reporter.bot_messages())

        # Out of order: conclude / clarify a case that was only received.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/selesai {number} Kesimpulan terlalu dini.")
        await next_in_group(fake, snippet("staff.invalid_transition"), mark, thread=None)
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, f"/tolak {number}")  # not allowed yet, with or without its text
        await next_in_group(fake, snippet("staff.invalid_transition"), mark, thread=None)
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/klarifikasi", thread=topic)
        await next_in_group(fake, snippet("staff.invalid_transition"), mark, thread=topic)
        assert await status_of(peluit, case_id) is CaseStatus.RECEIVED

        # A move that needs its text, pressed as a button: a prompt for the words, no move.
        await staff_says(fake, "/verifikasi", thread=topic)
        await reporter.expect(text("id", "state.verifying"))
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/klarifikasi", thread=topic)
        await next_in_group(fake, text("id", "state.clarification"), mark, thread=topic)
        await reporter.expect(text("id", "state.clarification"))
        heard = len(reporter.bot_messages())
        shown = await fake.wait_for(lambda: next(
            (m for m in fake.messages(STAFF_CHAT) if m["message_id"] == card["message_id"]
             and f"c:conclude:{case_id}" in buttons(m)), None))
        mark = last_id(fake, STAFF_CHAT)
        query = await fake.press(STAFF[0], shown, f"c:conclude:{case_id}")
        await fake.wait_for(lambda: query["id"] in fake.callback_answers)
        assert not fake.callback_answers[query["id"]].get("show_alert")
        await next_in_group(fake, number, mark, thread=topic)  # the prompt

        # The command without its text: told exactly what to send, no move.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/selesai", thread=topic)
        told = body(await next_in_group(fake, snippet("staff.move_hint"), mark, thread=topic))
        assert f"/selesai {number} <keterangan>" in told, told
        await barrier(fake, peluit)
        assert await status_of(peluit, case_id) is CaseStatus.CLARIFICATION
        assert len(reporter.bot_messages()) == heard
        assert_clean(fake)


async def test_given_a_move_command_that_takes_no_text_when_staff_add_a_note_then_the_note_stays_internal(
    fake, tmp_path, database_url
):
    note = "catatan internal: cek dulu ke Pak Joko di bagian keuangan"
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, number, _card = await filed_case(fake, peluit)
        await staff_says(fake, f"/verifikasi {number} {note}")
        await reporter.expect(text("id", "state.verifying"))
        await staff_says(fake, f"/perluinfo {note}", thread=topic)
        await reporter.expect(text("id", "state.needs_info"))
        # The reporter's view of the case, the status page included, carries no staff note.
        await reporter.say(f"/status {reporter.ticket}")
        shown = body(await reporter.expect(number))
        assert text("id", "state.needs_info") in shown
        assert all(note not in body(m) for m in reporter.bot_messages())
        await peluit.settle()
        assert_clean(fake)


async def test_given_the_sender_recording_a_card_when_staff_move_the_case_meanwhile_then_the_move_is_kept(
    fake, tmp_path, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite takes the write lock at the first statement (BEGIN IMMEDIATE): "
                    "the interleaving cannot happen there")
    from flows.buttons import MoveButton
    from flows.commands import StaffPress
    from flows.intents import ToStaff

    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter, topic, _number, card = await filed_case(fake, peluit)
        case_id, s = case_id_of(card), peluit.services
        # What Sender._record(card=True) does after /cari re-posts the card: one column, and the
        # row stays locked until its transaction ends ...
        async with s.db.uow() as recording:
            await recording.cases.set_card(case_id, 4242)
            # ... while a staff member's /verifikasi runs: it waits for the row, it does not
            # overwrite or get overwritten.
            async def verify() -> None:  # the card's [Verifikasi], through the bus
                s.sender.take(await s.bus.handle(StaffPress(
                    button=MoveButton("verify", case_id), user_id=STAFF[0],
                    reply_in=ToStaff(thread_id=topic))))

            move = asyncio.create_task(verify())
            await asyncio.sleep(0.3)
            assert not move.done()
            await recording.commit()
        await asyncio.wait_for(move, 10)
        async with s.db.uow() as check:
            case = await check.cases.get(case_id)
            assert case is not None and case.card_message_id == 4242  # the sender's change kept
        await reporter.expect(text("id", "state.verifying"))  # the reporter was told
        assert await status_of(peluit, case_id) is CaseStatus.VERIFYING
