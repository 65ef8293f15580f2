"""The stand-in Bot API server: ``FakeTelegram`` is the world (``state``) with its Bot API methods,
people's actions, faults and views, served over HTTP on 127.0.0.1 (aiohttp), with updates
delivered to the bot by long polling or by webhook, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from sandbox.botapi.actions import PeopleActions
from sandbox.botapi.faults import Faults
from sandbox.botapi.inspection import Inspection
from sandbox.botapi.limits import MAX_UPLOAD, ApiError, bad
from sandbox.botapi.methods import BotApiMethods
from sandbox.botapi.params import _Params
from sandbox.botapi.state import Call


class FakeTelegram(PeopleActions, Inspection, Faults, BotApiMethods):
    """The stand-in Bot API server plus the simulated world (users, chats, topics, files)."""

    # S107: not a credential; the made-up token this stand-in alone accepts (the sandbox picks its own)
    def __init__(self, token: str = "123456:TEST-TOKEN", *,  # noqa: S107  # nosec B107
                 bot_username: str = "peluit_test_bot"):
        super().__init__(token, bot_username)
        self.url = ""
        self._poll_gen = 0
        self._wake = asyncio.Event()
        self._handlers = {name[5:]: getattr(self, name) for name in dir(self)
                          if name.startswith("_api_")}
        self._handlers_lc = {name.lower(): name for name in self._handlers}
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._webhook_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()
        self._closing = False

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD + 2**20,
                              middlewares=[self._broken_get_updates])
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    # ---------------------------------------------------------------- HTTP plumbing
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        name = self._handlers_lc.get(method.lower())
        params: dict = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        try:
            params, files = await self._read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if name is None:
                raise ApiError(404, "Not Found")
            if (fault := self._fault_for(name)) is not None:
                status, content_type, text = fault
                body = json.loads(text) if content_type == "application/json" else {"ok": False}
                self.calls.append(Call(name, self._public(params, files), status, body,
                                       self.now()))
                return web.Response(status=status, content_type=content_type, text=text)
            result = self._handlers[name](_Params.normalize(params), files)
            if inspect.isawaitable(result):
                result = await result
            status, body = 200, {"ok": True, "result": self._garble(name, result)}
            if self._slow.get(name):
                await asyncio.sleep(self._slow[name])
        except ApiError as e:
            status, body = e.status, e.body()
        call = Call(name or method, self._public(params, files), status, body, self.now())
        self.calls.append(call)
        abandoned = request.transport is None or request.transport.is_closing()
        if status >= 400 and not abandoned:
            self.rejected.append(call)
        return web.Response(status=status, content_type="application/json",
                            text=json.dumps(body, ensure_ascii=False))

    async def _read_params(self, request: web.Request) -> tuple[dict, dict]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad("can't parse JSON encoded request parameters") from None
                if not isinstance(body, dict):
                    raise bad("can't parse JSON encoded request parameters")
                params.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.file.read(), value.content_type)
                    else:
                        params[key] = value
        return params, files

    @staticmethod
    def _public(params: dict, files: dict) -> dict:
        out = dict(_Params.normalize(params))
        for key, (fname, data, _) in files.items():
            out[key] = f"<upload {fname} {len(data)} bytes>"
        return out

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        rec = next((f for f in self._files.values() if f.path == path), None)
        if (request.match_info["token"] != self.token or rec is None or not rec.issued
                or rec.data is None):
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.Response(body=rec.data, content_type="application/octet-stream")

    # ---------------------------------------------------------------- update delivery
    def _notify(self) -> None:
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    async def _emit(self, kind: str, obj: dict) -> None:
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(obj)}
        self._next_update_id += 1
        await self._dispatch({"update": update, "delivered": False, "redelivery": False})

    async def _dispatch(self, entry: dict) -> None:
        self._queue.append(entry)
        if self.webhook_url:
            await self.flush_webhook()
        else:
            self._notify()

    async def flush_webhook(self) -> None:
        """POST pending updates to the webhook in order; stops at one refused 4 times."""
        async with self._webhook_lock:
            while self._queue and self.webhook_url and self._session:
                entry = self._queue[0]
                if not await self._post_webhook(entry["update"]):
                    return
                self._queue.pop(0)

    async def _post_webhook(self, update: dict) -> bool:
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        assert self._session and self.webhook_url
        for attempt in range(4):
            try:
                async with self._session.post(self.webhook_url, data=json.dumps(update),
                                              headers=headers) as resp:
                    if 200 <= resp.status < 300:
                        return True
                    self.webhook_last_error = (f"Wrong response from the webhook: "
                                               f"{resp.status} {resp.reason}")
            except (ClientError, TimeoutError) as e:
                self.webhook_last_error = f"Connection failed: {e!r}"
            if attempt < 3:
                await asyncio.sleep(self.webhook_retry_delay * 2**attempt)
        return False

    def _collect(self, limit: int) -> list[dict]:
        out = []
        for entry in list(self._queue):
            kind = next(k for k in entry["update"] if k != "update_id")
            if kind not in self._allowed and not entry["redelivery"]:
                self._queue.remove(entry)
                continue
            entry["delivered"] = True
            out.append(entry["update"])
            if len(out) >= limit:
                break
        return out

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._queue = self._queue[offset:]
            return
        self._queue = [e for e in self._queue if e["update"]["update_id"] >= offset
                       or (e["redelivery"] and not e["delivered"])]


@contextlib.asynccontextmanager
async def running_fake_telegram(**kw: Any) -> AsyncIterator[FakeTelegram]:
    """``async with running_fake_telegram() as tg:`` -- started on a free port, stopped after."""
    fake = FakeTelegram(**kw)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
