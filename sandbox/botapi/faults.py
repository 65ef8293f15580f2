"""Faults the stand-in Bot API can be told to answer with, for delivery tests: flood answers, a
proxy's HTML pages, Telegram's own 401/404, answers python-telegram-bot cannot parse, slow
answers, a broken getUpdates, and updates delivered again.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from sandbox.botapi.limits import ApiError, too_many
from sandbox.botapi.state import BotApiState, Call


class Faults(BotApiState):
    """Faults to answer with instead of carrying out a call (or on top of it)."""

    FAULT_KINDS = ("429", "502", "401", "404", "404html", "200html")

    def inject_faults(self, rate: float, *, retry_after: int = 1, kinds: Iterable[str] = ("429",
                      "502"), seed: int = 0, methods: set[str] | None = None) -> None:
        """Answer a share (``rate``, 1.0 = every call) of the calls with a fault instead of
        carrying them out: "429" (Telegram's flood answer), "502" (an HTML page from a proxy),
        "401" / "404" (Telegram's own JSON answers for a revoked token / an unknown endpoint),
        "404html" (a proxy's HTML 404), "200html" (a 200 that is not JSON: a captive portal or a
        broken proxy). getUpdates and getMe are spared unless named in ``methods``."""
        kinds = tuple(kinds)
        if not set(kinds) <= set(self.FAULT_KINDS):
            raise ValueError(f"fault kinds are {self.FAULT_KINDS}, not {kinds}")
        self._faults = {"rate": rate, "retry_after": retry_after, "kinds": kinds,
                        # S311: a seeded, repeatable choice of which calls fail; nothing secret
                        "rng": random.Random(seed),  # noqa: S311  # nosec B311
                        "methods": methods}

    def clear_faults(self) -> None:
        self._faults = None

    def garble_answers(self, method: str, times: int = 1, *, chat_id: int | None = None) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) are carried out (the
        message is sent), but the answer has a field python-telegram-bot cannot parse."""
        self._garbled[method] = (times, chat_id)

    def slow(self, method: str, seconds: float) -> None:
        """``method`` is carried out at once and answered ``seconds`` later (0: at once)."""
        self._slow[method] = seconds

    def _fault_for(self, method: str) -> tuple[int, str, str] | None:
        """(status, content type, body) of an injected fault for this call, or None."""
        f = self._faults
        if not f or (f["methods"] is None and method in ("getUpdates", "getMe")):
            return None
        if f["methods"] is not None and method not in f["methods"]:
            return None
        if f["rng"].random() >= f["rate"]:
            return None
        kind = f["rng"].choice(f["kinds"])
        if kind == "429":
            return 429, "application/json", json.dumps(too_many(f["retry_after"]).body())
        if kind in ("401", "404"):
            description = "Unauthorized" if kind == "401" else "Not Found"
            return int(kind), "application/json", json.dumps(ApiError(int(kind),
                                                                      description).body())
        if kind == "404html":
            return 404, "text/html", "<html><body><h1>404 Not Found</h1>nginx</body></html>"
        if kind == "200html":
            return 200, "text/html", "<html><body>Please log in to continue.</body></html>"
        return 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"

    def _garble(self, method: str, result: Any) -> Any:
        left, chat_id = self._garbled.get(method, (0, None))
        if not left or not isinstance(result, dict) or chat_id not in (None, result.get(
                "chat", {}).get("id")):
            return result
        self._garbled[method] = (left - 1, chat_id)
        return {**result, "date": "soon"}  # a Message whose date python-telegram-bot rejects

    def break_get_updates(self, kind: str | None) -> None:
        """From now on getUpdates answers "404" (Telegram's JSON "Not Found", what a wrong token
        or a proxy's missing route gives), "html" (status 200 with an HTML page, a captive proxy
        or an incident page), or normally again (None). Counted in ``calls``, not ``rejected``."""
        if kind not in (None, "404", "html"):
            raise ValueError(f"getUpdates breaks as None, '404' or 'html', not {kind!r}")
        self._get_updates_fault = kind

    @web.middleware
    async def _broken_get_updates(self, request: web.Request, handler: Any) -> web.StreamResponse:
        kind = self._get_updates_fault
        if kind is None or request.match_info.get("method", "").lower() != "getupdates":
            return await handler(request)
        if kind == "404":
            body: Any = {"ok": False, "error_code": 404, "description": "Not Found"}
            response = web.json_response(body, status=404)
        else:
            body = {"html": True}
            response = web.Response(status=200, content_type="text/html", text=(
                "<html><head><title>Sedang dalam perbaikan</title></head>"
                "<body><h1>Maintenance</h1></body></html>"))
        self.calls.append(Call("getUpdates", {}, response.status, body, self.now()))
        await asyncio.sleep(0.05)  # a proxy answers fast, but not in zero time
        return response

    async def inject_raw_update(self, update: dict) -> None:
        """Queue/POST an update as-is (a reused update_id simulates Telegram redelivering)."""
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        await self._dispatch({"update": copy.deepcopy(update), "delivered": False,
                              "redelivery": True})
