"""After sending: editing text, captions and keyboards (with "message is not modified"), deleting
within Telegram's rules, and answering button presses before they expire.
"""

from __future__ import annotations

import copy

from sandbox.botapi.limits import (
    CALLBACK_TTL,
    DELETE_WINDOW,
    MAX_ANSWER_TEXT,
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    bad,
)
from sandbox.botapi.methods.checks import Checks
from sandbox.botapi.params import _Params
from sandbox.botapi.state import _Chat, _Stored


class EditMethods(Checks):
    """edit*, delete*, answerCallbackQuery."""

    def _message(self, chat: _Chat, p: _Params, missing: str) -> _Stored:
        stored = chat.messages.get(p.get_int("message_id", required=True))
        if stored is None or stored.deleted:
            raise bad(missing)
        return stored

    def _editable(self, p: _Params) -> tuple[_Chat, _Stored]:
        if p.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat(p)
        stored = self._message(chat, p, "message to edit not found")
        if stored.sender != self.bot_id or stored.service:
            raise bad("message can't be edited")
        return chat, stored

    def _apply_edit(self, stored: _Stored, changes: dict, markup: dict | None) -> dict:
        data = stored.data
        new = {**{k: v for k, v in data.items() if k not in changes}, **changes}
        new = {k: v for k, v in new.items() if v not in (None, [])}
        if markup:
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        same = all(data.get(k) in (None, []) if v in (None, []) else data.get(k) == v
                   for k, v in changes.items())
        if same and data.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED)
        new["edit_date"] = int(self.now())
        stored.data.clear()
        stored.data.update(new)
        return copy.deepcopy(new)

    def _api_editMessageText(self, p: _Params, files: dict) -> dict:
        _, stored = self._editable(p)
        if "text" not in stored.data:
            raise bad("there is no text in the message to edit")
        text, ents = self._format(p, "text", MAX_TEXT)
        markup, _ = self._markup(p, inline_only=True)
        return self._apply_edit(stored, {"text": text, "entities": ents}, markup)

    def _api_editMessageCaption(self, p: _Params, files: dict) -> dict:
        _, stored = self._editable(p)
        if "text" in stored.data:
            raise bad("there is no caption in the message to edit")
        caption, ents = self._format(p, "caption", MAX_CAPTION)
        markup, _ = self._markup(p, inline_only=True)
        return self._apply_edit(stored, {"caption": caption or None, "caption_entities": ents},
                                markup)

    def _api_editMessageReplyMarkup(self, p: _Params, files: dict) -> dict:
        _, stored = self._editable(p)
        markup, _ = self._markup(p, inline_only=True)
        return self._apply_edit(stored, {}, markup)

    def _deletable(self, chat: _Chat, stored: _Stored | None) -> bool:
        return bool(stored and not stored.deleted and not stored.service
                    and self.now() - stored.sent_at < DELETE_WINDOW
                    and (stored.sender == self.bot_id or self._bot_admin(chat)))

    def _api_deleteMessage(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p, sending=False)
        stored = self._message(chat, p, "message to delete not found")
        if not self._deletable(chat, stored):
            raise bad("message can't be deleted")
        stored.deleted = True
        return True

    def _api_deleteMessages(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p, sending=False)
        ids = p.get_json("message_ids", list, err="can't parse message_ids JSON array")
        if not ids:
            raise bad("message identifiers are not specified")
        if len(ids) > 100:
            raise bad("too many message identifiers specified")
        for mid in ids:  # as documented: messages that can't be found/deleted are skipped
            stored = chat.messages.get(mid)
            if self._deletable(chat, stored):
                stored.deleted = True
        return True

    def _api_answerCallbackQuery(self, p: _Params, files: dict) -> bool:
        qid = p.get_str("callback_query_id") or ""
        q = self._callbacks.get(qid)
        if q is None or q["answered"] or self.now() - q["at"] > CALLBACK_TTL:
            raise bad(QUERY_TOO_OLD)
        if len(p.get_str("text") or "") > MAX_ANSWER_TEXT:
            raise bad("MESSAGE_TOO_LONG")
        q["answered"] = True
        self.callback_answers[qid] = dict(p)
        return True
