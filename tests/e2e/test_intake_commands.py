"""Issue 3, Show: the command menu, /start with its menu and deep links, and the language buttons."""

from __future__ import annotations

import json

import pytest

from bot.i18n import text
from tests.e2e.harness import STAFF_CHAT, Reporter, buttons, file_report, first_words, running_peluit

pytestmark = pytest.mark.e2e

REPORTER_MENU = ["start", "lapor", "status", "batal", "bantuan"]
STAFF_MENU = {"tanya", "kasus", "cari", "statistik", "bantuan"}
PRIVATE = json.dumps({"type": "all_private_chats"}, sort_keys=True)
STAFF_SCOPE = json.dumps({"type": "chat", "chat_id": STAFF_CHAT}, sort_keys=True)


def snippet(key: str, lang: str = "id") -> str:
    return first_words(lang, key)


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


async def test_given_the_bot_starts_then_the_command_menu_is_registered_in_both_languages_and_for_staff(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url):
        await fake.wait_for(lambda: len(fake.calls_to("setMyCommands")) >= 3)
        languages = sorted((c.params.get("language_code") or "") for c in
                           fake.calls_to("setMyCommands")
                           if json.dumps(c.params.get("scope"), sort_keys=True) == PRIVATE)
        assert languages == ["", "en"]  # the default (Bahasa Indonesia) and English
        for lang, code in (("id", ""), ("en", "en")):
            menu = fake.commands[(PRIVATE, code)]
            assert [c["command"] for c in menu] == REPORTER_MENU
            assert [c["description"] for c in menu] == [text(lang, f"command.{c}")
                                                          for c in REPORTER_MENU]
        assert fake.commands[(PRIVATE, "")] != fake.commands[(PRIVATE, "en")]
        staff = {c["command"] for c in fake.commands[(STAFF_SCOPE, "")]}
        assert STAFF_MENU <= staff
        assert not staff & {"lapor", "start", "status", "batal"}  # reporter commands stay private
    assert_clean(fake)


async def test_given_the_bot_starts_then_staff_commands_are_described_in_words_not_catalog_keys(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url):
        await fake.wait_for(lambda: (STAFF_SCOPE, "") in fake.commands)
        described = {c["command"]: c["description"] for c in fake.commands[(STAFF_SCOPE, "")]}
        assert not [d for d in described.values() if d.startswith("command.")], described
    assert_clean(fake)


async def test_given_a_new_reporter_when_they_send_start_then_the_welcome_shows_the_menu(
    fake, tmp_path, database_url
):
    user = 987650051
    async with running_peluit(fake, tmp_path, database_url):
        r = Reporter(fake, user)
        await r.say("/start")
        welcome = await r.expect(snippet("start.welcome"))
        assert buttons(welcome) == ["m:lapor", "m:status", "m:help", "m:privacy",
                                    "m:lang:id", "m:lang:en"]
        await r.press("m:privacy")
        await r.expect(snippet("start.privacy"))
        await r.press("m:lapor", in_message=welcome)
        await r.expect(snippet("intake.intro"), button="i:cat:")  # with the first question
        assert len(fake.calls_to("answerCallbackQuery")) == 2
    assert_clean(fake)


async def test_given_the_deep_link_start_lapor_then_a_report_begins(fake, tmp_path, database_url):
    user = 987650052
    async with running_peluit(fake, tmp_path, database_url):
        r = Reporter(fake, user)
        await r.say("/start lapor")
        await r.expect(snippet("intake.intro"), button="i:cat:")  # with the first question
        assert not any(snippet("start.welcome") in m["text"] for m in r.bot_messages())
    assert_clean(fake)


async def test_given_the_deep_link_start_status_then_the_ticket_code_is_asked_for(
    fake, tmp_path, database_url
):
    user = 987650053
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user)
        await r.say("/start status")
        asked = await r.expect(snippet("status.ask_code"))
        assert "XXXX-XXXX-XXXX-XXXX" in asked["text"]
        assert (fake.reply_keyboard(user) or {}).get("force_reply") is True  # a reply prompt
        await peluit.settle()
        assert len(r.bot_messages()) == 1  # no welcome, no report started
    assert_clean(fake)


async def test_given_the_language_buttons_when_english_is_chosen_then_the_next_texts_are_english(
    fake, tmp_path, database_url
):
    user = 987650054
    async with running_peluit(fake, tmp_path, database_url):
        r = Reporter(fake, user, language="id")
        await r.say("/start")
        welcome = await r.expect(snippet("start.welcome", "id"), button="m:lang:en")
        await r.press("m:lang:en", in_message=welcome)
        await r.expect(text("en", "lang.set"))
        await r.say("/lapor")
        category = await r.expect(snippet("intake.intro", "en"), button="i:cat:")
        assert snippet("intake.ask_category", "en") in category["text"]
        labels = [b["text"] for row in category["reply_markup"]["inline_keyboard"] for b in row]
        assert text("en", "category.korupsi") in labels
        await r.say("/batal")
        await r.expect(snippet("intake.cancelled", "en"))

        await r.press("m:lang:id", in_message=welcome)  # and back again
        await r.expect(text("id", "lang.set"))
        await r.say("/bantuan")
        await r.expect(snippet("help.reporter", "id"))
    assert_clean(fake)


async def test_given_a_draft_in_bahasa_when_english_is_chosen_then_the_resumed_report_continues_in_english(
    fake, tmp_path, database_url
):
    user = 987650055
    async with running_peluit(fake, tmp_path, database_url):
        r = Reporter(fake, user, language="id")
        await r.say("/lapor")
        await r.expect(snippet("intake.ask_category", "id"), button="i:cat:")
        await r.say("/start")
        welcome = await r.expect(snippet("start.welcome", "id"), button="m:lang:en")
        await r.press("m:lang:en", in_message=welcome)
        await r.expect(text("en", "lang.set"))
        await r.say("/lapor")
        resumed = await r.expect(snippet("intake.resume", "en"), button="i:cat:")
        assert snippet("intake.ask_category", "en") in resumed["text"]
        await r.press("i:cat:")
        await r.expect(snippet("intake.ask_what", "en"))
    assert_clean(fake)


async def test_given_the_hourly_report_limit_when_the_menu_report_button_is_pressed_then_it_is_answered_once(
    fake, tmp_path, database_url
):
    user = 987650056
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_REPORTS_PER_CHAT_PER_HOUR=1) as peluit:
        r = Reporter(fake, user)
        await r.say("/lapor")
        await r.expect(snippet("intake.ask_category"), button="i:cat:")
        await r.say("/batal")  # a cancelled draft is no report: it does not count
        await r.expect(snippet("intake.cancelled"))
        await file_report(r)
        await r.say("/start")
        welcome = await r.expect(snippet("start.welcome"), button="m:lapor")
        query = await r.press("m:lapor", in_message=welcome)
        await fake.wait_for(lambda: query["id"] in fake.callback_answers)
        await peluit.settle()
        answers = [c for c in fake.calls_to("answerCallbackQuery")
                   if c.params.get("callback_query_id") == query["id"]]
        assert len(answers) == 1
        said = fake.callback_answers[query["id"]].get("text") or " ".join(
            m["text"] for m in r.bot_messages() if m["message_id"] > welcome["message_id"])
        assert snippet("intake.too_many_reports") in said
        assert not any(snippet("intake.intro") in m["text"] for m in r.bot_messages()
                       if m["message_id"] > welcome["message_id"])
    assert_clean(fake)
