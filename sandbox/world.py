"""The embedded Bot API as the sandbox page needs it: the stand-in server, plus a change signal
(to wake the page's long polls), the reply prompts (ForceReply) still open, the answers to button
presses (toasts and alerts), and the bytes of a file for the page to show.

It adds to the stand-in server without changing how strictly it answers the bot.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.botapi import FakeTelegram


@dataclass(frozen=True)
class Prompt:
    """A ForceReply the bot sent: the person's next message in that chat is a reply to it."""

    chat_id: int
    message_id: int
    thread_id: int | None
    placeholder: str
    for_user: int | None  # selective: only this person (the one the prompt replies to)


@dataclass(frozen=True)
class Notice:
    """The bot's answer to a button press: a toast, or an alert when `alert`."""

    seq: int
    user_id: int
    text: str
    alert: bool


class SandboxTelegram(FakeTelegram):
    def __init__(self, token: str, *, on_change: Callable[[], None] = lambda: None) -> None:
        super().__init__(token, bot_username="peluit_sandbox_bot")
        self.on_change = on_change
        self.prompts: dict[int, Prompt] = {}  # chat id -> the open reply prompt there
        self.notices: list[Notice] = []
        self._pressed_by: dict[str, int] = {}  # callback query id -> who pressed

    # ------------------------------------------------------------------ what the page reads
    def file_bytes(self, file_id: str) -> tuple[bytes, str, str, str] | None:
        """(bytes, kind, file name, MIME type) of a file someone sent, or None."""
        record = self._files.get(file_id)
        if record is None or record.data is None:
            return None
        return (record.data, record.kind, str(record.meta.get("file_name") or ""),
                str(record.meta.get("mime_type") or ""))

    def topic_states(self, chat_id: int) -> dict[int, bool]:
        """Open topics of a forum group -> whether closed."""
        chat = self._chats.get(chat_id)
        return {} if chat is None else {tid: t.closed for tid, t in chat.topics.items()
                                         if not t.deleted}

    def prompt_for(self, chat_id: int, user_id: int) -> Prompt | None:
        prompt = self.prompts.get(chat_id)
        if prompt is None or prompt.for_user not in (None, user_id):
            return None
        return prompt

    # ------------------------------------------------------------------ what people do
    async def press_as(self, user_id: int, message: dict, data: str) -> None:
        query = await self.press(user_id, message, data)
        self._pressed_by[query["id"]] = user_id
        self.on_change()

    def wrote(self, chat_id: int) -> None:
        """A person wrote in the chat: an open reply prompt there has been used."""
        self.prompts.pop(chat_id, None)
        self.on_change()

    # ------------------------------------------------------------------ the HTTP seam
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle_api(request)
        call = self.calls[-1]  # appended by the call just answered (no await in between)
        if call.status == 200 and call.method not in ("getUpdates", "getMe", "getChatMember",
                                                      "getChat", "getFile"):
            self._observe(call.method, call.params, call.response.get("result"))
            self.on_change()
        return response

    def _observe(self, method: str, params: dict, result: Any) -> None:
        if method == "answerCallbackQuery":
            user = self._pressed_by.pop(str(params.get("callback_query_id")), None)
            if user is not None and params.get("text"):
                self.notices.append(Notice(len(self.notices) + 1, user, str(params["text"]),
                                           bool(params.get("show_alert"))))
            return
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            with contextlib.suppress(ValueError):
                markup = json.loads(markup)
        if not isinstance(result, dict) or "chat" not in result or not isinstance(markup, dict):
            return
        if markup.get("force_reply"):
            replied = (result.get("reply_to_message") or {}).get("from") or {}
            selective = markup.get("selective") and not replied.get("is_bot", True)
            self.prompts[result["chat"]["id"]] = Prompt(
                result["chat"]["id"], result["message_id"], result.get("message_thread_id"),
                str(markup.get("input_field_placeholder") or ""),
                replied.get("id") if selective else None)
