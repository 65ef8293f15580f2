"""Forum topics: created, renamed (name and icon), closed, reopened and deleted, each only in a
forum, each posting the service message Telegram posts, and each with Telegram's rights: making
a topic needs an administrator with `can_manage_topics`; editing, closing and reopening need it
too unless the bot made the topic; a change that changes nothing is `TOPIC_NOT_MODIFIED`.
"""

from __future__ import annotations

from sandbox.botapi.limits import TOPIC_COLORS, TOPIC_ICONS, bad
from sandbox.botapi.methods.checks import Checks
from sandbox.botapi.params import _Params
from sandbox.botapi.state import _Chat, _Topic

_ICON_IDS = frozenset(custom_id for _, custom_id in TOPIC_ICONS)


class TopicMethods(Checks):
    """createForumTopic, editForumTopic, close/reopen/deleteForumTopic,
    getForumTopicIconStickers."""

    def _create_topic(self, chat: _Chat, name: str, color: int, sender: int,
                      icon: str | None = None) -> int:
        content = {"forum_topic_created": {"name": name, "icon_color": color,
                                           **({"icon_custom_emoji_id": icon} if icon else {})}}
        msg = self._store(chat, sender, content, service=True)
        tid = msg["message_id"]
        msg["message_thread_id"], msg["is_topic_message"] = tid, True
        chat.topics[tid] = _Topic(name, color, icon, creator=sender)
        return tid

    def _topic(self, chat: _Chat, p: _Params, action: str) -> _Topic:
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_admin(chat):
            raise bad(f"not enough rights to {action} a topic")
        topic = chat.topics.get(p.get_int("message_thread_id", required=True))
        if topic is None or topic.deleted:
            raise bad("message thread not found")
        if topic.creator != self.bot_id and not self._bot_may(chat, "can_manage_topics"):
            raise bad(f"not enough rights to {action} a topic")
        return topic

    async def _service(self, chat: _Chat, p: _Params, content: dict) -> None:
        """The service message a topic change posts in the topic (the bot gets it too)."""
        tid = p.get_int("message_thread_id")
        msg = self._store(chat, self.bot_id, content, thread=tid, service=True)
        await self._emit("message", msg)

    @staticmethod
    def _icon(p: _Params) -> str | None:
        icon = p.get_str("icon_custom_emoji_id")
        if icon and icon not in _ICON_IDS:
            raise bad("TOPIC_ICON_INVALID")  # only getForumTopicIconStickers' emoji may be icons
        return icon

    async def _api_createForumTopic(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p)
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_may(chat, "can_manage_topics"):
            raise bad("not enough rights to create a topic")
        name = p.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = p.get_int("icon_color") or TOPIC_COLORS[0]
        if color not in TOPIC_COLORS:
            raise bad("TOPIC_ICON_COLOR_INVALID")
        icon = self._icon(p)
        tid = self._create_topic(chat, name, color, self.bot_id, icon)
        await self._emit("message", chat.messages[tid].data)  # before the answer, as Telegram
        return {"message_thread_id": tid, "name": name, "icon_color": color,
                **({"icon_custom_emoji_id": icon} if icon else {})}

    async def _api_editForumTopic(self, p: _Params, files: dict) -> bool:
        """`name` 0-128 characters (absent or empty: kept); `icon_custom_emoji_id` absent: kept,
        empty: removed."""
        chat = self._chat(p)
        topic = self._topic(chat, p, "edit")
        name = p.get_str("name") or None
        if name is not None and len(name) > 128:
            raise bad("TOPIC_TITLE_TOO_LONG")
        icon = self._icon(p)
        new_name = name if name is not None else topic.name
        new_icon = topic.icon_custom_emoji_id if icon is None else (icon or None)
        if new_name == topic.name and new_icon == topic.icon_custom_emoji_id:
            raise bad("TOPIC_NOT_MODIFIED")
        edited: dict = {}
        if new_name != topic.name:
            edited["name"] = new_name
        if new_icon != topic.icon_custom_emoji_id:
            edited["icon_custom_emoji_id"] = new_icon or ""
        topic.name, topic.icon_custom_emoji_id = new_name, new_icon
        await self._service(chat, p, {"forum_topic_edited": edited})
        return True

    async def _set_closed(self, p: _Params, closed: bool) -> bool:
        chat = self._chat(p)
        topic = self._topic(chat, p, "close" if closed else "reopen")
        if topic.closed == closed:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        await self._service(chat, p, {"forum_topic_closed" if closed else "forum_topic_reopened": {}})
        return True

    async def _api_closeForumTopic(self, p: _Params, files: dict) -> bool:
        return await self._set_closed(p, True)

    async def _api_reopenForumTopic(self, p: _Params, files: dict) -> bool:
        return await self._set_closed(p, False)

    def _api_deleteForumTopic(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p)
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self._bot_may(chat, "can_delete_messages"):
            raise bad("not enough rights to delete a topic")
        topic = chat.topics.get(p.get_int("message_thread_id", required=True))
        if topic is None or topic.deleted:
            raise bad("message thread not found")
        self.delete_topic(chat.id, p.get_int("message_thread_id"))
        return True

    def _api_getForumTopicIconStickers(self, p: _Params, files: dict) -> list[dict]:
        """The custom emoji stickers any member may use as a topic icon (complete Sticker
        objects for the pinned python-telegram-bot)."""
        return [{"file_id": f"topic-icon-{custom_id}", "file_unique_id": f"ti{custom_id[-8:]}",
                 "type": "custom_emoji", "width": 512, "height": 512, "is_animated": False,
                 "is_video": False, "emoji": emoji, "custom_emoji_id": custom_id,
                 "set_name": "Topics"}
                for emoji, custom_id in TOPIC_ICONS]
