"""Issue 3, Show: the intake under awkward, hostile or unlucky input. Each case its own test."""

from __future__ import annotations

import copy

import pytest

from bot.i18n import text
from flows.intake import Step
from flows.intents import ChatRoute
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, file_report, first_words, running_peluit

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- helpers

def snippet(key: str, lang: str = "id") -> str:
    """The first line of a catalog text as Telegram shows it (tags removed, before any {param})."""
    return first_words(lang, key)


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


def data_of(message: dict, action: str, arg: str | None = None) -> str:
    """The callback data of the button `i:<action>:<version>:<arg>` on `message`."""
    for data in buttons(message):
        parts = data.split(":")
        if parts[:2] == ["i", action] and (arg is None or parts[3] == arg):
            return data
    raise AssertionError(f"no i:{action} button on {buttons(message)}")


async def begin(r: Reporter) -> None:
    await r.say("/lapor")
    await r.expect(snippet("intake.intro"), button="i:cat:")  # with the first question
    await r.press("i:cat:")


async def answer(r: Reporter, step: str, value: str, *, asked: bool = False) -> dict:
    """Answer a text step (after its question, unless it was already `asked`); the next
    question follows on its own. Returns the question answered."""
    question = r.bot_messages()[-1] if asked else await r.expect(snippet(f"intake.ask_{step}"))
    await r.say(value)
    return question


async def to_evidence(r: Reporter, report: dict[str, str] | None = None) -> None:
    report = report or REPORT
    await begin(r)
    for step in ("what", "who", "when", "where", "how"):
        await answer(r, step, report[step])
    await r.expect(snippet("intake.ask_evidence"), button="i:done:")


async def evidence_to_review(r: Reporter) -> dict:
    await r.press("i:done:")
    await r.expect(button="i:anon:")
    await r.press("i:anon:")
    return await r.expect(button="i:submit:")


async def state(peluit, user: int):
    """(draft, cases) of the reporter's chat, read from the database."""
    async with peluit.services.db.uow() as uow:
        return (await uow.drafts.get(ChatRoute(user)),
                await uow.cases.for_route(ChatRoute(user)))


def update_carrying(fake, predicate) -> dict:
    """The update (as delivered by getUpdates) that satisfies `predicate`."""
    for call in fake.calls_to("getUpdates"):
        for update in call.response.get("result") or []:
            if predicate(update):
                return copy.deepcopy(update)
    raise AssertionError("no such update was delivered")


def deliveries(fake, update_id: int) -> int:
    """How many getUpdates answers carried this update_id."""
    return sum(u["update_id"] == update_id for call in fake.calls_to("getUpdates")
               for u in call.response.get("result") or [])


def answers_to(fake, query: dict) -> list:
    """The bot's answerCallbackQuery calls for this button press."""
    return [c for c in fake.calls_to("answerCallbackQuery")
            if c.params.get("callback_query_id") == query["id"]]


def words(n_chars: int, seed: str) -> str:
    out = " ".join(f"{seed}{i:05d}" for i in range(n_chars // 6 + 1))[:n_chars]
    return out.rstrip() + "x" * (n_chars - len(out.rstrip()))


# ---------------------------------------------------------------- long answers

async def test_given_a_5000_char_answer_in_two_messages_when_reviewed_then_it_is_shown_whole_in_parts_within_4096(
    fake, tmp_path, database_url
):
    user = 987650031
    first, second = words(4096, "saksi"), words(904, "modus")
    assert len(first) == 4096 and len(second) == 904
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await r.expect(snippet("intake.ask_what"))
        await r.say(first)
        await r.expect(snippet("intake.ask_who"), button="i:add:")
        await r.press("i:add:")  # ➕ Tambah ke jawaban sebelumnya
        await r.expect(snippet("intake.ask_what"))
        await r.say(second)
        for step in ("who", "when", "where", "how"):
            await answer(r, step, REPORT[step])
        await r.expect(button="i:done:")
        mark = r.seen
        review = await evidence_to_review(r)

        parts = [m for m in r.bot_messages()
                 if m["message_id"] > mark and m["message_id"] <= review["message_id"]
                 and snippet("intake.ask_identity") not in m["text"]]
        assert len(parts) >= 2
        assert all(len(m["text"]) <= 4096 for m in parts)
        assert [bool(buttons(m)) for m in parts] == [False] * (len(parts) - 1) + [True]
        shown = " ".join(" ".join(m["text"].split()) for m in parts)
        assert " ".join(f"{first}\n{second}".split()) in shown
        assert REPORT["how"] in shown

        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle()
        _, (case,) = await state(peluit, user)
        assert case.report["what"] == f"{first}\n{second}"
        (thread, _), = fake.topics(STAFF_CHAT).items()
        card = fake.bot_messages(STAFF_CHAT, thread_id=thread)
        assert all(len(m["text"]) <= 4096 for m in card)
        assert " ".join(f"{first}\n{second}".split()) in " ".join(
            " ".join(m["text"].split()) for m in card)
    assert_clean(fake)


# ---------------------------------------------------------------- unusual scripts

async def test_given_emoji_and_right_to_left_answers_when_submitted_then_they_reach_the_staff_card_unchanged(
    fake, tmp_path, database_url
):
    user = 987650032
    report = {
        "what": "Saya melihat 💸 amplop diserahkan 👀🧾 — شهدت رشوة في المكتب",
        "who": "ראיתי שוחד במשרד · פקיד בכיר 👩‍⚖️ (Kabid)",
        "when": "Senin 🗓️ 3/3, ١٠:٠٠ صباحًا",
        "where": "Kantor 🇮🇩 <lantai 2> & ruang \"arsip\"",
        "how": "Transfer via e-wallet 📱 A<B & C>D, lalu pesan dihapus 🙈",
    }
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await to_evidence(r, report)
        review = await evidence_to_review(r)
        for value in report.values():
            assert value in review["text"]
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle()
        (thread, _), = fake.topics(STAFF_CHAT).items()
        card = fake.bot_messages(STAFF_CHAT, thread_id=thread)[0]
        for value in report.values():
            assert value in card["text"]
    assert_clean(fake)


# ---------------------------------------------------------------- not text where text was asked

async def test_given_a_text_step_when_a_sticker_and_a_location_arrive_then_a_calm_reask_and_nothing_is_lost(
    fake, tmp_path, database_url
):
    user = 987650033
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await r.expect(snippet("intake.ask_what"))
        await r.say(REPORT["what"])
        await r.expect(snippet("intake.ask_who"))

        for send in (fake.send_sticker, fake.send_location):
            mark = r.seen
            await send(user)
            again = await r.expect(snippet("intake.ask_who"))  # the question again
            replies = [m for m in r.bot_messages() if m["message_id"] > mark]
            assert len(replies) == 1  # one message: a calm word leading the question; no error
            assert snippet("intake.text_only") in again["text"]
            assert snippet("error.generic") not in again["text"]

        draft, _ = await state(peluit, user)
        assert draft.step is Step.WHO and draft.answers == {"what": REPORT["what"]}
        await r.say(REPORT["who"])  # the question still takes its answer
        await r.expect(snippet("intake.ask_when"))
        draft, _ = await state(peluit, user)
        assert draft.answers == {"what": REPORT["what"], "who": REPORT["who"]}
    assert_clean(fake)


async def test_given_a_text_step_when_a_location_arrives_then_the_reask_asks_for_words_not_files(
    fake, tmp_path, database_url
):
    user = 987650034
    async with running_peluit(fake, tmp_path, database_url):
        r = Reporter(fake, user)
        await begin(r)
        await r.expect(snippet("intake.ask_what"))
        await fake.send_location(user)
        hint = await r.expect()
        assert snippet("intake.text_only") in hint["text"], hint["text"]
    assert_clean(fake)


# ---------------------------------------------------------------- buttons pressed at the wrong time

async def test_given_kembali_pressed_twice_when_both_presses_arrive_then_the_step_moves_once_and_both_are_answered(
    fake, tmp_path, database_url
):
    user = 987650035
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await r.expect(snippet("intake.ask_what"))
        await r.say(REPORT["what"])
        who = await r.expect(snippet("intake.ask_who"), button="i:back:")
        data = data_of(who, "back")
        q1 = await fake.press(user, who, data)
        q2 = await fake.press(user, who, data)  # a double tap
        await fake.wait_for(lambda: {q1["id"], q2["id"]} <= set(fake.callback_answers))
        back = await r.expect(snippet("intake.ask_what"))
        assert REPORT["what"] in back["text"]  # the saved answer is shown
        await peluit.settle()

        asked_what = [m for m in r.bot_messages() if snippet("intake.ask_what") in m["text"]]
        assert len(asked_what) == 2  # the first time, and once more after going back
        assert not any(snippet("intake.ask_category") in m["text"] for m in r.bot_messages()[1:])
        draft, _ = await state(peluit, user)
        assert draft.step is Step.WHAT and draft.answers == {"what": REPORT["what"]}
        second = fake.callback_answers[q2["id"]]
        assert second.get("text") == text("id", "error.stale_button")
        assert len(fake.calls_to("answerCallbackQuery")) == 3  # category, q1, q2
    assert_clean(fake)


async def test_given_a_submitted_report_when_old_submit_and_kembali_buttons_are_pressed_then_nothing_changes_and_both_are_answered(
    fake, tmp_path, database_url
):
    user = 987650036
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await answer(r, "what", REPORT["what"])
        old_back = await r.expect(snippet("intake.ask_who"), button="i:back:")
        await answer(r, "who", REPORT["who"], asked=True)
        for step in ("when", "where", "how"):
            await answer(r, step, REPORT[step])
        await r.expect(button="i:done:")
        review = await evidence_to_review(r)
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle()
        reporter_before = len(r.bot_messages())
        staff_before = len(fake.bot_messages(STAFF_CHAT))

        q1 = await fake.press(user, review, data_of(review, "submit"))
        q2 = await fake.press(user, old_back, data_of(old_back, "back"))
        await fake.wait_for(lambda: {q1["id"], q2["id"]} <= set(fake.callback_answers))
        await peluit.settle()

        draft, cases = await state(peluit, user)
        assert draft is None and len(cases) == 1
        assert len(fake.topics(STAFF_CHAT)) == 1
        assert len(fake.bot_messages(STAFF_CHAT)) == staff_before
        assert len(r.bot_messages()) == reporter_before
        for q in (q1, q2):
            assert fake.callback_answers[q["id"]].get("text")  # told why nothing happened
    assert_clean(fake)


# ---------------------------------------------------------------- commands during a draft

async def test_given_a_draft_when_lapor_is_sent_again_then_the_same_draft_resumes(
    fake, tmp_path, database_url
):
    user = 987650037
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await answer(r, "what", REPORT["what"])
        await r.expect(snippet("intake.ask_who"))
        before, _ = await state(peluit, user)

        await r.say("/lapor")
        resumed = await r.expect(snippet("intake.resume"))
        assert snippet("intake.ask_who") in resumed["text"]  # one message
        after, _ = await state(peluit, user)
        assert after.id == before.id and after.answers == {"what": REPORT["what"]}
        assert sum(snippet("intake.intro") in m["text"] for m in r.bot_messages()) == 1
        assert sum(snippet("intake.ask_category") in m["text"] for m in r.bot_messages()) == 1

        await answer(r, "who", REPORT["who"], asked=True)
        for step in ("when", "where", "how"):
            await answer(r, step, REPORT[step])
        await r.expect(button="i:done:")
        review = await evidence_to_review(r)
        assert REPORT["what"] in review["text"] and REPORT["who"] in review["text"]
    assert_clean(fake)


async def test_given_a_draft_when_batal_is_sent_then_the_draft_is_deleted_and_lapor_starts_afresh(
    fake, tmp_path, database_url
):
    user = 987650038
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await answer(r, "what", REPORT["what"])
        await r.expect(snippet("intake.ask_who"))

        await r.say("/batal")
        await r.expect(snippet("intake.cancelled"))
        draft, cases = await state(peluit, user)
        assert draft is None and cases == []

        await r.say("/lapor")
        # a new draft, not the old one resumed
        await r.expect(snippet("intake.intro"), button="i:cat:")
        draft, _ = await state(peluit, user)
        assert draft.step is Step.CATEGORY and draft.answers == {}
        assert not any(snippet("intake.resume") in m["text"] for m in r.bot_messages())
        assert fake.bot_messages(STAFF_CHAT) == []
    assert_clean(fake)


# ---------------------------------------------------------------- files

async def test_given_the_evidence_step_when_a_25mb_file_arrives_then_too_big_is_said_and_the_draft_is_intact(
    fake, tmp_path, database_url
):
    user = 987650039
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await to_evidence(r)
        await fake.send_big_document(user, 25 * 2**20, "rekaman-cctv.pdf")
        too_big = await r.expect(snippet("intake.evidence_too_big"))
        assert "20 MB" in too_big["text"]

        draft, _ = await state(peluit, user)
        assert draft.step is Step.EVIDENCE and draft.evidence_ids == []
        assert draft.answers == REPORT
        await fake.send_document(user, b"%PDF-1.4\nkecil\n%%EOF\n", "kecil.pdf", "application/pdf")
        await r.expect(snippet("intake.metadata_held"), button="i:done:")
        await fake.send_document(user, b"%PDF-1.4\nkecil\n%%EOF\n", "kecil.pdf", "application/pdf")
        await r.expect(snippet("intake.evidence_saved"), button="i:done:")
        review = await evidence_to_review(r)
        assert all(REPORT[s] in review["text"] for s in REPORT)
        draft, _ = await state(peluit, user)
        assert len(draft.evidence_ids) == 1
    assert_clean(fake)


# ---------------------------------------------------------------- redelivery

async def test_given_an_update_delivered_twice_when_it_arrives_again_then_nothing_changes(
    fake, tmp_path, database_url
):
    user = 987650040
    extra = "Tambahan: uangnya diserahkan di parkiran."
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await r.expect(snippet("intake.ask_what"))
        sent = await r.say(REPORT["what"])
        who = await r.expect(snippet("intake.ask_who"), button="i:add:")
        again = update_carrying(fake, lambda u: (u.get("message") or {}).get("message_id")
                                == sent["message_id"] and u["message"]["chat"]["id"] == user)
        await fake.inject_raw_update(again)  # Telegram redelivers the same update_id
        query = await fake.press(user, who, data_of(who, "add"))
        await r.expect(snippet("intake.ask_what"))
        redelivered = update_carrying(fake, lambda u: (u.get("callback_query") or {})
                                      .get("id") == query["id"])
        await fake.inject_raw_update(redelivered)
        await r.say(extra)
        await r.expect(snippet("intake.ask_who"))  # the who step is next again
        await answer(r, "who", REPORT["who"], asked=True)
        await r.expect(snippet("intake.ask_when"))
        await peluit.settle()

        draft, _ = await state(peluit, user)
        assert draft.answers == {"what": f"{REPORT['what']}\n{extra}", "who": REPORT["who"]}
        assert draft.step is Step.WHEN
        assert deliveries(fake, again["update_id"]) == 2  # really delivered twice
        assert deliveries(fake, redelivered["update_id"]) == 2
        # who: after the answer, and after the addition; never for the redelivered answer
        assert sum(snippet("intake.ask_who") in m["text"] for m in r.bot_messages()) == 2
        assert sum(snippet("intake.ask_what") in m["text"] for m in r.bot_messages()) == 2
        assert len(answers_to(fake, query)) == 1
    assert_clean(fake)


async def test_given_a_menu_button_delivered_twice_when_it_arrives_again_then_it_is_answered_once(
    fake, tmp_path, database_url
):
    user = 987650041
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await r.say("/start")
        menu = await r.expect(button="m:help")
        query = await fake.press(user, menu, "m:help")
        await r.expect(snippet("help.reporter"))
        redelivered = update_carrying(fake, lambda u: (u.get("callback_query") or {})
                                      .get("id") == query["id"])
        await fake.inject_raw_update(redelivered)  # Telegram delivers the press again
        await fake.wait_for(lambda: deliveries(fake, redelivered["update_id"]) == 2)
        await r.say("/bantuan")  # handled after the redelivery (same chat, in order)
        await fake.wait_for(lambda: sum(snippet("help.reporter") in m["text"]
                                        for m in r.bot_messages()) == 2)
        await peluit.settle()

        helps = sum(snippet("help.reporter") in m["text"] for m in r.bot_messages())
        assert helps == 2  # one for the press, one for /bantuan; none for the redelivery
        assert len(answers_to(fake, query)) == 1
    assert_clean(fake)


# ---------------------------------------------------------------- other groups

async def test_given_an_unrelated_group_when_a_message_arrives_there_then_the_bot_leaves_and_says_nothing(
    fake, tmp_path, database_url
):
    user, group = 987650041, -1001234500000
    async with running_peluit(fake, tmp_path, database_url):
        Reporter(fake, user)
        fake.add_group(group, "Grup Arisan Kantor", forum=False, members=[user], bot_is_admin=False)
        await fake.send_text(user, "/lapor", chat_id=group)
        await fake.wait_for(lambda: group in fake.left_chats)
        await fake.send_text(user, "/start@peluit_test_bot", chat_id=group)  # no longer seen
        assert fake.bot_messages(group) == []
        assert not [c for c in fake.calls if str(c.params.get("chat_id")) == str(group)
                    and c.method != "leaveChat"]
        assert STAFF_CHAT not in fake.left_chats
    assert_clean(fake)


# ---------------------------------------------------------------- wiping

async def test_given_a_submitted_report_when_wipe_is_pressed_then_the_report_messages_leave_the_chat(
    fake, tmp_path, database_url
):
    user = 987650042
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await file_report(r)
        await r.press("i:wipe:")
        wiped = await r.expect(snippet("intake.wiped"))
        await peluit.settle()
        assert fake.messages(user) == [wiped]
        await r.say("/bantuan")
        await r.expect(snippet("help.reporter"))
        remaining = fake.messages(user)
        assert remaining[0] == wiped and len(remaining) == 3
        assert all(int(c.params["chat_id"]) == user for c in fake.calls_to("deleteMessages"))
        _, cases = await state(peluit, user)
        assert len(cases) == 1  # the case itself is untouched
    assert_clean(fake)


# ---------------------------------------------------------------- edits and disguised images

async def test_given_a_later_step_when_an_earlier_answer_is_edited_then_the_edit_is_not_appended_to_the_current_answer(
    fake, tmp_path, database_url
):
    user = 987650043
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await begin(r)
        await r.expect(snippet("intake.ask_what"))
        sent = await r.say(REPORT["what"])
        await r.expect(snippet("intake.ask_who"))
        delivered = update_carrying(fake, lambda u: (u.get("message") or {}).get("message_id")
                                    == sent["message_id"])
        edited = {**delivered["message"], "text": "Versi baru: uang diminta dua kali.",
                  "edit_date": delivered["message"]["date"] + 60}
        last = max(u["update_id"] for c in fake.calls_to("getUpdates")
                   for u in c.response.get("result") or [])
        await fake.inject_raw_update({"update_id": last + 1, "edited_message": edited})
        await fake.wait_for(lambda: deliveries(fake, last + 1) == 1)
        await answer(r, "who", REPORT["who"], asked=True)
        await r.expect(snippet("intake.ask_when"))
        draft, _ = await state(peluit, user)
        assert draft.answers == {"what": REPORT["what"], "who": REPORT["who"]}
    assert_clean(fake)


async def test_given_a_jpeg_sent_as_a_file_without_an_image_mime_type_then_its_exif_is_still_removed(
    fake, tmp_path, database_url
):
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 12.0, 0.5)}
    exif[0x010F] = "MARKERCAM"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "JPEG", exif=exif)
    photo = out.getvalue()
    user = 987650044
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await to_evidence(r)
        # Telegram clients send files without a known extension as application/octet-stream.
        await fake.send_document(user, photo, "IMG_20250303", "application/octet-stream")
        await r.expect(snippet("intake.metadata_removed"))
        await r.expect(snippet("intake.evidence_saved"), button="i:done:")
        await evidence_to_review(r)
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle()
        (uploaded,) = [data for method, data in fake.uploaded_files if method == "sendDocument"]
        assert b"MARKERCAM" not in uploaded and b"Exif" not in uploaded
        assert uploaded.startswith(b"\xff\xd8")
    assert_clean(fake)


async def test_given_the_evidence_step_when_a_photo_has_a_caption_then_the_caption_reaches_staff(
    fake, tmp_path, database_url
):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "JPEG")
    caption = "Foto amplop di meja Kabid, 3 Maret"
    user = 987650045
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await to_evidence(r)
        await fake.send_photo(user, out.getvalue(), caption=caption)
        await r.expect(snippet("intake.evidence_saved"), button="i:done:")
        await evidence_to_review(r)
        await r.press("i:submit:")
        await r.expect(button="i:wipe:")
        await peluit.settle()
        staff = fake.bot_messages(STAFF_CHAT)
        assert any(caption in (m.get("text") or m.get("caption") or "") for m in staff)
    assert_clean(fake)
