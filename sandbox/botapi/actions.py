"""What people do in Telegram, as the stand-in Bot API sees it: people and groups come to be, join
and leave, block the bot, upgrade a group, open and delete topics; and they write, send files
and press buttons, each of which becomes an update for the bot when Telegram would send one.

What Telegram would not let a person do is refused with ``ImpossibleAction``.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
from collections.abc import Iterable
from typing import Any

from sandbox.botapi.entities import detect_entities
from sandbox.botapi.limits import _DEFAULT_MIME, TOPIC_COLORS
from sandbox.botapi.params import _Params
from sandbox.botapi.state import ADMIN_RIGHTS, BotApiState, ImpossibleAction, User, _Chat

_PRESENT = ("member", "administrator", "creator")  # may write and press in a group


class PeopleActions(BotApiState):
    """What people (and group admins) do; each change reaches the bot as Telegram would send it."""

    # ---------------------------------------------------------------- people, groups, topics
    def add_user(self, user_id: int, first_name: str = "Ani", *, username: str | None = None,
                 language_code: str | None = "id") -> User:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = User(user_id, first_name, username, language_code)
        self._users[user_id] = user
        if user_id in self._chats:
            self._chats[user_id].user = user
        return user

    def add_group(self, chat_id: int, title: str, *, forum: bool = True,
                  members: Iterable[int] = (), bot_is_admin: bool = True) -> None:
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        supergroup = str(chat_id).startswith("-100")
        if forum and not supergroup:
            raise ValueError("only supergroups (-100...) can be forums")
        chat = _Chat(chat_id, "supergroup" if supergroup else "group", title, is_forum=forum)
        chat.members = {uid: "member" for uid in members}
        chat.members[self.bot_id] = "administrator" if bot_is_admin else "member"
        self._chats[chat_id] = chat

    def set_bot_rights(self, chat_id: int, **rights: bool) -> None:
        """A group admin grants or withdraws the bot's administrator rights
        (``can_manage_topics=False``...)."""
        chat = self._group(chat_id)
        for right, held in rights.items():
            if right not in ADMIN_RIGHTS:
                raise ValueError(f"no such administrator right: {right!r}")
            (chat.bot_rights.add if held else chat.bot_rights.discard)(right)

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Change a membership; an administrator bot is told of anyone else's change with a
        ``chat_member`` update (see ``_member_changed``). The bot's own status changes silently:
        ``change_member`` also sends the ``my_chat_member`` update Telegram sends."""
        if status not in ("member", "administrator", "creator", "left", "kicked"):
            raise ValueError(f"no such membership status: {status!r}")
        chat = self._group(chat_id)
        told = user_id != self.bot_id and self._bot_admin(chat)  # see _member_changed
        before = self._current_member(chat_id, user_id) if told else None
        chat.members[user_id] = status
        if before is not None:
            self._member_changed(chat_id, user_id, before)

    async def change_member(self, chat_id: int, user_id: int, status: str, *,
                            by: int | None = None) -> None:
        """An admin (``by``) changes a membership, and Telegram tells the bot: a change of the
        bot's own status is a ``my_chat_member`` update, anyone else's a ``chat_member`` update
        (only delivered to an administrator bot that asked for it in ``allowed_updates``)."""
        chat = self._group(chat_id)
        if user_id != self.bot_id:
            self.set_member(chat_id, user_id, status)  # tells an administrator bot itself
            return
        old = chat.members.get(user_id, "left")
        self.set_member(chat_id, user_id, status)
        actor = self._users[by].to_dict() if by in self._users else {
            "id": 777000, "is_bot": False, "first_name": "Telegram"}
        change = {"chat": chat.json(), "from": actor, "date": int(self.now()),
                  "old_chat_member": self._member_json(chat, user_id, old),
                  "new_chat_member": self._member_json(chat, user_id, status)}
        await self._emit("my_chat_member", change)

    def delete_account(self, user_id: int) -> None:
        """The user deletes their Telegram account: their chat is gone ("chat not found")."""
        self._user(user_id)
        self._deleted.add(user_id)

    async def migrate_group(self, old_id: int, new_id: int, *, forum: bool = False) -> None:
        """A basic group is upgraded to a supergroup with a new id (members and the bot's status
        move along). Calls naming the old id are answered 400 with ``migrate_to_chat_id``; both
        groups get their service message (``migrate_to_chat_id`` / ``migrate_from_chat_id``)."""
        old = self._group(old_id)
        if old.type != "group" or not str(new_id).startswith("-100"):
            raise ImpossibleAction("only a basic group becomes a supergroup (-100...)")
        new = _Chat(new_id, "supergroup", old.title, is_forum=forum)
        new.members = dict(old.members)
        self._chats[new_id] = new
        self._migrated[old_id] = new_id
        for chat, content in ((old, {"migrate_to_chat_id": new_id}),
                              (new, {"migrate_from_chat_id": old_id})):
            msg = self._store(chat, 0, content, service=True)
            if self._bot_sees(chat, msg, None):
                await self._emit("message", msg)

    def add_topic(self, chat_id: int, name: str, icon_color: int = TOPIC_COLORS[0]) -> int:
        """A human admin creates a forum topic; returns its message_thread_id."""
        chat = self._group(chat_id)
        if not chat.is_forum:
            raise ImpossibleAction(f"group {chat_id} has no topics")
        return self._create_topic(chat, name, icon_color, sender=0)

    def block_bot(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock_bot(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        chat = self._group(chat_id)
        if thread_id not in chat.topics:
            raise ImpossibleAction(f"no topic {thread_id} in {chat_id}")
        chat.topics[thread_id].deleted = True
        for m in chat.messages.values():
            if m.data.get("message_thread_id") == thread_id:
                m.deleted = True

    # ---------------------------------------------------------------- messages and presses
    async def send_text(self, user_id: int, text: str, *, chat_id: int | None = None,
                        reply_to: int | None = None, thread_id: int | None = None) -> dict:
        content: dict[str, Any] = {"text": text}
        if ents := detect_entities(text):
            content["entities"] = ents
        return await self._user_message(user_id, chat_id, content, reply_to, thread_id)

    async def send_photo(self, user_id: int, data: bytes, *, chat_id: int | None = None,
                         caption: str | None = None, reply_to: int | None = None,
                         thread_id: int | None = None) -> dict:
        rec = self._store_file("photo", data, strict_image=False)
        content: dict[str, Any] = {"photo": copy.deepcopy(rec.sizes)}
        if caption:
            content["caption"] = caption
        return await self._user_message(user_id, chat_id, content, reply_to, thread_id)

    async def send_document(self, user_id: int, data: bytes, file_name: str, mime_type: str, *,
                            chat_id: int | None = None, caption: str | None = None,
                            reply_to: int | None = None, thread_id: int | None = None) -> dict:
        rec = self._store_file("document", data, file_name=file_name, mime_type=mime_type)
        content: dict[str, Any] = {"document": self._file_json(rec)}
        if caption:
            content["caption"] = caption
        return await self._user_message(user_id, chat_id, content, reply_to, thread_id)

    async def send_media(self, user_id: int, kind: str, data: bytes, *,
                         mime_type: str | None = None, duration: int = 1,
                         chat_id: int | None = None, reply_to: int | None = None) -> dict:
        if kind not in ("video", "voice", "audio", "video_note", "animation"):
            raise ValueError(f"not a kind of media: {kind!r}")
        rec = self._store_file(kind, data, mime_type=mime_type or _DEFAULT_MIME.get(kind),
                               duration=duration, width=320, height=320)
        return await self._user_message(user_id, chat_id, self._media_content(rec), reply_to)

    async def send_sticker(self, user_id: int, *, chat_id: int | None = None) -> dict:
        rec = self._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 fake", width=512,
                               height=512)
        return await self._user_message(user_id, chat_id, self._media_content(rec), None)

    async def send_location(self, user_id: int, lat: float = -6.2, lon: float = 106.8, *,
                            chat_id: int | None = None) -> dict:
        content = {"location": {"latitude": lat, "longitude": lon}}
        return await self._user_message(user_id, chat_id, content, None)

    async def send_big_document(self, user_id: int, size: int, file_name: str = "big.pdf", *,
                                chat_id: int | None = None) -> dict:
        rec = self._store_file("document", None, size=size, file_name=file_name,
                               mime_type="application/pdf")
        return await self._user_message(user_id, chat_id, {"document": self._file_json(rec)},
                                        None)

    async def press(self, user_id: int, message: dict, data: str) -> dict:
        """The user taps an inline button (as currently displayed) on a bot message."""
        user = self._user(user_id)
        chat = self._chats.get(message["chat"]["id"])
        stored = chat.messages.get(message["message_id"]) if chat else None
        if chat is None or stored is None or stored.deleted:
            raise ImpossibleAction("that message is gone; nothing to press")
        if stored.sender != self.bot_id:
            raise ImpossibleAction("only bot messages carry inline keyboards")
        datas = [b.get("callback_data") for row in
                 stored.data.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if data not in datas:
            raise ImpossibleAction(f"no button with callback_data {data!r}; buttons have {datas}")
        if chat.type != "private" and chat.members.get(user_id) not in _PRESENT:
            raise ImpossibleAction(f"user {user_id} is not in chat {chat.id}")
        query = {"id": str(secrets.randbits(63)), "from": user.to_dict(),
                 "message": copy.deepcopy(stored.data),
                 "chat_instance": str(abs(hash((chat.id, "ci"))) % 10**18), "data": data}
        self._callbacks[query["id"]] = {"at": self.now(), "answered": False}
        if chat.type == "private":
            self._blocked.discard(user_id)
        await self._emit("callback_query", query)
        return query

    async def press_inline(self, user_id: int, data: str) -> dict:
        """The user taps a button on a message sent in inline mode (through the bot, in some
        other chat): the callback query has ``inline_message_id`` and no message or chat."""
        query = {"id": str(secrets.randbits(63)), "from": self._user(user_id).to_dict(),
                 "inline_message_id": secrets.token_urlsafe(18),
                 "chat_instance": str(secrets.randbits(60)), "data": data}
        self._callbacks[query["id"]] = {"at": self.now(), "answered": False}
        await self._emit("callback_query", query)
        return query

    async def _user_message(self, user_id: int, chat_id: int | None, content: dict,
                            reply_to: int | None, thread_id: int | None = None) -> dict:
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:  # private chat; writing also unblocks
            chat = self._chats.setdefault(user_id, _Chat(user_id, "private", user=user))
            self._blocked.discard(user_id)
        else:
            chat = self._group(chat_id)
            if chat.members.get(user_id) not in _PRESENT:
                raise ImpossibleAction(f"user {user_id} is not a member of {chat_id}")
        reply = thread = None
        if thread_id is not None:
            if thread_id not in chat.topics or chat.topics[thread_id].deleted:
                raise ImpossibleAction(f"no topic {thread_id} in {chat.id}")
            thread = thread_id
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None or target.deleted:
                raise ImpossibleAction(f"no message {reply_to} to reply to")
            reply = {k: v for k, v in target.data.items() if k != "reply_to_message"}
            thread = thread or target.data.get("message_thread_id")
        topic = chat.topics.get(thread) if thread is not None else None
        if topic is not None and topic.closed and chat.members.get(user_id) == "member":
            raise ImpossibleAction(f"topic {thread} is closed: only administrators may write")
        msg = self._store(chat, user_id, content, thread=thread, reply=reply)
        if self._bot_sees(chat, msg, reply_to):
            await self._emit("message", msg)
        return copy.deepcopy(msg)

    # ---------------------------------------------------------------- chat_member updates
    def _current_member(self, chat_id: int, user_id: int) -> dict:
        return self._api_getChatMember(_Params.normalize({"chat_id": chat_id, "user_id": user_id}), {})

    def _member_changed(self, chat_id: int, user_id: int, before: dict) -> None:
        """Telegram tells an administrator bot about other members' changes with a chat_member
        update (delivered only when asked for in allowed_updates); the bot's own change is a
        my_chat_member update, which tests inject themselves."""
        chat = self._group(chat_id)
        after = self._current_member(chat_id, user_id)
        if before["status"] == after["status"]:
            return
        performer = self._users[user_id].to_dict() if user_id in self._users else after["user"]
        change = {"chat": chat.json(), "from": performer, "date": int(self.now()),
                  "old_chat_member": before, "new_chat_member": after}
        update = {"update_id": self._next_update_id, "chat_member": change}
        self._next_update_id += 1
        self._queue.append({"update": update, "delivered": False, "redelivery": False})
        if not self.webhook_url:
            self._notify()
            return
        task = asyncio.get_running_loop().create_task(self.flush_webhook())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
