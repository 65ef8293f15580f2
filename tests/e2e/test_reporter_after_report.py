"""After the report, over HTTP against the stand-in Bot API, in Indonesian and in English: a free
message asks where it goes (the officer, or a new report) before anything is relayed; a closed
case says so with its outcome and what to do; a first message without /start gets the welcome
with the menu, naming the institution."""

from __future__ import annotations

import pytest

from bot.i18n import text
from tests.e2e.harness import STAFF_CHAT, Reporter, buttons, file_report, running_peluit
from tests.e2e.test_staff_journey import (
    CASE_NUMBER,
    assert_clean,
    body,
    last_id,
    next_in_group,
    snippet,
    staff_says,
)

LANGUAGES = pytest.mark.parametrize("lang", ["id", "en"])
WORDS = {"id": "Saya lupa menyebut: bendaharanya juga ikut menerima uang itu.",
         "en": "I forgot to say: the treasurer also took some of the money."}
NEW = {"id": "Ada kejadian lain di kantor kecamatan minggu lalu.",
       "en": "Something else happened at the district office last week."}


def topic_and_number(fake) -> tuple[int, str]:
    (topic, name), = fake.topics(STAFF_CHAT).items()
    match = CASE_NUMBER.search(name)
    assert match, name
    return topic, match.group(0)


def staff_texts(fake) -> str:
    return " ".join(body(m) for m in fake.bot_messages(STAFF_CHAT))


@LANGUAGES
async def test_given_a_submitted_report_when_a_free_message_is_sent_to_the_officer_then_it_is_relayed_after_asking(
    fake, tmp_path, database_url, lang
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, 987650611 if lang == "id" else 987650612, lang)
        await file_report(r)
        await peluit.settle()
        topic, number = topic_and_number(fake)
        mark = last_id(fake, STAFF_CHAT)

        await r.say(WORDS[lang])
        asked = await r.expect(snippet("reporter.ask_relay", lang), button="m:held:send")
        assert number in body(asked)
        assert buttons(asked) == ["m:held:send", "m:held:new", "m:held:drop"]
        await peluit.settle()
        assert WORDS[lang] not in staff_texts(fake)  # nothing relayed before the choice

        await r.press("m:held:send", in_message=asked)
        await r.expect(snippet("reporter.answer_sent", lang))
        relayed = await next_in_group(fake, WORDS[lang], mark, thread=topic)
        assert number in body(relayed)
        await peluit.settle()
        # The same button pressed again sends nothing twice.
        await r.press("m:held:send", in_message=asked)
        await r.expect(snippet("reporter.held_gone", lang))
        await peluit.settle()
        assert staff_texts(fake).count(WORDS[lang]) == 1

        # A reply to the officer's question still goes at once, with no question asked.
        await staff_says(fake, "/tanya Kapan tepatnya?", thread=topic)
        question = await r.expect("Kapan tepatnya?")
        await r.say("Selasa pagi, sekitar jam sembilan.", reply_to=question["message_id"])
        await r.expect(snippet("reporter.answer_sent", lang))
        await next_in_group(fake, "Selasa pagi, sekitar jam sembilan.", mark, thread=topic)
    assert_clean(fake)


@LANGUAGES
async def test_given_a_submitted_report_when_a_free_message_is_meant_as_a_new_report_then_nothing_is_relayed(
    fake, tmp_path, database_url, lang
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, 987650621 if lang == "id" else 987650622, lang)
        await file_report(r)
        await peluit.settle()

        await r.say(NEW[lang])
        asked = await r.expect(snippet("reporter.ask_relay", lang), button="m:held:new")
        await r.press("m:held:new", in_message=asked)
        await r.expect(button="i:cat:")  # a new draft begins
        await peluit.settle()
        assert NEW[lang] not in staff_texts(fake)

        # [Batal] drops a held message too.
        await r.say("/batal")
        await r.expect(snippet("intake.cancelled", lang))
        await r.say(NEW[lang])
        asked = await r.expect(snippet("reporter.ask_relay", lang), button="m:held:drop")
        await r.press("m:held:drop", in_message=asked)
        await r.expect(snippet("reporter.held_dropped", lang))
        await peluit.settle()
        assert NEW[lang] not in staff_texts(fake)
    assert_clean(fake)


@LANGUAGES
async def test_given_a_closed_case_when_the_reporter_writes_then_they_learn_it_is_closed_its_outcome_and_what_to_do(
    fake, tmp_path, database_url, lang
):
    reason = "Bukan kewenangan kami; silakan ke Ombudsman RI."
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, 987650631 if lang == "id" else 987650632, lang)
        await file_report(r)
        await peluit.settle()
        topic, number = topic_and_number(fake)
        await staff_says(fake, "/verifikasi", thread=topic)
        await r.expect(text(lang, "state.verifying"))
        await staff_says(fake, f"/tolak {number} {reason}")
        await r.expect(reason)
        await peluit.settle()

        await r.say("Why was it rejected? I have the photo." if lang == "en"
                    else "Kenapa ditolak? Saya punya fotonya.")
        closed = await r.expect(snippet("reporter.case_closed", lang), button="m:lapor")
        shown = body(closed)
        assert number in shown and reason in shown
        assert text(lang, "state.not_actionable") in shown
        assert snippet("reporter.no_case", lang) not in shown
        await peluit.settle()
        assert "Kenapa ditolak" not in staff_texts(fake) and "Why was it" not in staff_texts(fake)
        # The button starts a new report.
        await r.press("m:lapor", in_message=closed)
        await r.expect(button="i:cat:")
    assert_clean(fake)


@LANGUAGES
async def test_given_first_contact_without_start_then_the_welcome_with_the_menu_names_the_institution(
    fake, tmp_path, database_url, lang
):
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_INSTITUTION_NAME="Inspektorat Kabupaten Contoh") as peluit:
        r = Reporter(fake, 987650641 if lang == "id" else 987650642, lang)
        await r.say("halo, saya mau lapor" if lang == "id" else "hello, I want to report something")
        welcome = await r.expect(snippet("start.welcome", lang), button="m:lapor")
        assert "Inspektorat Kabupaten Contoh" in body(welcome)
        assert "m:status" in buttons(welcome)
        await r.press("m:lapor", in_message=welcome)
        await r.expect(button="i:cat:")
        await peluit.settle()
        assert fake.bot_messages(STAFF_CHAT) == []
    assert_clean(fake)
