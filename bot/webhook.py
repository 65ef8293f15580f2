"""Webhook mode: an aiohttp server that checks Telegram's secret-token header, processes each
update before answering (so Telegram retries what a crash interrupted), and serves /healthz
(bot/healthz.py). An update the library cannot read is answered 200 and skipped (bot/inbound.py)."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlparse

from aiohttp import web
from telegram.ext import Application

from bot.calls import with_retries
from bot.healthz import healthz
from bot.inbound import ALLOWED_UPDATES, read_update
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("peluit.webhook")


def webhook_secret(settings: Settings, services: Services) -> str:
    """The configured secret, or one derived from the lookup key (the same on every replica)."""
    if settings.webhook_secret:
        return settings.webhook_secret
    return services.keyring.lookup_hash("webhook", "secret-token").hex()


class WebhookServer:
    def __init__(self, app: Application, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.services: Services = app.bot_data["services"]
        self.secret = webhook_secret(settings, self.services)
        self.path = urlparse(settings.webhook_url or "").path or "/telegram"
        self.runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        web_app = web.Application(client_max_size=1024 * 1024)
        web_app.router.add_post(self.path, self.receive)
        web_app.router.add_get("/healthz", self.health)
        return web_app

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook.rejected reason=secret")
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        update = read_update(data, self.app.bot, self.services)
        if update is None:  # unreadable: answered, so Telegram does not send it again and again
            return web.Response(text="ok")
        # Processed before answering: a crash now means Telegram delivers the update again,
        # and the processed-updates table makes the second delivery change nothing.
        processor = self.app.update_processor
        await processor.process_update(update, self.app.process_update(update))
        return web.Response(text="ok")

    async def health(self, _request: web.Request) -> web.Response:
        return await healthz(self.services)

    async def start(self) -> None:
        self.runner = web.AppRunner(self.web_app(), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        await with_retries(lambda: self.app.bot.set_webhook(
            self.settings.webhook_url or "", secret_token=self.secret,
            allowed_updates=ALLOWED_UPDATES), attempts=10)
        log.info("webhook.listening")

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
