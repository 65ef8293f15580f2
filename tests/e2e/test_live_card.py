"""Issue 13, Show: the live case card and the topic follow every move; moves that need words are
made by button and a reply to the bot's prompt; a closed case's topic is closed and reopened with
the case. Over HTTP against the stand-in Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from bot.i18n import text
from tests.e2e.harness import STAFF, STAFF_CHAT, Reporter, buttons, file_report, running_peluit

pytestmark = pytest.mark.e2e

REPORTER = 987650031
CASE_NUMBER = re.compile(r"\bWBS-\d{4}-\d{4,}\b")
CONCLUSION = "Terbukti ada pungutan liar; uang dikembalikan kepada pemohon."
REASON = "Laporan tidak memuat kejadian yang dapat diperiksa."
AUTHORITY = "Diteruskan ke Inspektorat Jenderal Kementerian Dalam Negeri."
QUESTION = "Di lantai berapa kejadian itu, dan siapa saja yang hadir?"


def body(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


def state(key: str) -> str:
    return text("id", f"state.{key}")


class Desk:
    """The staff group's view of one case: its topic, its card as shown now."""

    def __init__(self, fake, peluit, topic: int, card_id: int) -> None:
        self.fake, self.peluit, self.topic, self.card_id = fake, peluit, topic, card_id

    def card(self) -> dict:
        return next(m for m in self.fake.messages(STAFF_CHAT) if m["message_id"] == self.card_id)

    def topic_state(self) -> dict:
        return self.fake.topic_state(STAFF_CHAT, self.topic)

    def moves(self) -> set[str]:
        """The moves the card offers ([Ambil], shown while nobody handles an open case, is not
        a move)."""
        return {d.split(":")[1] for d in buttons(self.card()) if d.startswith("c:")} - {"take"}

    async def shows(self, status: str, moves: set[str], *, closed: bool = False) -> None:
        """Wait until the card and the topic show `status`, the card offers `moves`."""
        def now_shown() -> bool:
            topic = self.topic_state()
            return (f"Status: {state(status)}" in body(self.card()) and self.moves() == moves
                    and state(status) in topic["name"] and topic["closed"] == closed)
        try:
            await self.fake.wait_for(now_shown)
        except TimeoutError as exc:
            raise AssertionError(f"shown: {self.topic_state()} {sorted(self.moves())} "
                                 f"{body(self.card())[:80]!r}") from exc

    def case_id(self) -> str:
        return next(d for d in buttons(self.card()) if d.startswith("c:")).split(":", 2)[2]

    async def press(self, user: int, trigger: str) -> None:
        await self.fake.press(user, self.card(), f"c:{trigger}:{self.case_id()}")

    async def prompt(self, after: int, user: int, trigger: str) -> dict:
        """The bot's reply prompt for `user`: force reply, selective, mentioning them."""
        words = text("id", f"staff.prompt.{trigger}").split("<b>")[1].split("</b>")[0]
        prompt = await self.fake.wait_bot_message(STAFF_CHAT, contains=words, after=after,
                                                  thread_id=self.topic)
        asked = self.fake.reply_keyboard(STAFF_CHAT)
        assert asked["force_reply"] is True and asked["selective"] is True
        mentioned = [e for e in prompt.get("entities", []) if e["type"] == "text_mention"]
        assert [e["user"]["id"] for e in mentioned] == [user]
        # Its link is recorded a moment after Telegram shows it (an officer types for longer).
        await self.peluit.settle()
        return prompt


async def _open_case(fake, peluit, reporter: Reporter) -> tuple[Desk, str]:
    await file_report(reporter)
    (topic, name), = (await fake.wait_for(lambda: fake.topics(STAFF_CHAT))).items()
    card = await fake.wait_bot_message(STAFF_CHAT, contains="Status:", thread_id=topic)
    return Desk(fake, peluit, topic, card["message_id"]), CASE_NUMBER.search(name).group(0)


def last_id(fake) -> int:
    return max((m["message_id"] for m in fake.messages(STAFF_CHAT)), default=0)


async def test_given_a_case_when_staff_move_it_to_its_end_and_back_then_card_and_topic_follow(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        desk, number = await _open_case(fake, peluit, reporter)
        await peluit.settle()
        # Given: a new case; its card and its topic say "received".
        await desk.shows("received", {"verify"})
        assert desk.topic_state()["name"].startswith(number)

        # When: verify, then clarify, each by a press on the card.
        await desk.press(STAFF[0], "verify")
        await desk.shows("verifying", {"request_info", "clarify", "forward", "reject"})
        await desk.press(STAFF[1], "clarify")
        await desk.shows("clarification", {"conclude"})

        # When: [Selesai] is pressed: the bot asks the officer for the conclusion.
        mark = last_id(fake)
        await desk.press(STAFF[0], "conclude")
        prompt = await desk.prompt(mark, STAFF[0], "conclude")
        # Another officer's reply does not conclude the case.
        await fake.send_text(STAFF[1], "Saya kira cukup.", chat_id=STAFF_CHAT,
                             reply_to=prompt["message_id"])
        await fake.wait_bot_message(STAFF_CHAT, contains=text("id", "staff.prompt_not_yours")
                                    .split("{")[0].strip()[:20], after=mark, thread_id=desk.topic)
        assert "Saya kira" not in " ".join(body(m) for m in reporter.bot_messages())
        # The officer's reply does: the reporter gets the conclusion; the topic closes.
        await fake.send_text(STAFF[0], CONCLUSION, chat_id=STAFF_CHAT, reply_to=prompt["message_id"])
        concluded = await reporter.expect(CONCLUSION)
        assert number in body(concluded)
        await desk.shows("concluded", {"reopen"}, closed=True)

        # When: the case is reopened. Then: its topic is open again, the card offers its moves.
        await desk.press(STAFF[1], "reopen")
        await desk.shows("verifying", {"request_info", "clarify", "forward", "reject"})
        await reporter.expect(state("verifying"))
        await peluit.settle()
        assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]


async def test_given_a_verified_case_when_staff_ask_forward_and_reject_by_button_then_each_takes_its_words_from_a_reply(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        desk, number = await _open_case(fake, peluit, reporter)
        await desk.press(STAFF[0], "verify")
        await desk.shows("verifying", {"request_info", "clarify", "forward", "reject"})

        # [Minta info]: the question first, then question and move reach the reporter together.
        mark = last_id(fake)
        await desk.press(STAFF[1], "request_info")
        prompt = await desk.prompt(mark, STAFF[1], "request_info")
        await desk.shows("verifying", {"request_info", "clarify", "forward", "reject"})
        await fake.send_text(STAFF[1], QUESTION, chat_id=STAFF_CHAT, reply_to=prompt["message_id"])
        asked = await reporter.expect(QUESTION)
        assert state("needs_info") in body(asked) and number in body(asked)
        await desk.shows("needs_info", {"resume", "forward", "reject"})

        # [Teruskan] and then, after a reopen, [Tolak]: each by button and reply.
        for trigger, words, status in (("forward", AUTHORITY, "forwarded"),
                                       ("reject", REASON, "not_actionable")):
            mark = last_id(fake)
            await desk.press(STAFF[0], trigger)
            prompt = await desk.prompt(mark, STAFF[0], trigger)
            await fake.send_text(STAFF[0], words, chat_id=STAFF_CHAT,
                                 reply_to=prompt["message_id"])
            told = await reporter.expect(words)
            assert state(status) in body(told)
            await desk.shows(status, {"reopen"}, closed=True)
            if trigger == "forward":
                await desk.press(STAFF[1], "reopen")
                await desk.shows("verifying", {"request_info", "clarify", "forward", "reject"})

        await peluit.settle()
        assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
