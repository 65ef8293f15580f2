"""One plain report (no evidence, anonymous) as the reporter sees it, and what it cost.

    python -m benchmarks.transcript                 # in Bahasa Indonesia
    python -m benchmarks.transcript --lang en
    python -m benchmarks.transcript --root /tmp/peluit-main   # an older Peluit, for comparison

The bot runs as `python -m bot` against the stand-in Bot API (as in `benchmarks/compare.py`); one
simulated reporter walks the report as the benchmark's reporters do. Printed: every message in the
private chat as it stands at the end (edits applied), the buttons under each, and the Bot API calls
made towards the reporter (messages, edits, reactions, answers to presses) and towards the staff
group.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import tempfile
from pathlib import Path

from benchmarks.compare import calls_towards
from benchmarks.loadgen import ROOT, BotProcess, Samples, Walker, start_fake, wait_staff
from tests.e2e.harness import REPORT, STAFF_CHAT

REPORT_EN = {
    "what": "The head of licensing asked for a Rp5 million bribe to issue a business permit.",
    "who": "Initials BS, Head of Licensing, district one-stop service office",
    "when": "Monday 3 March 2025, around 10 am",
    "where": "The head's office, 2nd floor of the one-stop service office",
    "how": "Asked to transfer to a personal account in a relative's name; WhatsApp chat kept.",
}
USER = 840_000_001


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _labels(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or []
    return [" ".join(f"[{b.get('text', '')}]" for b in row) for row in rows]


async def walk(language: str, root: str, work: Path) -> str:
    fake = await start_fake()
    bot = BotProcess(fake, work / "bot", root=root)
    walker_type = type("TranscriptWalker", (Walker,), {
        "language": language, "answers": REPORT if language == "id" else REPORT_EN})
    try:
        await bot.start()
        await asyncio.sleep(1.0)
        walker = walker_type(fake, USER, Samples(), 30.0)
        calls0 = len(fake.calls)
        ticket = await walker.file_report()
        await wait_staff(fake, 1, timeout=30)
        await asyncio.sleep(1.0)  # the card settles (a later edit is counted too)
        del fake.calls[:calls0]
        towards = calls_towards(fake, {USER})
        staff = calls_towards(fake, {STAFF_CHAT})
        staff["answerCallbackQuery"] -= towards["answerCallbackQuery"]
        chat = fake._chats[USER]  # a read-only look at the stand-in's chat
        lines = [f"# one plain report, language {language}, Peluit from {root}", ""]
        for stored in chat.messages.values():
            if stored.deleted or stored.service:
                continue
            data = stored.data
            who = "🤖" if stored.sender == fake.bot_id else "👤"
            body = _plain(data.get("text") or data.get("caption") or "")
            body = body.replace(ticket, "XXXX-XXXX-XXXX-XXXX")
            lines.append(f"{who} " + body.replace("\n", "\n   "))
            lines += [f"   {row}" for row in _labels(data)]
            lines.append("")
        total = sum(towards.values())
        lines.append(f"Bot API calls towards the reporter: {total} "
                     f"{dict(sorted(towards.items()))}")
        lines.append(f"Bot API calls towards the staff group: {sum(staff.values())} "
                     f"{dict(sorted((k, v) for k, v in staff.items() if v))}")
        return "\n".join(lines)
    finally:
        await bot.stop()
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.transcript", description=__doc__)
    parser.add_argument("--lang", choices=("id", "en"), default="id")
    parser.add_argument("--root", default=ROOT, help="the Peluit checkout to run (default: this one)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="peluit-transcript-"))
    try:
        print(asyncio.run(walk(args.lang, str(Path(args.root).resolve()), work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
