"""What the Bot API checks before it carries out a call: may the bot act in that chat and topic,
is the text valid in its parse mode and short enough, is the keyboard one Telegram accepts, does
the message replied to exist, and is the bot within the flood limits.
"""

from __future__ import annotations

import math
import re
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from sandbox.botapi.entities import _PARSERS
from sandbox.botapi.limits import MAX_CALLBACK_DATA, ApiError, bad, forbidden, too_many
from sandbox.botapi.params import _Params
from sandbox.botapi.state import BotApiState, _Chat


class Checks(BotApiState):
    """The checks shared by the methods; each raises Telegram's refusal."""

    def _chat(self, p: _Params, key: str = "chat_id", *, sending: bool = True) -> _Chat:
        """Resolve chat_id and check the bot may act there, exactly like Telegram."""
        raw = p.get(key)
        if raw is None or raw == "":
            raise bad(f"{key} is empty")
        if isinstance(raw, str) and not re.fullmatch(r"-?\d+", raw):
            raise bad("chat not found")
        cid = int(raw)
        if cid in self._migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._migrated[cid]})
        if cid in self._deleted:
            raise bad("chat not found")
        if cid in self._users:
            if cid in self._blocked and sending:
                raise forbidden("bot was blocked by the user")
            if cid not in self._chats:
                raise forbidden("bot can't initiate conversation with a user")
            return self._chats[cid]
        chat = self._chats.get(cid)
        if chat is None or chat.type == "private":
            raise bad("chat not found")
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        status = chat.members.get(self.bot_id)
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if status not in ("member", "administrator", "creator"):
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def _thread(self, chat: _Chat, p: _Params) -> int | None:
        tid = p.get_int("message_thread_id")
        if tid is None:
            return None
        topic = chat.topics.get(tid)
        if topic is None or topic.deleted:
            raise bad("message thread not found")
        if topic.closed and not self._bot_may(chat, "can_manage_topics"):
            raise bad("TOPIC_CLOSED")
        return tid

    def _format(self, p: _Params, key: str, limit: int) -> tuple[str, list[dict]]:
        """Parse text/caption with parse_mode (or take explicit entities) and check length."""
        raw = p.get_str(key) or ""
        ents_key = "entities" if key == "text" else "caption_entities"
        explicit = p.get_json(ents_key, list, err=f"can't parse {ents_key} JSON object")
        mode = (p.get_str("parse_mode") or "").lower()
        if explicit is not None:
            text, ents = raw, explicit
        elif mode in _PARSERS:
            text, ents = _PARSERS[mode](raw)
        elif mode:
            raise bad(f"unsupported parse_mode {p.get_str('parse_mode')!r}")
        else:
            text, ents = raw, []
        if key == "text" and not text.strip():
            raise bad("message text is empty")
        if len(text) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        return text, ents

    def _markup(self, p: _Params, *, inline_only: bool = False) -> tuple[dict | None, Any]:
        """Validate reply_markup -> (inline markup to store on the message, reply keyboard)."""
        err = "can't parse reply keyboard markup JSON object"
        raw = p.get_json("reply_markup", dict, err=err)
        if raw is None:
            return None, None
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad("can't parse inline keyboard button: InlineKeyboardMarkup must be an "
                          "Array of Arrays")
            if sum(len(r) for r in rows) > 100:
                raise bad("reply markup is too long")
            for btn in (b for r in rows for b in r):
                self._check_button(btn)
            return {"inline_keyboard": rows}, None
        if inline_only:
            raise bad("inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad(err)
            for btn in (b for r in rows for b in r):
                text = btn if isinstance(btn, str) else (btn or {}).get("text")
                if not isinstance(text, str) or not text.strip():
                    raise bad("keyboard button text must be non-empty")
            return None, raw
        if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
            return None, raw
        raise bad(err)

    @staticmethod
    def _check_button(btn: Any) -> None:
        if not isinstance(btn, dict) or not isinstance(btn.get("text"), str):
            raise bad("can't parse inline keyboard button: Field \"text\" must be of type String")
        if not btn["text"].strip():
            raise bad("BUTTON_TEXT_INVALID")
        actions = [k for k in ("url", "callback_data", "web_app", "login_url", "pay",
                               "switch_inline_query", "switch_inline_query_current_chat",
                               "switch_inline_query_chosen_chat", "copy_text", "callback_game")
                   if k in btn]
        if not actions:
            raise bad("text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad("can't parse inline keyboard button: exactly one of the optional fields "
                      "must be used")
        data = btn.get("callback_data")
        if "callback_data" in btn and (not isinstance(data, str) or
                                       not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA):
            raise bad("BUTTON_DATA_INVALID")
        if "url" in btn:
            u = urlsplit(str(btn["url"]))
            if u.scheme not in ("http", "https", "tg") or (u.scheme != "tg" and not u.netloc):
                raise bad(f"inline keyboard button URL '{btn['url']}' is invalid: Wrong HTTP URL")

    def _reply(self, chat: _Chat, p: _Params, thread: int | None) -> tuple[dict | None, Any]:
        """Resolve reply_parameters -> (replied message snapshot, thread it lives in)."""
        rp = p.get_json("reply_parameters", dict)
        if rp is None and p.get("reply_to_message_id") is not None:
            rp = {"message_id": p.get_int("reply_to_message_id"),
                  "allow_sending_without_reply": p.get_bool("allow_sending_without_reply")}
        if not rp:
            return None, thread
        target = chat.messages.get(rp.get("message_id"))
        if target is None or target.deleted:
            if rp.get("allow_sending_without_reply"):
                return None, thread
            raise bad("message to be replied not found")
        snapshot = {k: v for k, v in target.data.items() if k != "reply_to_message"}
        return snapshot, thread or target.data.get("message_thread_id")

    # ---------------------------------------------------------------- flood limits
    def rate_limits(self, *, per_group_per_minute: int | None = None,
                    global_per_second: int | None = None, enabled: bool | None = None) -> None:
        if per_group_per_minute is not None:
            self.per_group_per_minute = per_group_per_minute
        if global_per_second is not None:
            self.global_per_second = global_per_second
        if enabled is not None:
            self.enforce_rate_limits = enabled

    def _check_rate(self, chat: _Chat) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.now()
        sends = self._sends_global
        while sends and sends[0] <= now - 1:
            sends.popleft()
        if len(sends) >= self.global_per_second:
            raise too_many(max(1, math.ceil(sends[0] + 1 - now)))
        if chat.type != "private":
            per = self._sends_chat.setdefault(chat.id, deque())
            while per and per[0] <= now - 60:
                per.popleft()
            if len(per) >= self.per_group_per_minute:
                raise too_many(max(1, math.ceil(per[0] + 60 - now)))

    def _count_send(self, chat: _Chat) -> None:
        self._sends_global.append(self.now())
        if chat.type != "private":
            self._sends_chat.setdefault(chat.id, deque()).append(self.now())
