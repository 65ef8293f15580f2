"""Chats and members: getChat, getChatMember (ChatMember objects complete for python-telegram-bot)
and leaveChat.
"""

from __future__ import annotations

from typing import Any

from sandbox.botapi.limits import bad
from sandbox.botapi.methods.checks import Checks
from sandbox.botapi.params import _Params
from sandbox.botapi.state import ADMIN_RIGHTS, _Chat


class ChatMethods(Checks):
    """getChat, getChatMember, leaveChat."""

    def _api_getChat(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p, sending=False)
        return {**chat.json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _api_getChatMember(self, p: _Params, files: dict) -> dict:
        chat = self._chat(p, sending=False)
        uid = p.get_int("user_id", required=True)
        status = ("member" if uid in (chat.id, self.bot_id) else "left") \
            if chat.type == "private" else chat.members.get(uid, "left")
        return self._member_json(chat, uid, status)

    def _member_json(self, chat: _Chat, uid: int, status: str) -> dict:
        """A ChatMember object, complete for the pinned python-telegram-bot."""
        user = self._bot_json() if uid == self.bot_id else self._users[uid].to_dict() \
            if uid in self._users else {"id": uid, "is_bot": False, "first_name": "Unknown"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            held = chat.bot_rights if uid == self.bot_id else set(ADMIN_RIGHTS)
            member.update({k: k in held for k in ADMIN_RIGHTS}, can_be_edited=False,
                          is_anonymous=False, can_promote_members=False)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_leaveChat(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p, sending=False)
        if chat.type == "private":
            raise bad("chat member status can't be changed in private chats")
        chat.members[self.bot_id] = "left"
        self.left_chats.add(chat.id)
        return True
