"""Sending: text, every kind of file, locations, albums, copies (and forwards, which Peluit never
uses but Telegram has), and chat actions; all through one pipeline (``_send``) that checks
access, topic, markup, reply and flood limits before storing the message.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable

from sandbox.botapi.limits import CHAT_ACTIONS, MAX_CAPTION, MAX_TEXT, MEDIA_KINDS, bad
from sandbox.botapi.methods.checks import Checks
from sandbox.botapi.methods.files import FileMethods
from sandbox.botapi.params import _Params
from sandbox.botapi.state import _Chat


class MessageMethods(Checks, FileMethods):
    """send*, copyMessage, forwardMessage, sendChatAction."""

    def _send(self, p: _Params, content_fn: Callable[[_Chat], dict]) -> dict:
        """The common sendX pipeline: access, thread, markup, reply, flood, store."""
        chat = self._chat(p)
        thread = self._thread(chat, p)
        content = content_fn(chat)
        inline, keyboard = self._markup(p)
        reply, thread = self._reply(chat, p, thread)
        self._check_rate(chat)
        if inline:
            content["reply_markup"] = inline
        if p.get_bool("protect_content"):
            content["has_protected_content"] = True
        msg = self._store(chat, self.bot_id, content, thread=thread, reply=reply)
        if keyboard is not None:
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        self._count_send(chat)
        return copy.deepcopy(msg)

    def _api_sendMessage(self, p: _Params, files: dict) -> dict:
        def content(chat: _Chat) -> dict:
            text, ents = self._format(p, "text", MAX_TEXT)
            return {"text": text, **({"entities": ents} if ents else {})}
        return self._send(p, content)

    def _send_file(self, p: _Params, files: dict, kind: str, method: str) -> dict:
        def content(chat: _Chat) -> dict:
            caption, ents = self._format(p, "caption", MAX_CAPTION)
            c = self._media_content(self._input_file(p, files, kind, method))
            if caption:
                c["caption"] = caption
            if ents:
                c["caption_entities"] = ents
            return c
        return self._send(p, content)

    def _api_sendPhoto(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "photo", "sendPhoto")

    def _api_sendDocument(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "document", "sendDocument")

    def _api_sendVideo(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "video", "sendVideo")

    def _api_sendVoice(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "voice", "sendVoice")

    def _api_sendAudio(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "audio", "sendAudio")

    def _api_sendAnimation(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "animation", "sendAnimation")

    def _api_sendVideoNote(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "video_note", "sendVideoNote")

    def _api_sendSticker(self, p: _Params, files: dict) -> dict:
        return self._send_file(p, files, "sticker", "sendSticker")

    def _api_sendLocation(self, p: _Params, files: dict) -> dict:
        lat, lon = p.get("latitude"), p.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float) or \
                not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad("wrong latitude or longitude specified")
        return self._send(p, lambda chat: {"location": {"latitude": lat, "longitude": lon}})

    def _api_sendMediaGroup(self, p: _Params, files: dict) -> list[dict]:
        media = p.get_json("media", list, err="can't parse media JSON object")
        if not media or not 2 <= len(media) <= 10:
            raise bad("wrong number of messages in the media group; must be 2-10")
        kinds = {m.get("type") for m in media if isinstance(m, dict)}
        if not kinds <= {"photo", "video"} and len(kinds) > 1:
            raise bad("documents and audio can't be mixed with other media types")
        chat = self._chat(p)
        self._thread(chat, p)
        group_id, out = str(secrets.randbits(60)), []
        for item in media:
            sub = _Params.normalize({k: v for k, v in p.items() if k != "media"} | item)
            sub[item["type"]] = item.get("media")
            sub.pop("reply_markup", None)

            def content(chat: _Chat, sub: _Params = sub, kind: str = item["type"]) -> dict:
                caption, ents = self._format(sub, "caption", MAX_CAPTION)
                c = self._media_content(self._input_file(sub, files, kind, "sendMediaGroup"))
                c["media_group_id"] = group_id
                if caption:
                    c["caption"] = caption
                if ents:
                    c["caption_entities"] = ents
                return c
            out.append(self._send(sub, content))
        return out

    def _copy_source(self, p: _Params) -> tuple[_Chat, dict]:
        src_chat = self._chat(p, "from_chat_id", sending=False)
        stored = src_chat.messages.get(p.get_int("message_id", required=True))
        if stored is None or stored.deleted:
            raise bad("message to copy not found")
        if stored.service:
            raise bad("message can't be copied")
        if stored.data.get("has_protected_content"):
            raise bad("message has protected content and can't be forwarded")
        keep = ("text", "entities", "caption", "caption_entities", "location", *MEDIA_KINDS)
        return src_chat, {k: copy.deepcopy(v) for k, v in stored.data.items() if k in keep}

    def _api_copyMessage(self, p: _Params, files: dict) -> dict:
        def content(chat: _Chat) -> dict:
            _, c = self._copy_source(p)
            if p.get("caption") is not None and "text" not in c:
                c.pop("caption_entities", None)
                caption, ents = self._format(p, "caption", MAX_CAPTION)
                c.pop("caption", None)
                c.update({"caption": caption} if caption else {})
                c.update({"caption_entities": ents} if ents else {})
            return c
        return {"message_id": self._send(p, content)["message_id"]}

    def _api_forwardMessage(self, p: _Params, files: dict) -> dict:
        def content(chat: _Chat) -> dict:
            src_chat, c = self._copy_source(p)
            src = src_chat.messages[p.get_int("message_id")]
            origin = src.data.get("from") or {"id": 0, "is_bot": False, "first_name": "?"}
            c["forward_origin"] = {"type": "user", "sender_user": origin,
                                   "date": src.data["date"]}
            return c
        return self._send(p, content)

    def _api_sendChatAction(self, p: _Params, files: dict) -> bool:
        chat = self._chat(p)
        self._thread(chat, p)
        if p.get_str("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True
