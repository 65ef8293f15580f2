"""Peluit as a separate OS process (`python -m bot`), for crash and replica tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sandbox.botapi import FakeTelegram
from storage.db import migrate
from tests.e2e.harness import STAFF_CHAT


def bot_env(fake: FakeTelegram, data_dir: Path, database_url: str | None, **extra: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PELUIT_", "TELEGRAM_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url,
        "PELUIT_STAFF_CHAT_ID": str(STAFF_CHAT), "PELUIT_DATA_DIR": str(data_dir),
        "PELUIT_POLL_TIMEOUT_SECONDS": "1", "PELUIT_SEND_GLOBAL_PER_SECOND": "1000",
        "PELUIT_SEND_GROUP_PER_MINUTE": "100000", "PELUIT_MEMBER_CACHE_SECONDS": "0",
        "PELUIT_OUTBOX_LEASE_SECONDS": "2", "PELUIT_LOG_LEVEL": "WARNING",
        "PELUIT_HEALTH_PORT": "0",  # tests run side by side: no fixed port
    })
    if database_url:
        env["PELUIT_DATABASE_URL"] = database_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=self.env, stdout=log, stderr=log,
            cwd=str(self.log_path.parent))
        log.close()
        self.starts += 1

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, mid-whatever it was doing."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                await self.kill()


async def prepare(database_url: str | None) -> None:
    if database_url and not database_url.startswith("sqlite"):
        await migrate(database_url)
