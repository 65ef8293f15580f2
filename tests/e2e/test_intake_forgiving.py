"""The reporter's conversation, short and forgiving: one message per step, progress on every
question, a way back, more added to the previous answer, typed "lanjut" moving on, a short answer
asked again; in Bahasa Indonesia and in English, over HTTP against the stand-in Bot API."""

from __future__ import annotations

import pytest

from bot.i18n import text
from flows.intents import ChatRoute
from tests.e2e.harness import REPORT, Reporter, buttons, file_report, first_words, running_peluit

pytestmark = pytest.mark.e2e

WORDS = {"id": {"next": "lanjut", "skip": "lewati", "done": "sudah", "step": "Langkah {n} dari 8"},
         "en": {"next": "next", "skip": "skip", "done": "done", "step": "Step {n} of 8"}}
TOWARDS_REPORTER = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "setMessageReaction",
                    "deleteMessage", "deleteMessages", "sendChatAction", "sendDocument", "sendPhoto")


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


def calls_towards(fake, user: int) -> int:
    """Messages, edits, reactions, deletions in the reporter's chat, and answers to presses (only
    this reporter presses buttons here)."""
    return sum(1 for c in fake.calls if c.method == "answerCallbackQuery" or (
        c.method in TOWARDS_REPORTER and str(c.params.get("chat_id")) == str(user)))


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_given_a_plain_report_then_it_costs_at_most_15_calls_and_each_answer_gets_one_message(
    fake, tmp_path, database_url, lang
):
    user = 987650071 if lang == "id" else 987650072
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user, language=lang)
        ticket = await file_report(r)
        await peluit.settle()
        calls = calls_towards(fake, user)

        assert ticket
        assert calls <= 15, calls  # before: 25 (every answer was "saved, press Lanjut")
        # one message per step: the intro with the category question, the next question after each
        # of the five answers and each press (evidence, identity), the review, the ticket
        assert len(r.bot_messages()) == 10
    assert_clean(fake)


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_given_a_reporter_who_goes_back_adds_and_types_lanjut_then_nothing_is_lost_or_doubled(
    fake, tmp_path, database_url, lang
):
    user = 987650073 if lang == "id" else 987650074
    words = WORDS[lang]

    def snippet(key: str) -> str:
        return first_words(lang, key)

    extra = "Uangnya diserahkan di parkiran." if lang == "id" else "Paid in the car park."
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user, language=lang)
        await r.say("/lapor")
        first = await r.expect(snippet("intake.intro"), button="i:cat:")
        assert snippet("intake.ask_category") in first["text"]  # the intro and question: one
        assert words["step"].format(n=1) in first["text"]
        await r.press("i:cat:")
        what = await r.expect(snippet("intake.ask_what"), button="i:back:")
        assert words["step"].format(n=2) in what["text"]
        await r.say(REPORT["what"])
        who = await r.expect(snippet("intake.ask_who"), button="i:add:")
        assert words["step"].format(n=3) in who["text"]

        # A one-letter answer: asked again calmly, kept, joined with the next message.
        await r.say("B")
        again = await r.expect(snippet("intake.problem.too_short"))
        assert snippet("intake.ask_who") in again["text"]
        await r.say("Kepala Bidang")
        when = await r.expect(snippet("intake.ask_when"), button="i:back:")

        # Back to who: the saved answer is shown; typed "lanjut" keeps it (not added).
        await r.press("i:back:", in_message=when)
        back = await r.expect(snippet("intake.ask_who"))
        assert "Kepala Bidang" in back["text"] and words["step"].format(n=3) in back["text"]
        await r.say(words["next"])
        when = await r.expect(snippet("intake.ask_when"), button="i:add:")

        # More for the previous answer, with the button on the next question.
        await r.press("i:add:", in_message=when)
        await r.expect(snippet("intake.ask_who"))
        await r.say(extra)
        await r.expect(snippet("intake.ask_when"))
        await r.say(REPORT["when"])
        await r.expect(snippet("intake.ask_where"))
        await r.say(words["skip"])  # where may be skipped by typing too
        await r.expect(snippet("intake.ask_how"))
        await r.say(REPORT["how"])
        await r.expect(snippet("intake.ask_evidence"), button="i:done:")
        await r.say(words["done"])  # no evidence
        await r.expect(snippet("intake.ask_identity"), button="i:anon:")
        await r.press("i:anon:")
        review = await r.expect(snippet("intake.review"), button="i:submit:")

        async with peluit.services.db.uow() as uow:
            draft = await uow.drafts.get(ChatRoute(user))
        assert draft is not None
        assert draft.answers == {"what": REPORT["what"], "who": f"B\nKepala Bidang\n{extra}",
                                 "when": REPORT["when"], "how": REPORT["how"]}
        assert words["next"] not in review["text"] and extra in review["text"]
        assert text(lang, "word.skipped") in review["text"]
        assert [d.split(":")[1] for d in buttons(review)][-3:] == ["submit", "back", "cancel"]
        await r.press("i:submit:")
        await r.expect(snippet("intake.submitted"), button="i:wipe:")
    assert_clean(fake)
