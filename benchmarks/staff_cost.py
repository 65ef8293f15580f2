"""What one typical case costs the staff group: a card, two files, two questions, two answers and
three moves (verify and clarify by button, then the conclusion), run against the stand-in Bot API.

    python -m benchmarks.staff_cost

It counts, from the Bot API calls the bot made, what lands in the staff group: new messages
(sendMessage, sendDocument, ... : each counts against Telegram's 20 messages a minute in a group),
topic changes (createForumTopic, editForumTopic, close/reopenForumTopic: each also posts a service
message), and edits of existing messages (editMessageText). The conclusion is made the way the
code at hand allows: by button and a reply to its prompt when the press asks for the words, else
with `/selesai <number> <text>` (the code before issue 13). To count the code before a change,
run this file with that checkout first on the path (PYTHONPATH=/path/to/that/checkout).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from pathlib import Path

from sandbox.botapi import FakeTelegram
from tests.e2e.harness import STAFF, STAFF_CHAT, Reporter, buttons, file_report, running_peluit, world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SENDS = ("sendMessage", "sendDocument", "sendPhoto", "sendVideo", "sendVoice", "sendAudio",
         "sendVideoNote", "copyMessage")
TOPIC_CHANGES = ("createForumTopic", "editForumTopic", "closeForumTopic", "reopenForumTopic")


def _card(fake: FakeTelegram, card_id: int) -> dict:
    return next(m for m in fake.messages(STAFF_CHAT) if m["message_id"] == card_id)


def _button(fake: FakeTelegram, card_id: int, trigger: str) -> tuple[dict, str] | None:
    """The card's button for `trigger`, else (before issue 13, the card going stale) the newest
    bot message's that has it."""
    shown = [_card(fake, card_id), *reversed(fake.bot_messages(STAFF_CHAT))]
    return next(((m, d) for m in shown for d in buttons(m) if d.startswith(f"c:{trigger}:")),
                None)


async def _press(fake: FakeTelegram, card_id: int, trigger: str) -> dict:
    message, data = await fake.wait_for(lambda: _button(fake, card_id, trigger))
    query = await fake.press(STAFF[0], message, data)
    await fake.wait_for(lambda: query["id"] in fake.callback_answers)
    return fake.callback_answers[query["id"]]


async def typical_case(fake: FakeTelegram, data_dir: Path) -> Counter[str]:
    async with running_peluit(fake, data_dir) as peluit:
        reporter = Reporter(fake, 987650041)
        await file_report(reporter, evidence=[("a.pdf", PDF, "application/pdf"),
                                              ("b.pdf", PDF, "application/pdf")])
        await peluit.settle()
        topic = next(iter(fake.topics(STAFF_CHAT)))
        card = fake.bot_messages(STAFF_CHAT, thread_id=topic)[0]
        number = card["text"].split("Kasus ", 1)[1].split()[0]
        for question, answer in (("Ada saksi lain?", "Ada, staf loket."),
                                 ("Kapan tepatnya?", "Senin pagi.")):
            await fake.send_text(STAFF[0], question, chat_id=STAFF_CHAT, reply_to=card["message_id"])
            asked = await reporter.expect(question)
            await reporter.say(answer, reply_to=asked["message_id"])
            await reporter.expect()
            await peluit.settle()
        for trigger in ("verify", "clarify"):
            await _press(fake, card["message_id"], trigger)
            await peluit.settle()
        mark = max(m["message_id"] for m in fake.messages(STAFF_CHAT))
        said = await _press(fake, card["message_id"], "conclude")
        conclusion = "Terbukti; uang dikembalikan."
        if said.get("show_alert"):  # before issue 13: the command
            await fake.send_text(STAFF[0], f"/selesai {number} {conclusion}", chat_id=STAFF_CHAT,
                                 thread_id=topic)
        else:
            prompt = await fake.wait_bot_message(STAFF_CHAT, contains=number, after=mark)
            await peluit.settle()
            await fake.send_text(STAFF[0], conclusion, chat_id=STAFF_CHAT,
                                 reply_to=prompt["message_id"])
        await reporter.expect(conclusion)
        await peluit.settle()
    counts: Counter[str] = Counter()
    for call in fake.calls:
        if str(call.params.get("chat_id")) != str(STAFF_CHAT) or call.status != 200:
            continue
        if call.method in SENDS:
            counts["messages"] += 1
        elif call.method in TOPIC_CHANGES:
            counts["topic changes"] += 1
        elif call.method.startswith("edit"):
            counts["edits"] += 1
    return counts


async def main() -> None:
    fake = FakeTelegram("7000000001:AAH-peluit-test-token-0123456789abcdef")
    await fake.start()
    world(fake)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            counts = await typical_case(fake, Path(tmp))
    finally:
        with contextlib.suppress(Exception):
            await fake.stop()
    print("staff group, one typical case (card, 2 files, 2 questions, 2 answers, 3 moves):")
    for what in ("messages", "topic changes", "edits"):
        print(f"  {what}: {counts[what]}")


if __name__ == "__main__":
    asyncio.run(main())
