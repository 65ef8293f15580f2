"""`peluit sandbox`: start a sandbox world and its page on 127.0.0.1, say loudly what it is, and
run until Ctrl-C; then remove everything it made."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import sys
from collections.abc import AsyncIterator

from aiohttp import web

from bot import logs
from bot.settings import load_settings
from sandbox import cast
from sandbox.guard import refuse_real_telegram, token_configured
from sandbox.session import Sandbox
from sandbox.web import make_app

LINE = "=" * 78


def banner(url: str, *, seeded: bool) -> str:
    cases = "three example cases filed" if seeded else "empty (use the page's Reset to add examples)"
    return "\n".join([
        LINE,
        "  PELUIT SANDBOX  -  this is NOT Telegram",
        "",
        "  The real Peluit runs here against an embedded stand-in Bot API. Nothing reaches",
        "  Telegram; the database and keys live in a temporary directory, removed when you stop.",
        f"  World: {cases}.",
        "",
        f"  Open  {url}      (Ctrl-C stops the sandbox)",
        "",
        "  To run for real: copy .env.example to .env, set TELEGRAM_BOT_TOKEN and",
        "  PELUIT_STAFF_CHAT_ID (README, \"Setting up Telegram\"), then `bash scripts/run`.",
        LINE,
    ])


@contextlib.asynccontextmanager
async def serving(sandbox: Sandbox, port: int) -> AsyncIterator[str]:
    """The sandbox's world and its page on 127.0.0.1:`port` (0: a free port); yields the URL."""
    runner = web.AppRunner(make_app(sandbox), access_log=None, shutdown_timeout=1)
    try:
        await sandbox.start()
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        sandbox.changes.bump()  # pending long polls answer now
        await runner.cleanup()
        await sandbox.close()


async def serve_sandbox(port: int, *, seeded: bool) -> None:
    sandbox = Sandbox(seeded=seeded, claim_signals=True)
    async with serving(sandbox, port) as url:
        print(banner(url, seeded=seeded), flush=True)
        await sandbox.shutdown.wait()
        print("Sandbox stopping; its temporary data is being removed.", flush=True)


def _quiet_key_notices(record: logging.LogRecord) -> bool:
    """The advice to move generated keys offline is for a real installation; the sandbox's keys
    are thrown away with its temporary directory."""
    return not str(record.msg).startswith("keys.notice")


def run_sandbox(*, seeded: bool = False, port: int | None = None) -> None:
    settings = load_settings(require_telegram=False)
    refuse_real_telegram(settings.telegram_api_url
                         if "telegram_api_url" in settings.model_fields_set else None)
    # Quiet unless asked: the bot's routine lines would push the banner off the screen.
    level = settings.log_level if "log_level" in settings.model_fields_set else "WARNING"
    logs.configure(level, secrets=(cast.TOKEN,))
    logging.getLogger("peluit").addFilter(_quiet_key_notices)
    if token_configured():
        print("Note: a bot token is configured; the sandbox does not use it (`peluit` runs the "
              "real bot).", flush=True)
    port = settings.sandbox_port if port is None else port
    print(f"Starting the Peluit sandbox on 127.0.0.1:{port} ...", flush=True)
    try:
        asyncio.run(serve_sandbox(port, seeded=seeded))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        sys.exit(f"The sandbox cannot start: port {port} on 127.0.0.1 is in use. Set "
                 "PELUIT_SANDBOX_PORT to another port (0 picks a free one).")
    except KeyboardInterrupt:
        pass
