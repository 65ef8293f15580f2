"""What a test (or the sandbox page) reads from the stand-in Bot API: the visible messages of a
chat, the bot's topics and keyboards, the calls it made, and waits for a condition.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import time
from collections.abc import Callable
from typing import Any

from sandbox.botapi.state import BotApiState, Call


class Inspection(BotApiState):
    """Read-only views of the world, and waits for a condition on it."""

    def messages(self, chat_id: int, *, thread_id: Any = ...) -> list[dict]:
        """Snapshots of the chat's visible messages (edits applied, deleted ones left out)."""
        chat = self._chats.get(chat_id)
        return [] if chat is None else [
            copy.deepcopy(m.data) for m in chat.messages.values() if not m.deleted
            and (thread_id is ... or m.data.get("message_thread_id") == thread_id)]

    def bot_messages(self, chat_id: int, thread_id: Any = ...) -> list[dict]:
        """The bot's content messages (service messages such as topic creation excluded)."""
        chat = self._chats.get(chat_id)
        return [d for d in self.messages(chat_id, thread_id=thread_id) if chat and
                chat.messages[d["message_id"]].sender == self.bot_id and
                not chat.messages[d["message_id"]].service]

    def last_bot_message(self, chat_id: int) -> dict:
        msgs = self.bot_messages(chat_id)
        if not msgs:
            raise LookupError(f"the bot has sent nothing (still visible) to chat {chat_id}")
        return msgs[-1]

    def topics(self, chat_id: int) -> dict[int, str]:
        return {tid: t.name for tid, t in self._group(chat_id).topics.items() if not t.deleted}

    def topic_state(self, chat_id: int, thread_id: int) -> dict:
        """A topic as members see it: name, icon, whether it is closed."""
        topic = self._group(chat_id).topics[thread_id]
        return {"name": topic.name, "closed": topic.closed, "deleted": topic.deleted,
                "icon_custom_emoji_id": topic.icon_custom_emoji_id}

    def reply_keyboard(self, chat_id: int) -> dict | None:
        """The reply keyboard / force_reply last sent to the chat (None after removal)."""
        return self._chats[chat_id].reply_keyboard

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def describe_calls(self, n: int = 8) -> str:
        return "\n".join(f"  {c.method} -> {c.status} {c.description}".rstrip()
                         for c in self.calls[-n:]) or "  (no calls)"

    def pending_update_ids(self) -> list[int]:
        """Updates Telegram still holds for the bot (not yet confirmed by a getUpdates offset)."""
        return [e["update"]["update_id"] for e in self._queue]

    # ASYNC109: the callers' own deadline, so that running out says what the bot last called
    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; last calls:\n"
                                   f"{self.describe_calls()}\nrejected: "
                                   f"{[(c.method, c.description) for c in self.rejected]}")
            await asyncio.sleep(0.01)

    async def wait_bot_message(self, chat_id: int, *, contains: str | None = None,
                               after: int = 0, timeout: float = 10.0,  # noqa: ASYNC109
                               thread_id: Any = ...) -> dict:
        def find() -> dict | None:
            for m in self.bot_messages(chat_id, thread_id):
                body = m.get("text") or m.get("caption") or ""
                if m["message_id"] > after and (contains is None or contains in body):
                    return m
            return None

        return await self.wait_for(find, timeout)
