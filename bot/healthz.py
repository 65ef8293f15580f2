"""`GET /healthz`: ok or not ok, and nothing more for whoever can reach it (a count of pending
messages would tell an observer when new reports arrive); the reasons go to the log.

Not ok: the database does not answer, or a part of the bot reported a problem (bot/health.py:
`polling_stalled`, ...). Webhook mode serves it on the webhook listener; polling mode on a small
listener of its own on 127.0.0.1 (`PELUIT_HEALTH_PORT`).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.services import Services

log = logging.getLogger("peluit.health")


async def healthz(services: Services) -> web.Response:
    problems = sorted(services.health.problems())
    try:
        async with services.db.uow() as uow:
            await uow.outbox.pending_count()  # the database answers a real query
    except Exception as error:  # the database is what health is about
        log.error("health.database type=%s", type(error).__name__)
        problems.append("database")
    if problems:
        log.warning("health.not_ok problems=%s", ",".join(problems))
        return web.json_response({"ok": False}, status=503)
    return web.json_response({"ok": True})


class HealthServer:
    """Polling mode's listener: only `GET /healthz`, only on 127.0.0.1."""

    def __init__(self, services: Services, port: int) -> None:
        self.services, self.port = services, port
        self.runner: web.AppRunner | None = None

    async def _answer(self, _request: web.Request) -> web.Response:
        return await healthz(self.services)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._answer)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        log.info("health.listening port=%d", self.port)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
