"""Request parameters, read the way the Bot API reads them: JSON-encoded form values decoded, and
typed getters that answer a wrong type with Telegram's own refusal.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from sandbox.botapi.limits import bad


class _Params(dict):
    """Request parameters; typed getters answer type errors the way Telegram does."""

    _JSON_KEYS = frozenset(
        "chat_id from_chat_id message_id message_ids message_thread_id user_id reply_markup "
        "entities caption_entities reply_parameters link_preview_options disable_notification "
        "protect_content show_alert cache_time offset limit timeout allowed_updates "
        "drop_pending_updates max_connections commands scope media duration width height length "
        "latitude longitude icon_color reply_to_message_id allow_sending_without_reply "
        "has_spoiler supports_streaming show_caption_above_media".split())

    @classmethod
    def normalize(cls, raw: Mapping) -> _Params:
        p = cls()
        for k, v in raw.items():
            if k in cls._JSON_KEYS and isinstance(v, str):
                with contextlib.suppress(ValueError):
                    v = json.loads(v)
            p[k] = v
        return p

    def get_int(self, key: str, *, required: bool = False) -> int | None:
        v = self.get(key)
        if v is None or v == "":
            if required:
                raise bad(f"{key} is empty")
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            raise bad(f'field "{key}" must be of type Integer')
        return int(v)

    def get_str(self, key: str) -> str | None:
        v = self.get(key)
        return None if v is None else str(v)

    def get_bool(self, key: str) -> bool:
        v = self.get(key)
        return v is True or (isinstance(v, str) and v.lower() in ("true", "1"))

    def get_json(self, key: str, types: type | tuple = (dict, list), err: str = "") -> Any:
        v = self.get(key)
        if isinstance(v, str) and v:
            try:
                v = json.loads(v)
            except ValueError:
                raise bad(err or f"can't parse {key} JSON object") from None
        if v is not None and v != "" and not isinstance(v, types):
            raise bad(err or f"can't parse {key} JSON object")
        return None if v == "" else v
