"""How the bot gets its updates: getMe, long polling (getUpdates, with Telegram's conflicts), and
webhooks (setWebhook, deleteWebhook, getWebhookInfo).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
from typing import Any
from urllib.parse import urlsplit

from sandbox.botapi.limits import CONFLICT_POLL, CONFLICT_WEBHOOK, DEFAULT_UPDATES, ApiError, bad
from sandbox.botapi.params import _Params
from sandbox.botapi.state import BotApiState


class UpdateMethods(BotApiState):
    """getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

    def _api_getMe(self, p: _Params, files: dict) -> dict:
        return {**self._bot_json(), "can_join_groups": True,
                "can_read_all_group_messages": not self.privacy_mode,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _api_getUpdates(self, p: _Params, files: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self._poll_gen += 1
        gen = self._poll_gen
        self._notify()  # an older long poll (if any) now ends with 409
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_int("timeout") or 0, 0)
        allowed = p.get_json("allowed_updates", list)
        if allowed is not None:
            self._allowed = set(allowed) or set(DEFAULT_UPDATES)
        self._confirm(p.get_int("offset"))
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if gen != self._poll_gen:
                raise ApiError(409, CONFLICT_POLL)
            if self.webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            updates = self._collect(limit)
            remaining = deadline - asyncio.get_running_loop().time()
            if updates or remaining <= 0 or self._closing:
                return copy.deepcopy(updates)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)

    async def _api_setWebhook(self, p: _Params, files: dict) -> bool:
        url = p.get_str("url") or ""
        if not url:
            return self._api_deleteWebhook(p, files)
        u = urlsplit(url)
        local = u.hostname in ("127.0.0.1", "localhost", "::1")
        if not u.netloc or not (u.scheme == "https" or (u.scheme == "http" and local)):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("secret token contains unallowed characters")
        if p.get_bool("drop_pending_updates"):
            self._queue.clear()
        allowed = p.get_json("allowed_updates", list)
        if allowed is not None:
            self._allowed = set(allowed) or set(DEFAULT_UPDATES)
        self.webhook_url, self.webhook_secret = url, secret
        self._notify()
        if self._queue:
            task = asyncio.create_task(self.flush_webhook())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    def _api_deleteWebhook(self, p: _Params, files: dict) -> bool:
        if p.get_bool("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url = self.webhook_secret = None
        return True

    def _api_getWebhookInfo(self, p: _Params, files: dict) -> dict:
        info: dict[str, Any] = {"url": self.webhook_url or "", "has_custom_certificate": False,
                                "pending_update_count": len(self._queue)}
        if self.webhook_url:
            info["max_connections"] = 40
        if self.webhook_last_error:
            info.update(last_error_date=int(self.now()),
                        last_error_message=self.webhook_last_error)
        return info
