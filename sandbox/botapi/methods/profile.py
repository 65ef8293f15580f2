"""The bot's profile: its command lists per scope and language, and its descriptions.
"""

from __future__ import annotations

import json
import re

from sandbox.botapi.limits import bad
from sandbox.botapi.params import _Params
from sandbox.botapi.state import BotApiState


class ProfileMethods(BotApiState):
    """setMyCommands and friends, setMyDescription and friends."""

    @staticmethod
    def _scope_key(p: _Params) -> tuple[str, str]:
        scope = p.get_json("scope", dict) or {"type": "default"}
        kinds = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                 "chat", "chat_administrators", "chat_member")
        if scope.get("type") not in kinds:
            raise bad("unsupported bot command scope type")
        lang = p.get_str("language_code") or ""
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad("invalid language code specified")
        return json.dumps(scope, sort_keys=True), lang

    def _api_setMyCommands(self, p: _Params, files: dict) -> bool:
        commands = p.get_json("commands", list, err="can't parse commands JSON object")
        if commands is None:
            raise bad("commands is empty")
        if len(commands) > 100:
            raise bad("too many commands")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}",
                                                           str(c.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _api_getMyCommands(self, p: _Params, files: dict) -> list[dict]:
        return self.commands.get(self._scope_key(p), [])

    def _api_deleteMyCommands(self, p: _Params, files: dict) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    def _set_description(self, p: _Params, key: str, limit: int) -> bool:
        text, lang = p.get_str(key) or "", p.get_str("language_code") or ""
        if len(text) > limit:
            raise bad(f"{key.replace('_', ' ')} is too long")
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad("invalid language code specified")
        self.descriptions[(key, lang)] = text
        return True

    def _api_setMyDescription(self, p: _Params, files: dict) -> bool:
        return self._set_description(p, "description", 512)

    def _api_setMyShortDescription(self, p: _Params, files: dict) -> bool:
        return self._set_description(p, "short_description", 120)

    def _api_getMyDescription(self, p: _Params, files: dict) -> dict:
        return {"description": self.descriptions.get(("description",
                                                      p.get_str("language_code") or ""), "")}

    def _api_getMyShortDescription(self, p: _Params, files: dict) -> dict:
        key = ("short_description", p.get_str("language_code") or "")
        return {"short_description": self.descriptions.get(key, "")}
