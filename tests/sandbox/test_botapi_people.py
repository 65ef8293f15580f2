"""What people cannot do in Telegram, the embedded Bot API refuses as a real check: the sandbox
runs it as product code, where `python -O` would remove an `assert`."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import asyncio

    import aiohttp

    from sandbox.botapi import running_fake_telegram

    USER, OTHER, FORUM, PLAIN = 1001, 1002, -1001234567890, -1009876543210


    async def outcome(action):
        try:
            result = action()
            if asyncio.iscoroutine(result):
                await result
        except Exception as exc:
            return type(exc).__name__
        return "allowed"


    async def main():
        async with running_fake_telegram() as tg:
            tg.add_user(USER, "Ani")
            tg.add_user(OTHER, "Budi")
            tg.add_group(FORUM, "Integrity staff", forum=True, members=[OTHER])
            tg.add_group(PLAIN, "Plain group", forum=False, members=[OTHER])
            await tg.send_text(USER, "/start")
            keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
            async with aiohttp.ClientSession() as s:
                for chat in (USER, PLAIN):
                    await s.post(f"{tg.url}/bot{tg.token}/sendMessage",
                                 json={"chat_id": chat, "text": "Pilih", "reply_markup": keyboard})
            bot_msg, group_msg = tg.last_bot_message(USER), tg.last_bot_message(PLAIN)
            own_msg = tg.messages(USER)[0]
            topic = tg.add_topic(FORUM, "WBS-1")
            tg.delete_topic(FORUM, topic)
            cases = {
                "not a member writes in the group": lambda: tg.send_text(USER, "hi", chat_id=PLAIN),
                "unknown person writes": lambda: tg.send_text(4242, "hi"),
                "reply to a message that is not there": lambda: tg.send_text(USER, "x", reply_to=999),
                "write in a deleted topic": lambda: tg.send_text(OTHER, "x", chat_id=FORUM,
                                                                 thread_id=topic),
                "press a button that is not there": lambda: tg.press(USER, bot_msg, "stop"),
                "press on a person's own message": lambda: tg.press(USER, own_msg, "go"),
                "press in a group one is not in": lambda: tg.press(USER, group_msg, "go"),
                "press in a chat that is not there": lambda: tg.press(
                    USER, {**bot_msg, "chat": {"id": -1000000000002}}, "go"),
                "a topic in a group without topics": lambda: tg.add_topic(PLAIN, "x"),
                "delete a topic that never was": lambda: tg.delete_topic(FORUM, 12345),
                "an unknown group": lambda: tg.set_member(-1000000000001, OTHER, "member"),
                "a membership status Telegram has not": lambda: tg.set_member(FORUM, USER, "owner"),
                "a user id that is not positive": lambda: tg.add_user(0, "Nobody"),
                "a fault kind the server cannot give": lambda: tg.inject_faults(1.0, kinds=["500"]),
            }
            for name, action in cases.items():
                print(f"{name}: {await outcome(action)}")
            print(f"pressable still: {await outcome(lambda: tg.press(USER, bot_msg, 'go'))}")


    asyncio.run(main())
""")


def test_given_python_optimized_when_people_try_what_telegram_does_not_allow_then_it_is_refused():
    done = subprocess.run([sys.executable, "-O", "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "not a member writes in the group: ImpossibleAction",
        "unknown person writes: ImpossibleAction",
        "reply to a message that is not there: ImpossibleAction",
        "write in a deleted topic: ImpossibleAction",
        "press a button that is not there: ImpossibleAction",
        "press on a person's own message: ImpossibleAction",
        "press in a group one is not in: ImpossibleAction",
        "press in a chat that is not there: ImpossibleAction",
        "a topic in a group without topics: ImpossibleAction",
        "delete a topic that never was: ImpossibleAction",
        "an unknown group: ImpossibleAction",
        "a membership status Telegram has not: ValueError",
        "a user id that is not positive: ValueError",
        "a fault kind the server cannot give: ValueError",
        "pressable still: allowed",
    ]
