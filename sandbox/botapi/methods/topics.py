"""Forum topics: created (with the service message Telegram posts), renamed, closed, reopened and
deleted, each only in a forum and only by an administrator.
"""

from __future__ import annotations

from sandbox.botapi.limits import TOPIC_COLORS, bad
from sandbox.botapi.methods.checks import Checks
from sandbox.botapi.params import _Params
from sandbox.botapi.state import _Chat, _Topic


class TopicMethods(Checks):
    """createForumTopic, editForumTopic, close/reopen/deleteForumTopic."""

    def _create_topic(self, chat: _Chat, name: str, color: int, sender: int) -> int:
        content = {"forum_topic_created": {"name": name, "icon_color": color}}
        msg = self._store(chat, sender, content, service=True)
        tid = msg["message_id"]
        msg["message_thread_id"], msg["is_topic_message"] = tid, True
        chat.topics[tid] = _Topic(name, color)
        return tid

    def _topic(self, chat: _Chat, p: _Params, action: str) -> _Topic:
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_admin(chat):
            raise bad(f"not enough rights to {action} a topic")
        topic = chat.topics.get(p.get_int("message_thread_id", required=True))
        if topic is None or topic.deleted:
            raise bad("message thread not found")
        return topic

    async def _api_createForumTopic(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p)
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_admin(chat):
            raise bad("not enough rights to create a topic")
        name = p.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = p.get_int("icon_color") or TOPIC_COLORS[0]
        if color not in TOPIC_COLORS:
            raise bad("TOPIC_ICON_COLOR_INVALID")
        tid = self._create_topic(chat, name, color, self.bot_id)
        await self._emit("message", chat.messages[tid].data)  # before the answer, as Telegram
        return {"message_thread_id": tid, "name": name, "icon_color": color}

    def _api_editForumTopic(self, p: _Params, files: dict) -> bool:
        topic = self._topic(self._chat(p), p, "edit")
        name = p.get_str("name")
        if name is not None and not 1 <= len(name) <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        if name is None or name == topic.name:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.name = name
        return True

    def _set_closed(self, p: _Params, closed: bool) -> bool:
        topic = self._topic(self._chat(p), p, "close" if closed else "reopen")
        if topic.closed == closed:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        return True

    def _api_closeForumTopic(self, p: _Params, files: dict) -> bool:
        return self._set_closed(p, True)

    def _api_reopenForumTopic(self, p: _Params, files: dict) -> bool:
        return self._set_closed(p, False)

    def _api_deleteForumTopic(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p)
        self._topic(chat, p, "delete")
        self.delete_topic(chat.id, p.get_int("message_thread_id"))
        return True
